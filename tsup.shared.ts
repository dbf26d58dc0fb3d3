import { defineConfig, type Options } from 'tsup';

/**
 * Every published package's build: ESM and CommonJS with their `.d.ts`, for Node 20 (esbuild
 * lowers `using`), from the entry points given (the package's `src/index.ts` by default).
 */
export function frameKitBuild(entry: Options['entry'] = { index: 'src/index.ts' }) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node20',
    clean: true,
    sourcemap: true,
    treeshake: true,
  });
}
