import type { Pfn } from '../api';

const CHUNK_SHIFT = 9;
const CHUNK_FRAMES = 1 << CHUNK_SHIFT;
const WORDS_PER_CHUNK = CHUNK_FRAMES >>> 5;

/**
 * The runs a zone handed out whole, where the zone's owner takes runs back only whole (as
 * hier2m does): start → count and the strategy that served it, plus a bit per covered frame
 * (16 words per touched 2 MiB chunk) so that `free` of a frame inside such a run is refused
 * in O(1), before anything changes.
 */
export class WholeRuns {
  /** start → `count * 256 + strategy index`. */
  readonly #runs = new Map<number, number>();
  readonly #bits = new Map<number, Uint32Array>();

  get size(): number {
    return this.#runs.size;
  }

  add(start: Pfn, count: number, strategy: number): void {
    this.#runs.set(start, count * 256 + strategy);
    this.#mark(start, count, true);
  }

  remove(start: Pfn): void {
    const value = this.#runs.get(start);
    if (value === undefined) return;
    this.#runs.delete(start);
    this.#mark(start, Math.floor(value / 256), false);
  }

  /** The count of the run starting at `start`, or 0. */
  countAt(start: Pfn): number {
    const value = this.#runs.get(start);
    return value === undefined ? 0 : Math.floor(value / 256);
  }

  /** The index of the strategy that served the run starting at `start`. */
  strategyAt(start: Pfn): number {
    return (this.#runs.get(start) ?? 0) % 256;
  }

  covers(pfn: Pfn): boolean {
    const words = this.#bits.get(Math.floor(pfn / CHUNK_FRAMES));
    if (words === undefined) return false;
    const bit = pfn & (CHUNK_FRAMES - 1);
    return (words[bit >>> 5] & (1 << (bit & 31))) !== 0;
  }

  /** True when any frame of `[start, start + count)` lies in a recorded run. */
  anyIn(start: Pfn, count: number): boolean {
    for (let pfn = start; pfn < start + count; pfn++) if (this.covers(pfn)) return true;
    return false;
  }

  /** The recorded run `[start, count]` covering `pfn` (a slow path, for error messages). */
  runAt(pfn: Pfn): readonly [number, number] {
    for (const [start, value] of this.#runs) {
      const count = Math.floor(value / 256);
      if (pfn >= start && pfn < start + count) return [start, count];
    }
    return [pfn, 1];
  }

  /** Bytes this bookkeeping holds, roughly. */
  bytes(): number {
    return this.#bits.size * WORDS_PER_CHUNK * 4 + this.#runs.size * 16;
  }

  #mark(start: Pfn, count: number, on: boolean): void {
    let pfn = start;
    const end = start + count;
    while (pfn < end) {
      const chunk = Math.floor(pfn / CHUNK_FRAMES);
      let words = this.#bits.get(chunk);
      if (words === undefined) {
        if (!on) {
          pfn = (chunk + 1) * CHUNK_FRAMES;
          continue;
        }
        words = new Uint32Array(WORDS_PER_CHUNK);
        this.#bits.set(chunk, words);
      }
      const stop = Math.min(end, (chunk + 1) * CHUNK_FRAMES);
      for (; pfn < stop; pfn++) {
        const bit = pfn & (CHUNK_FRAMES - 1);
        if (on) words[bit >>> 5] |= 1 << (bit & 31);
        else words[bit >>> 5] &= ~(1 << (bit & 31));
      }
      if (!on && words.every((w) => w === 0)) this.#bits.delete(chunk);
    }
  }
}
