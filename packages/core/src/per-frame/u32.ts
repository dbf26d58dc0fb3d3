import { CHUNK_FRAMES, Chunks, fillChunks } from './chunks';

/** A 32-bit number per frame (owner tags), like `FrameU16` (0 meaning none). */
export class FrameU32 {
  readonly #chunks = new Chunks(() => new Uint32Array(CHUNK_FRAMES));

  get(pfn: number): number {
    const chunk = this.#chunks.get(Math.floor(pfn / CHUNK_FRAMES));
    return chunk === undefined ? 0 : chunk[pfn % CHUNK_FRAMES];
  }

  set(pfn: number, value: number): void {
    const index = Math.floor(pfn / CHUNK_FRAMES);
    const chunk = value === 0 ? this.#chunks.get(index) : this.#chunks.getOrMake(index);
    if (chunk !== undefined) chunk[pfn % CHUNK_FRAMES] = value;
  }

  fill(start: number, count: number, value: number): void {
    fillChunks(this.#chunks, start, count, value);
  }

  /** Calls `visit(pfn, value)` for every non-zero frame, ascending; cost follows the chunks held. */
  forEachNonZero(visit: (pfn: number, value: number) => void): void {
    for (const index of this.#chunks.indices()) {
      const chunk = this.#chunks.get(index)!;
      const base = index * CHUNK_FRAMES;
      for (let k = 0; k < CHUNK_FRAMES; k++) if (chunk[k] !== 0) visit(base + k, chunk[k]);
    }
  }

  /** Chunks made so far (for tests that prove cost follows what is held). */
  get chunkCount(): number {
    return this.#chunks.size;
  }

  bytes(): number {
    return this.#chunks.size * CHUNK_FRAMES * 4;
  }
}
