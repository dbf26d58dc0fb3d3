import type { RunOptions } from '@framekit/core';
import { drawIndices, drawSizes } from './prng';
import type { Strategy, Target } from './strategies';

/** The measured loops; `native/scenarios.inc` has the same four, drawing the same numbers. */
export type LoopKind = 'single-lifo' | 'single-random' | 'batch' | 'run';

export interface LoopParams {
  /** Operations per timed call. */
  readonly perCall: number;
  /** single-random: frames held (a random one is freed and replaced per op). */
  readonly hold?: number;
  /** batch: frames per allocMany/freeMany. */
  readonly batch?: number;
  /** run: sizes drawn uniformly from [countMin, countMax]. */
  readonly countMin?: number;
  readonly countMax?: number;
  readonly align?: number;
  readonly below?: number;
  /** Seed of the drawn indices or sizes. */
  readonly seed?: number;
}

/** Draws per sequence; a power of two so both sides wrap with a mask. */
export const DRAWS = 65536;
export const LOOP_SEED = 1;

/**
 * The timed loops' source. Each row compiles its own copy (`new Function`), so V8 keeps
 * separate type feedback per strategy: with one shared closure, calls to `target.alloc()`
 * would turn megamorphic after a few strategies and every later row would pay for it. The
 * copies must differ in text (`uniqueSource`): V8 caches `new Function` by its source, and
 * identical text shares the feedback again (measured: a row run after five others, 3.9 → 20.6 ns).
 */
let compiled = 0;

/** `source` with a comment that no other compiled loop has, so it gets type feedback of its own. */
export function uniqueSource(source: string): string {
  return `/* loop ${compiled++} */${source}`;
}

const LOOP_SOURCE: Readonly<Record<LoopKind, string>> = {
  'single-lifo': `
    return function call() {
      for (let k = 0; k < perCall; k++) out[k] = target.alloc();
      for (let k = perCall - 1; k >= 0; k--) target.free(out[k]);
    };`,
  'single-random': `
    let cursor = 0;
    return function call() {
      for (let k = 0; k < perCall; k++) {
        const i = picks[cursor++ & mask];
        target.free(held[i]);
        held[i] = target.alloc();
      }
    };`,
  batch: `
    return function call() {
      for (let k = 0; k < perCall; k++) {
        if (target.allocMany(out, size)) target.freeMany(out, size);
      }
    };`,
  run: `
    let cursor = 0;
    return function call() {
      for (let k = 0; k < perCall; k++) {
        const n = sizes[cursor++ & mask];
        counts[k] = n;
        starts[k] = target.allocRun(n, options);
      }
      for (let k = 0; k < perCall; k++) if (starts[k] !== -1) target.freeRun(starts[k], counts[k]);
    };`,
};

const LOOP_ARGS = [
  'target',
  'perCall',
  'out',
  'held',
  'picks',
  'sizes',
  'starts',
  'counts',
  'mask',
  'size',
  'options',
];

/** Builds the timed call for one target; setup (held frames, drawn numbers) happens here, untimed. */
export function makeLoop(kind: LoopKind, target: Target, params: LoopParams): () => void {
  const perCall = params.perCall;
  const seed = params.seed ?? LOOP_SEED;
  const size = params.batch ?? 64;
  const out = new Float64Array(Math.max(perCall, size));
  let held: Float64Array | undefined;
  let picks: Uint32Array | undefined;
  let sizes: Float64Array | undefined;
  if (kind === 'single-random') {
    const hold = params.hold ?? 4096;
    held = new Float64Array(hold);
    for (let i = 0; i < hold; i++) {
      held[i] = target.alloc();
      if (held[i] === -1) throw new Error(`single-random: the space cannot hold ${hold} frames`);
    }
    picks = drawIndices(seed, DRAWS, hold);
  }
  if (kind === 'run') {
    const lo = params.countMin ?? 1;
    sizes = drawSizes(seed, DRAWS, lo, params.countMax ?? lo);
  }
  const options: RunOptions = {
    ...(params.align !== undefined && params.align > 1 ? { align: params.align } : {}),
    ...(params.below !== undefined ? { below: params.below } : {}),
  };
  const factory = new Function(...LOOP_ARGS, uniqueSource(LOOP_SOURCE[kind])) as (
    ...args: unknown[]
  ) => () => void;
  return factory(
    target,
    perCall,
    out,
    held,
    picks,
    sizes,
    new Float64Array(perCall),
    new Float64Array(perCall),
    DRAWS - 1,
    size,
    options,
  );
}

/** The loop's parameters as `framekit-ref` arguments. */
export function loopArgs(params: LoopParams): Record<string, number> {
  const out: Record<string, number> = { per_call: params.perCall, seed: params.seed ?? LOOP_SEED };
  if (params.hold !== undefined) out.hold = params.hold;
  if (params.batch !== undefined) out.batch = params.batch;
  if (params.countMin !== undefined) out.count_min = params.countMin;
  if (params.countMax !== undefined) out.count_max = params.countMax;
  if (params.align !== undefined) out.align = params.align;
  if (params.below !== undefined) out.below = params.below;
  return out;
}

/** A scenario of the loop family: one space, one loop, every strategy that can serve it. */
export interface LoopScenario {
  readonly id: string;
  readonly title: string;
  /** What one op is, for the report. */
  readonly op: string;
  readonly loop: LoopKind;
  readonly params: LoopParams;
  /** Frames of the space (all usable unless fragmented). */
  readonly frames: number;
  /** Brought to the fragmentation recipe's state before timing. */
  readonly fragmented: boolean;
  /**
   * Frame contents (where a strategy keeps nodes in frames) are written once before timing,
   * and the C stack maps its frame memory up front: page faults of first touches stay out of
   * the figures, as in a kernel whose direct map is always present.
   */
  readonly prefault: boolean;
  /** The C algorithm rows without a C twin (baseline, router, peer) are compared with. */
  readonly reference: 'stack' | 'bitmap' | 'hier2m';
  /** Which strategies take part; returns a reason when one cannot. */
  readonly accepts: (strategy: Strategy) => true | string;
  /** C algorithms run on it. */
  readonly natives: readonly ('stack' | 'bitmap' | 'hier2m' | 'buddy')[];
  /** Rows compared directly against another row of the same scenario (router overhead). */
  readonly versus?: Readonly<Record<string, string>>;
}
