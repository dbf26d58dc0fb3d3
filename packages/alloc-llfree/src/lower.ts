import {
  clearGroup,
  clearOne,
  countClear,
  FRAMES_PER_CHILD,
  FRAMES_PER_WORD,
  firstClearIn,
  groupMask,
  type RetryCounter,
  setGroup,
  setOne,
  WORDS_PER_CHILD,
} from './bitfield';
import { CHILD_COUNT, CHILD_HUGE, type Layout } from './layout';

/*
 * The middle layer: one Int32 entry per 2 MiB child, `free count | huge flag`, over its
 * bitfield. Allocation takes from the count first (a compare-exchange that never lets it go
 * below zero) and only then sets bits, so a child's count never exceeds its clear bits: a
 * thread that got a count is sure to find a bit. A free clears the bit first and then adds
 * to the count. A 2 MiB page is the whole child: its entry goes from exactly 512 free to the
 * huge flag in one compare-exchange, and its bitfield stays clear.
 */
export class Lower {
  readonly layout: Layout;
  readonly state: Int32Array = new Int32Array(0);

  constructor(layout: Layout, state: Int32Array) {
    this.layout = layout;
    this.state = state;
  }

  /** Takes `n` from child `c`'s count unless it is a 2 MiB page or has fewer. */
  takeCount(c: number, n: number, counter: RetryCounter): boolean {
    const at = this.layout.children + c;
    let entry = this.state[at]; // a guess; the compare-exchange checks it
    for (;;) {
      if ((entry & CHILD_HUGE) !== 0 || (entry & CHILD_COUNT) < n) return false;
      const seen = Atomics.compareExchange(this.state, at, entry, entry - n);
      if (seen === entry) return true;
      counter.retries++;
      entry = seen;
    }
  }

  putCount(c: number, n: number): void {
    Atomics.add(this.state, this.layout.children + c, n);
  }

  /**
   * `n` frames (1, 2, 4, … 32, naturally aligned) from child `c`: the first frame, or -1 when
   * the count or an aligned group is not there (then nothing changed).
   */
  alloc(c: number, n: number, fromWord: number, counter: RetryCounter): number {
    if (!this.takeCount(c, n, counter)) return -1;
    const base = this.layout.bits + c * WORDS_PER_CHILD;
    const offset =
      n === 1 ? setOne(this.state, base, fromWord, counter) : setGroup(this.state, base, n, counter);
    if (offset < 0) {
      this.putCount(c, n);
      return -1;
    }
    if (n > 1) {
      // Mark the frames after the first as the run's: a lone free of one of them, or of the
      // first, is then refused.
      const bit = offset % FRAMES_PER_WORD;
      const mask = (groupMask(n) << bit) & ~(1 << bit);
      Atomics.or(
        this.state,
        this.layout.runs + c * WORDS_PER_CHILD + Math.floor(offset / FRAMES_PER_WORD),
        mask,
      );
    }
    return this.layout.childBase[c] + offset;
  }

  /** Child `c` as one 2 MiB page, if it is wholly free. */
  allocHuge(c: number): boolean {
    const at = this.layout.children + c;
    return Atomics.compareExchange(this.state, at, FRAMES_PER_CHILD, CHILD_HUGE) === FRAMES_PER_CHILD;
  }

  /** Returns the 2 MiB page of child `c`; false (nothing changed) unless it is one. */
  freeHuge(c: number): boolean {
    const at = this.layout.children + c;
    return Atomics.compareExchange(this.state, at, CHILD_HUGE, FRAMES_PER_CHILD) === CHILD_HUGE;
  }

  isHuge(c: number): boolean {
    return (Atomics.load(this.state, this.layout.children + c) & CHILD_HUGE) !== 0;
  }

  /** The word index of `offset`'s bit in the bitfield (add `runs - bits` for the run marks). */
  wordOf(c: number, offset: number): number {
    return this.layout.bits + c * WORDS_PER_CHILD + Math.floor(offset / FRAMES_PER_WORD);
  }

  /** True when the frame at `offset` starts or continues a run of more than one frame. */
  inRun(c: number, offset: number): boolean {
    const bit = offset % FRAMES_PER_WORD;
    // A plain read: the marks of a frame the caller holds were written before it got the frame.
    const marks = this.state[this.layout.runs + c * WORDS_PER_CHILD + Math.floor(offset / FRAMES_PER_WORD)];
    return ((marks >>> bit) & (bit === 31 ? 1 : 3)) !== 0;
  }

  /** True when the frame at `offset` is allocated (its bit is set and the child is not a page). */
  isSet(c: number, offset: number): boolean {
    const word = Atomics.load(this.state, this.wordOf(c, offset));
    return ((word >>> (offset % FRAMES_PER_WORD)) & 1) !== 0;
  }

  /**
   * The lowest in-child offset in `[fromFrame, toFrame)` of a frame of child `c` that is not
   * handed out, or -1: a 2 MiB page is wholly handed out (its bits stay clear, so its entry
   * decides, in one load); else the first clear bit, a word at a time. Frames that are not the
   * allocator's have their bits set, so the caller keeps them out of the span. Read-only.
   */
  firstClear(c: number, fromFrame: number, toFrame: number): number {
    if (this.isHuge(c)) return -1;
    return firstClearIn(this.state, this.layout.bits + c * WORDS_PER_CHILD, fromFrame, toFrame);
  }

  /** Clears one frame's bit (the caller counts it): false (nothing changed) when it was already clear. */
  clearFrame(c: number, offset: number): boolean {
    return clearOne(this.state, this.wordOf(c, offset), 1 << (offset % FRAMES_PER_WORD));
  }

  /** Takes up to `max` (at least 1) from child `c`'s count unless it is a 2 MiB page: how many, or 0. */
  takeCountUpTo(c: number, max: number, counter: RetryCounter): number {
    const at = this.layout.children + c;
    let entry = this.state[at]; // a guess; the compare-exchange checks it
    for (;;) {
      const count = entry & CHILD_COUNT;
      if ((entry & CHILD_HUGE) !== 0 || count === 0) return 0;
      const n = Math.min(count, max);
      const seen = Atomics.compareExchange(this.state, at, entry, entry - n);
      if (seen === entry) return n;
      counter.retries++;
      entry = seen;
    }
  }

  /**
   * True when `[offset, offset + n)` is exactly a small run handed out whole: every bit set,
   * the frames after the first marked, the first and the one after the run not.
   */
  isRun(c: number, offset: number, n: number): boolean {
    const bit = offset % FRAMES_PER_WORD;
    const at = this.wordOf(c, offset);
    const mask = groupMask(n) << bit;
    const marks = Atomics.load(this.state, at + this.layout.runs - this.layout.bits);
    const tail = mask & ~(1 << bit);
    const after = bit + n < 32 ? 1 << (bit + n) : 0;
    return (Atomics.load(this.state, at) & mask) === mask && (marks & (tail | (1 << bit) | after)) === tail;
  }

  /** Frees a small run checked by `isRun`: false (nothing changed) if a racer got there first. */
  freeRun(c: number, offset: number, n: number, counter: RetryCounter): boolean {
    const bit = offset % FRAMES_PER_WORD;
    const at = this.wordOf(c, offset);
    const mask = groupMask(n) << bit;
    const runAt = at + this.layout.runs - this.layout.bits;
    const tail = mask & ~(1 << bit);
    // The marks go first, so the frames are never free with marks on them.
    const before = Atomics.and(this.state, runAt, ~tail);
    if (!clearGroup(this.state, at, mask, counter)) {
      // A racer freed the run first. Put back only the marks this call took off frames still
      // handed out: the racer may have found the marks already off (taken by this call) and
      // freed the frames, which must then stay without marks.
      const back = before & tail & Atomics.load(this.state, at);
      if (back !== 0) Atomics.or(this.state, runAt, back);
      return false;
    }
    this.putCount(c, n);
    return true;
  }

  /** Clear bits of child `c` (what its count should be, unless it is a 2 MiB page). */
  clearBits(c: number): number {
    return countClear(this.state, this.layout.bits + c * WORDS_PER_CHILD);
  }
}
