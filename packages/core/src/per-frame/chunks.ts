/**
 * Lazily made chunks of a per-frame array: chunk `i` covers frames `[i * size, (i + 1) * size)`
 * (`CHUNK_FRAMES` for bits, `NUMBER_CHUNK_FRAMES` for 16/32-bit numbers) and exists only once something in it was written, so a 2^40-frame
 * space costs only what is touched, and every walk over chunks costs what is held, not where
 * it sits (the directory aside: a pointer per chunk up to the highest made).
 */
/** Frames per chunk of bits (4 KiB of words). */
export const CHUNK_FRAMES = 32768;
/** Frames per chunk of 16/32-bit numbers (1–2 KiB), so a few tagged frames cost little. */
export const NUMBER_CHUNK_FRAMES = 512;
/**
 * Chunk numbers below this sit in a plain array (one slot each, grown to the highest made, at
 * most 32 KiB), so a lookup is an index, not a hash; higher ones (frames past 2^21 for numbers,
 * 2^27 for bits) live in a `Map`, with the last one used remembered.
 */
const DIRECTORY_MAX = 4096;

export class Chunks<T> {
  readonly #directory: (T | undefined)[] = [];
  readonly #far = new Map<number, T>();
  #lastFar = -1;
  #lastFarChunk: T | undefined = undefined;
  #size = 0;

  constructor(readonly make: () => T) {}

  get size(): number {
    return this.#size;
  }

  get(index: number): T | undefined {
    const directory = this.#directory;
    if (index < directory.length) return directory[index];
    return index < DIRECTORY_MAX ? undefined : this.#getFar(index);
  }

  #getFar(index: number): T | undefined {
    if (index === this.#lastFar) return this.#lastFarChunk;
    const chunk = this.#far.get(index);
    if (chunk !== undefined) {
      this.#lastFar = index;
      this.#lastFarChunk = chunk;
    }
    return chunk;
  }

  getOrMake(index: number): T {
    const directory = this.#directory;
    if (index < directory.length) {
      const chunk = directory[index];
      if (chunk !== undefined) return chunk;
    }
    return this.#make(index);
  }

  #make(index: number): T {
    const existing = this.get(index);
    if (existing !== undefined) return existing;
    const chunk = this.make();
    if (index < DIRECTORY_MAX) {
      const directory = this.#directory;
      while (directory.length <= index) directory.push(undefined);
      directory[index] = chunk;
    } else this.#far.set(index, chunk);
    this.#size++;
    return chunk;
  }

  /** Existing chunk numbers, ascending (cost: the directory's length plus the far chunks). */
  indices(): number[] {
    const out: number[] = [];
    const directory = this.#directory;
    for (let i = 0; i < directory.length; i++) if (directory[i] !== undefined) out.push(i);
    const far = [...this.#far.keys()].sort((a, b) => a - b);
    for (const i of far) out.push(i);
    return out;
  }

  /** Bytes of the directory itself (a pointer per slot). */
  directoryBytes(): number {
    return this.#directory.length * 8;
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
