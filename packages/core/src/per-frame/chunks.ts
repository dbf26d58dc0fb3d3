/**
 * Lazily made chunks of a per-frame array: chunk `i` covers frames `[i * CHUNK_FRAMES,
 * (i + 1) * CHUNK_FRAMES)` and exists only once something in it was written, so a 2^40-frame
 * space costs only what is touched, and every walk over chunks costs what is held, not where
 * it sits. The last chunk used is remembered, so hot paths on nearby frames skip the map.
 */
export const CHUNK_FRAMES = 32768;

export class Chunks<T> {
  readonly #map = new Map<number, T>();
  #lastIndex = -1;
  #last: T | undefined = undefined;

  constructor(readonly make: () => T) {}

  /** Chunk number of `pfn` (frame numbers may exceed 2^32: division, never shifts). */
  static indexOf(pfn: number): number {
    return Math.floor(pfn / CHUNK_FRAMES);
  }

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
  start: number,
  count: number,
  value: number,
): void {
  let pfn = start;
  const end = start + count;
  while (pfn < end) {
    const index = Math.floor(pfn / CHUNK_FRAMES);
    const base = index * CHUNK_FRAMES;
    const stop = Math.min(end, base + CHUNK_FRAMES);
    const chunk = value === 0 ? chunks.get(index) : chunks.getOrMake(index);
    chunk?.fill(value, pfn - base, stop - base);
    pfn = stop;
  }
}
