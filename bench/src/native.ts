import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `bench/native`: the C reference's sources. */
export const NATIVE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../native');
/** Where the bench compiles it (gitignored). */
export const NATIVE_BUILD_DIR = join(NATIVE_DIR, 'build');
export const NATIVE_BINARY = join(NATIVE_BUILD_DIR, 'framekit-ref');

export type NativeAlgo = 'stack' | 'bitmap' | 'hier2m' | 'buddy' | 'slab';

/** What `framekit-ref` prints for a measured scenario (all times per op, in ns). */
export interface NativeResult {
  readonly algo: NativeAlgo;
  readonly scenario: string;
  readonly samples: number;
  readonly medianNs: number;
  readonly p99Ns: number;
  readonly meanNs: number;
  readonly frames?: number;
  readonly freeFrames?: number;
  readonly metadataBytes?: number;
  readonly fragHoles?: number;
  readonly fragChecksum?: number;
  readonly peakRssBytes?: number;
  readonly holes?: number;
  readonly checksum?: number;
}

/** The C compiler the bench uses: `$CC`, else `cc`, when it runs. */
export function findCompiler(): string | undefined {
  const cc = process.env.CC || 'cc';
  const probe = spawnSync(cc, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? cc : undefined;
}

/**
 * Compiles `native/main.c` (a unity build of the reference) with `cc -O2` into
 * `native/build/framekit-ref`, unless the binary is newer than every source.
 * Returns the binary's path, or undefined without a compiler.
 */
export function buildNative(options: { force?: boolean } = {}): string | undefined {
  const cc = findCompiler();
  if (!cc) return undefined;
  const sources = readdirSync(NATIVE_DIR).filter((f) => /\.(c|h|inc)$/.test(f));
  if (!options.force && existsSync(NATIVE_BINARY)) {
    const built = statSync(NATIVE_BINARY).mtimeMs;
    if (sources.every((f) => statSync(join(NATIVE_DIR, f)).mtimeMs <= built)) return NATIVE_BINARY;
  }
  mkdirSync(NATIVE_BUILD_DIR, { recursive: true });
  execFileSync(cc, ['-O2', '-std=gnu11', '-Wall', '-o', NATIVE_BINARY, join(NATIVE_DIR, 'main.c')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return NATIVE_BINARY;
}

/** Runs one reference scenario: `framekit-ref ALGO SCENARIO key=value…`. */
export function runNative(
  binary: string,
  algo: NativeAlgo,
  scenario: string,
  params: Record<string, number | string>,
  extraArgs: readonly string[] = [],
): NativeResult {
  const args = [algo, scenario, ...Object.entries(params).map(([k, v]) => `${k}=${v}`), ...extraArgs];
  const out = execFileSync(binary, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  const parsed = JSON.parse(out.trim()) as NativeResult & { error?: string };
  if (parsed.error) throw new Error(`framekit-ref ${args.join(' ')}: ${parsed.error}`);
  return parsed;
}
