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

  /**
   * Calls `visit(pfn, value)` for every non-zero frame, ascending; cost follows the chunks held,
   * but it is a call per frame: to walk one value's frames, `forEachStretch`.
   */
  forEachNonZero(visit: (pfn: number, value: number) => void): void {
    for (const index of this.#chunks.indices()) {
      const chunk = this.#chunks.get(index)!;
      const base = index * SIZE;
      for (let k = 0; k < SIZE; k++) if (chunk[k] !== 0) visit(base + k, chunk[k]);
    }
  }

  /**
   * Calls `visit(start, count)` for every maximal stretch of neighbouring frames holding `value`
   * (not 0), ascending, joined across chunk boundaries: a chunk slice at a time (`indexOf` to a
   * stretch's first frame, a tight loop to its end), one call per stretch, never one per frame.
   * Cost follows the chunks held.
   */
  forEachStretch(value: number, visit: (start: number, count: number) => void): void {
    let runStart = -1;
    let runEnd = -1;
    for (const index of this.#chunks.indices()) {
      const chunk = this.#chunks.get(index)!;
      const base = index * SIZE;
      let k = chunk.indexOf(value);
      while (k >= 0) {
        let e = k + 1;
        while (e < SIZE && chunk[e] === value) e++;
        if (base + k === runEnd) runEnd = base + e;
        else {
          if (runStart >= 0) visit(runStart, runEnd - runStart);
          runStart = base + k;
          runEnd = base + e;
        }
        k = e < SIZE ? chunk.indexOf(value, e) : -1;
      }
    }
    if (runStart >= 0) visit(runStart, runEnd - runStart);
  }

  /** Chunks made so far (for tests that prove cost follows what is held). */
  get chunkCount(): number {
    return this.#chunks.size;
  }

  bytes(): number {
    return this.#chunks.size * SIZE * 4 + this.#chunks.directoryBytes();
  }
}
