import { Chunks, fillChunks, findInChunks, NUMBER_CHUNK_FRAMES as SIZE } from './chunks';

/** A 32-bit number per frame (owner tags), like `FrameU16` (0 meaning none). */
export class FrameU32 {
  readonly #chunks = new Chunks(() => new Uint32Array(SIZE));

  get(pfn: number): number {
    const chunk = this.#chunks.get(Math.floor(pfn / SIZE));
    return chunk === undefined ? 0 : chunk[pfn % SIZE];
  }

  set(pfn: number, value: number): void {
    const index = Math.floor(pfn / SIZE);
    const chunk = value === 0 ? this.#chunks.get(index) : this.#chunks.getOrMake(index);
    if (chunk !== undefined) chunk[pfn % SIZE] = value;
  }

  fill(start: number, count: number, value: number): void {
    fillChunks(this.#chunks, SIZE, start, count, value);
  }

  /** The first frame of `[start, start + count)` not holding `value`, or -1 (a chunk slice at a time). */
  firstNotEqual(start: number, count: number, value: number): number {
    return findInChunks(this.#chunks, SIZE, start, count, value, false);
  }

  /** Calls `visit(pfn, value)` for every non-zero frame, ascending; cost follows the chunks held. */
  forEachNonZero(visit: (pfn: number, value: number) => void): void {
    for (const index of this.#chunks.indices()) {
      const chunk = this.#chunks.get(index)!;
      const base = index * SIZE;
      for (let k = 0; k < SIZE; k++) if (chunk[k] !== 0) visit(base + k, chunk[k]);
    }
  }

  /** Chunks made so far (for tests that prove cost follows what is held). */
  get chunkCount(): number {
    return this.#chunks.size;
  }

  bytes(): number {
    return this.#chunks.size * SIZE * 4 + this.#chunks.directoryBytes();
  }
}
