/**
 * Lazily made chunks of a per-frame array: chunk `i` covers frames `[i * size, (i + 1) * size)`
 * (`CHUNK_FRAMES` for bits, `NUMBER_CHUNK_FRAMES` for 16/32-bit numbers) and exists only once something in it was written, so a 2^40-frame
 * space costs only what is touched, and every walk over chunks costs what is held, not where
 * it sits. The last chunk used is remembered, so hot paths on nearby frames skip the map.
 */
/** Frames per chunk of bits (4 KiB of words). */
export const CHUNK_FRAMES = 32768;
/** Frames per chunk of 16/32-bit numbers (1–2 KiB), so a few tagged frames cost little. */
export const NUMBER_CHUNK_FRAMES = 512;

export class Chunks<T> {
  readonly #map = new Map<number, T>();
  #lastIndex = -1;
  #last: T | undefined = undefined;

  constructor(readonly make: () => T) {}

  get size(): number {
    return this.#map.size;
  }

  get(index: number): T | undefined {
    if (index === this.#lastIndex) return this.#last;
    const chunk = this.#map.get(index);
    if (chunk !== undefined) {
      this.#lastIndex = index;
      this.#last = chunk;
    }
    return chunk;
  }

  getOrMake(index: number): T {
    let chunk = this.get(index);
    if (chunk === undefined) {
      chunk = this.make();
      this.#map.set(index, chunk);
      this.#lastIndex = index;
      this.#last = chunk;
    }
    return chunk;
  }

  /** Existing chunk numbers, ascending (cost: the chunks held). */
  indices(): number[] {
    return [...this.#map.keys()].sort((a, b) => a - b);
  }
}

/** Writes `value` into every frame of `[start, start + count)` a chunk slice at a time (0 makes no chunk). */
export function fillChunks(
  chunks: Chunks<Uint16Array> | Chunks<Uint32Array>,
  size: number,
  start: number,
  count: number,
  value: number,
): void {
  let pfn = start;
  const end = start + count;
  while (pfn < end) {
    const index = Math.floor(pfn / size);
    const base = index * size;
    const stop = Math.min(end, base + size);
    const chunk = value === 0 ? chunks.get(index) : chunks.getOrMake(index);
    chunk?.fill(value, pfn - base, stop - base);
    pfn = stop;
  }
}

type NumberChunks = Chunks<Uint16Array> | Chunks<Uint32Array>;

/**
 * The first frame of `[start, start + count)` whose value is (`equal`) or is not `value`, or
 * -1: a chunk slice at a time (`indexOf` for equality, a tight loop otherwise), a missing
 * chunk read as zeros without being made.
 */
export function findInChunks(
  chunks: NumberChunks,
  size: number,
  start: number,
  count: number,
  value: number,
  equal: boolean,
): number {
  let pfn = start;
  const end = start + count;
  while (pfn < end) {
    const index = Math.floor(pfn / size);
    const base = index * size;
    const stop = Math.min(end, base + size);
    const chunk = chunks.get(index);
    if (chunk === undefined) {
      if ((value === 0) === equal) return pfn;
    } else if (equal) {
      const k = chunk.subarray(pfn - base, stop - base).indexOf(value);
      if (k >= 0) return pfn + k;
    } else {
      for (let k = pfn - base, last = stop - base; k < last; k++) if (chunk[k] !== value) return base + k;
    }
    pfn = stop;
  }
  return -1;
}

/** The first frame of `[start, start + count)` whose value is at least `value` (> 0), or -1. */
export function findAtLeastInChunks(
  chunks: NumberChunks,
  size: number,
  start: number,
  count: number,
  value: number,
): number {
  let pfn = start;
  const end = start + count;
  while (pfn < end) {
    const index = Math.floor(pfn / size);
    const base = index * size;
    const stop = Math.min(end, base + size);
    const chunk = chunks.get(index);
    if (chunk !== undefined) {
      for (let k = pfn - base, last = stop - base; k < last; k++) if (chunk[k] >= value) return base + k;
    }
    pfn = stop;
  }
  return -1;
}

/**
 * Adds `delta` to every frame of `[start, start + count)`, a chunk slice at a time; a slice
 * holding one value throughout (a run counted together) is one `fill`. The caller makes sure
 * no value leaves the array's range.
 */
export function addInChunks(
  chunks: NumberChunks,
  size: number,
  start: number,
  count: number,
  delta: number,
): void {
  let pfn = start;
  const end = start + count;
  while (pfn < end) {
    const index = Math.floor(pfn / size);
    const base = index * size;
    const stop = Math.min(end, base + size);
    const chunk = chunks.getOrMake(index);
    const from = pfn - base;
    const to = stop - base;
    const first = chunk[from];
    let k = from + 1;
    while (k < to && chunk[k] === first) k++;
    if (k === to) chunk.fill(first + delta, from, to);
    else for (k = from; k < to; k++) chunk[k] += delta;
    pfn = stop;
  }
}
