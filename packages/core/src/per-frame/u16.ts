import { Chunks, fillChunks, NUMBER_CHUNK_FRAMES as SIZE } from './chunks';

/**
 * A 16-bit number per frame (refcounts), 0 where never written, in lazily made 512-frame
 * chunks; runs are filled a chunk slice at a time.
 */
export class FrameU16 {
  readonly #chunks = new Chunks(() => new Uint16Array(SIZE));

  get(pfn: number): number {
    const chunk = this.#chunks.get(Math.floor(pfn / SIZE));
    return chunk === undefined ? 0 : chunk[pfn % SIZE];
  }

  set(pfn: number, value: number): void {
    const index = Math.floor(pfn / SIZE);
    const chunk = value === 0 ? this.#chunks.get(index) : this.#chunks.getOrMake(index);
    if (chunk !== undefined) chunk[pfn % SIZE] = value;
  }

  /** Sets every frame of `[start, start + count)` to `value`. */
  fill(start: number, count: number, value: number): void {
    fillChunks(this.#chunks, SIZE, start, count, value);
  }

  bytes(): number {
    return this.#chunks.size * SIZE * 2;
  }
}
