import { FRAMES_PER_2MIB as IMPORTED_FRAMES_PER_2MIB } from '../units';
import { FrameBits } from './bits';
import { FrameMap } from './frame-map';

// Read once into this module's own constant, which V8 folds into the hot paths (see router.ts).
const FRAMES_PER_2MIB = IMPORTED_FRAMES_PER_2MIB;

/** Frames a lane may cover: below 2^32, a block's index is `start >>> 9`. */
const LANE_LIMIT = 2 ** 32;

/**
 * Runs handed out whole, for an allocator that takes runs back only whole (hier2m's 2 MiB
 * pages): each run's start → its count and a small tag (the strategy that served it), in a hash
 * table whose size follows the live runs, plus one bit per run start. Adding or removing a run
 * is O(1) whatever its length and wherever it lies; which run covers a
 * frame is found by looking down from it for the nearest start, at most the longest run's
 * length away, a word at a time. One tracker shared by the router, refcounts and owners.
 *
 * The commonest whole run, an aligned 2 MiB page, has a lane of its own below `flatFrames`:
 * one 16-bit entry per 2 MiB block (its tag + 1, 0 when none), so recording, checking and
 * forgetting it is one array access, with no hash and no start bit.
 */
export class WholeRunTracker {
  /** Each run's start → `count * 256 + tag` (nothing allocated per run). */
  readonly #runs = new FrameMap();
  /** One bit per run start: flat up to `flatFrames` (one load per test), chunks above. */
  readonly #starts: FrameBits;
  /** The longest run in `#runs` ever recorded: no start further below a frame can cover it. */
  #longest = 0;
  /** Per 2 MiB block below `#laneFrames`: the tag + 1 of the aligned 2 MiB run recorded there, or 0. */
  readonly #lane: Uint16Array = new Uint16Array(0);
  readonly #laneFrames: number = 0;
  #laneRuns = 0;

  /**
   * `flatFrames`: frames whose start bits may live in one flat array (see `FrameBits`), and
   * whose aligned 2 MiB runs have the lane; 0 for chunks only.
   */
  constructor(flatFrames = 0) {
    this.#starts = new FrameBits(flatFrames);
    const blocks = Math.floor(Math.min(Math.max(0, flatFrames), LANE_LIMIT) / FRAMES_PER_2MIB);
    this.#lane = new Uint16Array(blocks);
    this.#laneFrames = blocks * FRAMES_PER_2MIB;
  }

  get size(): number {
    return this.#runs.size + this.#laneRuns;
  }

  /** The lane's block of a run starting at `start`, or -1 (not an aligned integer frame below `#laneFrames`). */
  #block(start: number): number {
    return start >>> 0 === start && start < this.#laneFrames && (start & (FRAMES_PER_2MIB - 1)) === 0
      ? start >>> 9
      : -1;
  }

  /** Records `[start, start + count)` as handed out whole; `tag` is 0 … 255. */
  add(start: number, count: number, tag = 0): void {
    if (count === FRAMES_PER_2MIB) {
      const b = this.#block(start);
      if (b >= 0) {
        this.#lane[b] = tag + 1;
        this.#laneRuns++;
        return;
      }
    }
    this.#runs.set(start, count * 256 + tag);
    this.#starts.set(start);
    if (count > this.#longest) this.#longest = count;
  }

  /**
   * `add(start, 512, tag)` of an aligned 2 MiB run, written out for hot paths as `take2m` is:
   * one array write when the lane covers it, else `add`.
   */
  add2m(start: number, tag: number): void {
    if (start >>> 0 === start && start < this.#laneFrames && (start & (FRAMES_PER_2MIB - 1)) === 0) {
      this.#lane[start >>> 9] = tag + 1;
      this.#laneRuns++;
    } else this.add(start, FRAMES_PER_2MIB, tag);
  }

  /** Forgets the run starting at `start` (nothing when there is none). */
  remove(start: number): void {
    if (this.take2m(start) >= 0) return;
    if (this.#runs.take(start) !== 0) this.#starts.clear(start);
  }

  /**
   * Forgets the run starting at `start` when it is exactly `count` frames long and returns its
   * tag; otherwise -1 and nothing changes (one lookup for check, tag and removal).
   */
  take(start: number, count: number): number {
    // An aligned 2 MiB run below the lane's end is in the lane, never in the map.
    if (count === FRAMES_PER_2MIB) {
      const b = this.#block(start);
      if (b >= 0) return this.#takeLane(b);
    }
    // Values are `count * 256 + tag`: the run's value lies in [count * 256, count * 256 + 256).
    const base = count * 256;
    const value = this.#runs.takeIfIn(start, base, base + 256);
    if (value === 0) return -1;
    this.#starts.clear(start);
    // The tag by subtraction: `%` on a number that is not known to be a small integer is a
    // call to fmod, several times dearer than the rest of this method.
    return value - base;
  }

  /**
   * Forgets the aligned 2 MiB run starting at `start` when the lane holds it, and returns its
   * tag; otherwise -1 and nothing changes (one array access; a run in the map is not looked at).
   */
  take2m(start: number): number {
    // `#block` and `#takeLane` written out: hot paths inline this whole, and each call inlined
    // counts against their budget.
    if (start >>> 0 === start && start < this.#laneFrames && (start & (FRAMES_PER_2MIB - 1)) === 0) {
      const b = start >>> 9;
      const value = this.#lane[b];
      if (value !== 0) {
        this.#lane[b] = 0;
        this.#laneRuns--;
        return value - 1;
      }
    }
    return -1;
  }

  /** Forgets the lane's run in block `b` and returns its tag, or -1 when there is none. */
  #takeLane(b: number): number {
    const value = this.#lane[b];
    if (value === 0) return -1;
    this.#lane[b] = 0;
    this.#laneRuns--;
    return value - 1;
  }

  /** The count of the run starting at `start`, or 0. */
  countAt(start: number): number {
    const b = this.#block(start);
    if (b >= 0 && this.#lane[b] !== 0) return FRAMES_PER_2MIB;
    return Math.floor(this.#runs.get(start) / 256);
  }

  /** The tag of the run starting at `start`. */
  tagAt(start: number): number {
    const b = this.#block(start);
    if (b >= 0 && this.#lane[b] !== 0) return this.#lane[b] - 1;
    const value = this.#runs.get(start);
    return value - Math.floor(value / 256) * 256;
  }

  /** The start of the recorded run covering `pfn`, or -1 when none does. */
  startOf(pfn: number): number {
    if (pfn % 1 !== 0 || pfn < 0) return -1;
    if (this.#laneRuns > 0 && pfn < this.#laneFrames) {
      const b = Math.floor(pfn / FRAMES_PER_2MIB);
      if (this.#lane[b] !== 0) return b * FRAMES_PER_2MIB;
    }
    if (this.#runs.size === 0) return -1;
    const s = this.#starts.lastSetAtOrBelow(pfn, Math.max(0, pfn - this.#longest + 1));
    return s >= 0 && s + this.countAt(s) > pfn ? s : -1;
  }

  covers(pfn: number): boolean {
    return this.startOf(pfn) >= 0;
  }

  /** The first frame of `[start, start + count)` inside a recorded run, or -1. */
  firstIn(start: number, count: number): number {
    if (this.size === 0) return -1;
    if (this.startOf(start) >= 0) return start;
    const inMap = this.#runs.size === 0 ? -1 : this.#starts.firstSet(start, count);
    if (this.#laneRuns === 0) return inMap;
    // The first lane block that starts inside the range (one whose run holds `start` was found above).
    const last = Math.min(start + count, this.#laneFrames) - 1;
    for (let b = Math.ceil(start / FRAMES_PER_2MIB); b * FRAMES_PER_2MIB <= last; b++) {
      if (this.#lane[b] !== 0) {
        const at = b * FRAMES_PER_2MIB;
        return inMap >= 0 && inMap < at ? inMap : at;
      }
    }
    return inMap;
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
    return this.#starts.bytes() + this.#runs.bytes() + this.#lane.byteLength;
  }
}
