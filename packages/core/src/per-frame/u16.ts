import {
  addInChunks,
  Chunks,
  fillChunks,
  findAtLeastInChunks,
  findInChunks,
  NUMBER_CHUNK_FRAMES as SIZE,
} from './chunks';

/**
 * A 16-bit number per frame (refcounts), 0 where never written, in lazily made 512-frame
 * chunks; runs are filled, searched and counted up or down a chunk slice at a time.
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

  /** Adds `delta` to every frame of `[start, start + count)` (the caller keeps each in 0 … 65535). */
  add(start: number, count: number, delta: number): void {
    addInChunks(this.#chunks, SIZE, start, count, delta);
  }

  /** The first frame of `[start, start + count)` holding `value`, or -1. */
  firstEqual(start: number, count: number, value: number): number {
    return findInChunks(this.#chunks, SIZE, start, count, value, true);
  }

  /** The first frame of `[start, start + count)` not holding `value`, or -1. */
  firstNotEqual(start: number, count: number, value: number): number {
    return findInChunks(this.#chunks, SIZE, start, count, value, false);
  }

  /** The first frame of `[start, start + count)` holding at least `value` (> 0), or -1. */
  firstAtLeast(start: number, count: number, value: number): number {
    return findAtLeastInChunks(this.#chunks, SIZE, start, count, value);
  }

  bytes(): number {
    return this.#chunks.size * SIZE * 2 + this.#chunks.directoryBytes();
  }
}
