import { FrameBits } from './bits';
import { FrameMap } from './frame-map';

/**
 * Runs handed out whole, for an allocator that takes runs back only whole (hier2m's 2 MiB
 * pages): each run's start → its count and a small tag (the strategy that served it), in a hash
 * table whose size follows the live runs, plus one bit per run start. Adding or removing a run
 * is O(1) whatever its length and wherever it lies; which run covers a
 * frame is found by looking down from it for the nearest start, at most the longest run's
 * length away, a word at a time. One tracker shared by the router, refcounts and owners.
 */
export class WholeRunTracker {
  /** Each run's start → `count * 256 + tag` (nothing allocated per run). */
  readonly #runs = new FrameMap();
  /** One bit per run start: flat up to `flatFrames` (one load per test), chunks above. */
  readonly #starts: FrameBits;
  /** The longest run ever recorded: no start further below a frame can cover it. */
  #longest = 0;

  /** `flatFrames`: frames whose start bits may live in one flat array (see `FrameBits`); 0 for chunks only. */
  constructor(flatFrames = 0) {
    this.#starts = new FrameBits(flatFrames);
  }

  get size(): number {
    return this.#runs.size;
  }

  /** Records `[start, start + count)` as handed out whole; `tag` is 0 … 255. */
  add(start: number, count: number, tag = 0): void {
    this.#runs.set(start, count * 256 + tag);
    this.#starts.set(start);
    if (count > this.#longest) this.#longest = count;
  }

  /** Forgets the run starting at `start` (nothing when there is none). */
  remove(start: number): void {
    if (this.#runs.take(start) !== 0) this.#starts.clear(start);
  }

  /**
   * Forgets the run starting at `start` when it is exactly `count` frames long and returns its
   * tag; otherwise -1 and nothing changes (one lookup for check, tag and removal).
   */
  take(start: number, count: number): number {
    // Values are `count * 256 + tag`: the run's value lies in [count * 256, count * 256 + 256).
    const base = count * 256;
    const value = this.#runs.takeIfIn(start, base, base + 256);
    if (value === 0) return -1;
    this.#starts.clear(start);
    // The tag by subtraction: `%` on a number that is not known to be a small integer is a
    // call to fmod, several times dearer than the rest of this method.
    return value - base;
  }

  /** The count of the run starting at `start`, or 0. */
  countAt(start: number): number {
    return Math.floor(this.#runs.get(start) / 256);
  }

  /** The tag of the run starting at `start`. */
  tagAt(start: number): number {
    const value = this.#runs.get(start);
    return value - Math.floor(value / 256) * 256;
  }

  /** The start of the recorded run covering `pfn`, or -1 when none does. */
  startOf(pfn: number): number {
    if (this.#runs.size === 0 || pfn % 1 !== 0 || pfn < 0) return -1;
    const s = this.#starts.lastSetAtOrBelow(pfn, Math.max(0, pfn - this.#longest + 1));
    return s >= 0 && s + this.countAt(s) > pfn ? s : -1;
  }

  covers(pfn: number): boolean {
    return this.startOf(pfn) >= 0;
  }

  /** The first frame of `[start, start + count)` inside a recorded run, or -1. */
  firstIn(start: number, count: number): number {
    if (this.#runs.size === 0) return -1;
    if (this.startOf(start) >= 0) return start;
    return this.#starts.firstSet(start, count);
  }

  /** True when any frame of `[start, start + count)` lies in a recorded run. */
  anyIn(start: number, count: number): boolean {
    return this.firstIn(start, count) >= 0;
  }

  /** True when `[start, start + count)` is exactly one recorded run. */
  isRun(start: number, count: number): boolean {
    return this.countAt(start) === count;
  }

  bytes(): number {
    return this.#starts.bytes() + this.#runs.bytes();
  }
}
