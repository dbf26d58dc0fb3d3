/**
 * `Symbol.dispose` (Node 20.4+, current browsers), or where a runtime lacks it, the
 * registered symbol that esbuild's lowered `using` falls back to, so owners stay disposable
 * by code compiled with tsup/esbuild on any runtime. Never assigned to `Symbol` itself.
 */
export const disposeSymbol: typeof Symbol.dispose = (Symbol.dispose ??
  Symbol.for('Symbol.dispose')) as typeof Symbol.dispose;
