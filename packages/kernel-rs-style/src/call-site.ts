import type { SourceLocation } from './api';

/** A captured stack; engines format `stack` lazily, so capturing is cheap until it is read. */
export interface CapturedStack {
  stack?: string;
  /** True when the engine already dropped this package's frames (V8's `Error.captureStackTrace`). */
  trimmed: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: matches any function, as Error.captureStackTrace does
type AnyFunction = (...args: any[]) => unknown;

interface V8ErrorConstructor {
  captureStackTrace?(target: object, constructorOpt?: AnyFunction): void;
}

/**
 * The stack of the call to `entry` (a public function of this package), starting at its
 * caller: `Error.captureStackTrace` drops `entry`'s frame and everything above it. Engines
 * without it (Firefox, Safari) give the whole stack, and `locate` skips this package's frames.
 */
export function captureStack(entry: AnyFunction): CapturedStack {
  const v8 = Error as V8ErrorConstructor;
  if (typeof v8.captureStackTrace !== 'function') return { stack: new Error().stack, trimmed: false };
  const holder: CapturedStack = { trimmed: true };
  v8.captureStackTrace(holder, entry);
  return holder;
}

/** The caller's frame: the first frame of the stack outside this package, or `undefined` when there is none. */
export function locate(captured: CapturedStack): SourceLocation | undefined {
  const own = captured.trimmed ? undefined : ownDirectory();
  for (const line of (captured.stack ?? '').split('\n')) {
    const location = parseFrame(line);
    if (location === undefined) continue;
    if (own !== undefined && location.file.startsWith(own)) continue;
    return location;
  }
  return undefined;
}

/** `file:line:column` of a location, or `<unknown>`. */
export function formatLocation(location: SourceLocation | undefined): string {
  return location === undefined ? '<unknown>' : `${location.file}:${location.line}:${location.column}`;
}

/**
 * One frame of a stack trace: V8's `    at fn (file:1:2)` / `    at file:1:2`, or
 * SpiderMonkey's and JavaScriptCore's `fn@file:1:2`. Other lines give `undefined`.
 */
export function parseFrame(line: string): SourceLocation | undefined {
  let text = line.trim();
  if (text.startsWith('at ')) {
    text = text.slice(3);
    const open = text.indexOf(' (');
    if (text.endsWith(')') && open >= 0) text = text.slice(open + 2, -1);
  } else {
    const at = text.indexOf('@');
    if (at < 0) return undefined;
    text = text.slice(at + 1);
  }
  const match = /^(.+):(\d+):(\d+)$/.exec(text);
  if (match === null || match[1].includes('eval at ')) return undefined;
  return { file: toPath(match[1]), line: Number(match[2]), column: Number(match[3]) };
}

function toPath(file: string): string {
  if (!file.startsWith('file://')) return file;
  try {
    return decodeURIComponent(new URL(file).pathname);
  } catch {
    return file;
  }
}

let ownDir: string | null | undefined;

/** The directory of this module as stack traces name it (all of `dist/` or `src/`), to skip our own frames. */
function ownDirectory(): string | undefined {
  if (ownDir === undefined) {
    const here = locateSelf(new Error().stack ?? '');
    ownDir = here === undefined ? null : here.file.slice(0, here.file.lastIndexOf('/') + 1);
  }
  return ownDir ?? undefined;
}

function locateSelf(stack: string): SourceLocation | undefined {
  for (const line of stack.split('\n')) {
    const location = parseFrame(line);
    if (location !== undefined) return location;
  }
  return undefined;
}
