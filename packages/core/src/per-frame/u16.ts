import { CHUNK_FRAMES, Chunks, fillChunks } from './chunks';

/**
 * A 16-bit number per frame (refcounts), 0 where never written, in lazily made 32,768-frame
 * chunks; runs are filled a chunk slice at a time.
 */
export class FrameU16 {
  readonly #chunks = new Chunks(() => new Uint16Array(CHUNK_FRAMES));

  get(pfn: number): number {
    const chunk = this.#chunks.get(Math.floor(pfn / CHUNK_FRAMES));
    return chunk === undefined ? 0 : chunk[pfn % CHUNK_FRAMES];
  }

  set(pfn: number, value: number): void {
    const index = Math.floor(pfn / CHUNK_FRAMES);
    const chunk = value === 0 ? this.#chunks.get(index) : this.#chunks.getOrMake(index);
    if (chunk !== undefined) chunk[pfn % CHUNK_FRAMES] = value;
  }

  /** Sets every frame of `[start, start + count)` to `value`. */
  fill(start: number, count: number, value: number): void {
    fillChunks(this.#chunks, start, count, value);
  }

  bytes(): number {
    return this.#chunks.size * CHUNK_FRAMES * 2;
  }
}
