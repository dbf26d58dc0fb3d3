import { FrameBits } from './bits';

/**
 * Runs handed out whole, for an allocator that takes runs back only whole (hier2m's 2 MiB
 * pages): each run's start → its count and a small tag (the strategy that served it), plus a
 * bit per covered frame and a bit per run start, so every question about a run of frames is
 * answered a word at a time. One tracker shared by the router, refcounts and owners.
 */
export class WholeRunTracker {
  /** start → `count * 256 + tag`. */
  readonly #runs = new Map<number, number>();
  readonly #covered = new FrameBits();
  readonly #starts = new FrameBits();

  get size(): number {
    return this.#runs.size;
  }

  /** Records `[start, start + count)` as handed out whole; `tag` is 0 … 255. */
  add(start: number, count: number, tag = 0): void {
    this.#runs.set(start, count * 256 + tag);
    this.#covered.setRun(start, count);
    this.#starts.set(start);
  }

  /** Forgets the run starting at `start` (nothing when there is none). */
  remove(start: number): void {
    const value = this.#runs.get(start);
    if (value === undefined) return;
    this.#runs.delete(start);
    this.#covered.clearRun(start, Math.floor(value / 256));
    this.#starts.clear(start);
  }

  /** The count of the run starting at `start`, or 0. */
  countAt(start: number): number {
    const value = this.#runs.get(start);
    return value === undefined ? 0 : Math.floor(value / 256);
  }

  /** The tag of the run starting at `start`. */
  tagAt(start: number): number {
    return (this.#runs.get(start) ?? 0) % 256;
  }

  covers(pfn: number): boolean {
    return this.#covered.test(pfn);
  }

  /** True when any frame of `[start, start + count)` lies in a recorded run. */
  anyIn(start: number, count: number): boolean {
    return this.#covered.firstSet(start, count) >= 0;
  }

  /** The first frame of `[start, start + count)` inside a recorded run, or -1. */
  firstIn(start: number, count: number): number {
    return this.#covered.firstSet(start, count);
  }

  /** The start of the recorded run covering `pfn`, or -1 when none does. */
  startOf(pfn: number): number {
    if (!this.#covered.test(pfn)) return -1;
    return this.#starts.lastSetAtOrBelow(pfn, 0);
  }

  /** True when `[start, start + count)` is exactly one recorded run. */
  isRun(start: number, count: number): boolean {
    return this.countAt(start) === count;
  }

  bytes(): number {
    return this.#covered.bytes() + this.#starts.bytes() + this.#runs.size * 16;
  }
}
