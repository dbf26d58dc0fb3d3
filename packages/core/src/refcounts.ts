import type { FrameAllocator, FrameRange, FrameSpace, Pfn, PfnArray, RunOptions } from './api';
import { NO_FRAME } from './api';
import { checkBatch, checkCount, checkFrame, freeError } from './checks';
import { FrameError } from './errors';
import { FrameU16 } from './per-frame/u16';
import { WholeRunTracker } from './per-frame/whole-runs';

/** The largest 16-bit count; one more reference overflows. */
export const MAX_REFCOUNT = 0xffff;

/** An allocator whose frames carry reference counts (PatchworkOS semantics). */
export interface RefCountedAllocator extends FrameAllocator {
  readonly inner: FrameAllocator;
  /** Adds `1` to each of `count` frames from `pfn`; all must be allocated. Returns `pfn`'s new count. */
  ref(pfn: Pfn, count?: number): number;
  /** Takes `1` from each of `count` frames from `pfn`; frames reaching zero are freed. Returns `pfn`'s new count. */
  unref(pfn: Pfn, count?: number): number;
  /** `pfn`'s count: 0 when free. */
  refCount(pfn: Pfn): number;
}

/**
 * Adds 16-bit reference counts to `allocator`. Allocation sets each frame's count to 1;
 * `free`/`freeRun` are `unref`; a frame goes back to `allocator` when its count reaches zero.
 * Runs are counted per frame, so a run can be released page by page (where `allocator` can
 * take runs back piecewise; otherwise the whole run must reach zero in one `unref`).
 */
export function withRefCounts(allocator: FrameAllocator): RefCountedAllocator {
  return new RefCounts(allocator);
}

class RefCounts implements RefCountedAllocator {
  readonly inner: FrameAllocator;
  readonly name: string;
  readonly capabilities: FrameAllocator['capabilities'];
  readonly #space: FrameSpace;
  /** Counts in core's lazily chunked per-frame array: a 1 TiB space costs only what it uses. */
  readonly #counts = new FrameU16();
  /** Runs of an allocator that takes runs back only whole, for the whole-run rule. */
  readonly #wholeRuns: WholeRunTracker | undefined;
  /** Frames of a `freeMany` that reach zero (reused; grows to the largest batch). */
  #zeroes = new Float64Array(64);

  readonly space: FrameSpace;
  readonly ranges: readonly FrameRange[];

  constructor(inner: FrameAllocator) {
    this.inner = inner;
    this.space = inner.space;
    this.ranges = inner.ranges;
    this.#space = inner.space;
    this.name = `refcounted(${inner.name})`;
    this.capabilities = inner.capabilities;
    this.#wholeRuns = inner.capabilities.freeRunPiecewise ? undefined : new WholeRunTracker();
  }

  refCount(pfn: Pfn): number {
    if (!Number.isSafeInteger(pfn) || pfn < 0) return 0;
    return this.#counts.get(pfn);
  }

  alloc(): Pfn {
    const pfn = this.inner.alloc();
    if (pfn !== NO_FRAME) this.#counts.set(pfn, 1);
    return pfn;
  }

  allocMany(out: PfnArray, count: number): boolean {
    if (!this.inner.allocMany(out, count)) return false;
    for (let i = 0; i < count; i++) this.#counts.set(out[i], 1);
    return true;
  }

  allocRun(count: number, options?: RunOptions): Pfn {
    const pfn = this.inner.allocRun(count, options);
    if (pfn === NO_FRAME) return pfn;
    this.#counts.fill(pfn, count, 1);
    this.#wholeRuns?.add(pfn, count);
    return pfn;
  }

  ref(pfn: Pfn, count = 1): number {
    this.#checkAllocated('ref', pfn, count);
    const counts = this.#counts;
    const full = counts.firstAtLeast(pfn, count, MAX_REFCOUNT);
    if (full >= 0) {
      throw new FrameError('REFCOUNT_OVERFLOW', `ref: frame ${full} already has ${MAX_REFCOUNT} references`, {
        op: 'ref',
        pfn: full,
      });
    }
    counts.add(pfn, count, 1);
    return counts.get(pfn);
  }

  /**
   * Checks everything first (allocated, the whole-run rule, what the inner allocator can take
   * back), then frees what reaches zero on the inner allocator, and only then lowers the
   * counts: a call that throws changes nothing. Runs are checked and counted down a chunk
   * slice at a time, never frame by frame.
   */
  unref(pfn: Pfn, count = 1): number {
    this.#checkAllocated('unref', pfn, count);
    this.#checkWholeRunRule('unref', pfn, count);
    this.#releaseZeroes(pfn, count);
    const counts = this.#counts;
    counts.add(pfn, count, -1);
    return counts.get(pfn);
  }

  free(pfn: Pfn): void {
    this.unref(pfn, 1);
  }

  freeRun(pfn: Pfn, count: number): void {
    this.unref(pfn, count);
  }

  freeMany(pfns: PfnArray, count: number): void {
    checkBatch('freeMany', pfns, count);
    const counts = this.#counts;
    // Take the references one by one (a frame listed twice takes two), undoing them all if an entry is bad.
    let i = 0;
    try {
      for (; i < count; i++) {
        const pfn = pfns[i];
        if (this.refCount(pfn) === 0) throw freeError('freeMany', this.#space, pfn);
        const runs = this.#wholeRuns;
        if (runs !== undefined && counts.get(pfn) === 1 && runs.covers(pfn)) {
          const start = runs.startOf(pfn);
          if (runs.countAt(start) !== 1) throw this.#wholeRunError('freeMany', pfn, 1, start);
        }
        counts.set(pfn, counts.get(pfn) - 1);
      }
    } catch (error) {
      for (let j = 0; j < i; j++) counts.set(pfns[j], counts.get(pfns[j]) + 1);
      throw error;
    }
    // The frames that reached zero go back in one freeMany; if the inner allocator refuses, the counts come back.
    if (this.#zeroes.length < count) this.#zeroes = new Float64Array(count);
    const zeroes = this.#zeroes;
    let n = 0;
    for (let j = 0; j < count; j++) {
      const pfn = pfns[j];
      if (counts.get(pfn) === 0) {
        counts.set(pfn, 0x10000 - 1); // a mark so that a frame listed twice is collected once
        zeroes[n++] = pfn;
      }
    }
    for (let j = 0; j < n; j++) counts.set(zeroes[j], 0);
    try {
      if (n === 1) this.inner.free(zeroes[0]);
      else if (n > 1) this.inner.freeMany(zeroes, n);
    } catch (error) {
      for (let j = 0; j < count; j++) counts.set(pfns[j], counts.get(pfns[j]) + 1);
      throw error;
    }
    for (let j = 0; j < n; j++) this.#wholeRuns?.remove(zeroes[j]);
  }

  isFree(pfn: Pfn): boolean {
    return this.inner.isFree(pfn);
  }

  stats() {
    const inner = this.inner.stats();
    const runs = this.#wholeRuns?.bytes() ?? 0;
    return { ...inner, metadataBytes: inner.metadataBytes + this.#counts.bytes() + runs };
  }

  /** Throws unless every frame of the run holds a reference. */
  #checkAllocated(op: string, pfn: Pfn, count: number): void {
    checkFrame(op, this.#space, pfn);
    checkCount(op, count, 1, this.#space.frameCount - pfn);
    const i = this.#counts.firstEqual(pfn, count, 0);
    if (i >= 0) {
      const error = freeError(op, this.#space, i, count > 1 || op === 'ref');
      throw error.code === 'DOUBLE_FREE' || error.code === 'NOT_ALLOCATED'
        ? new FrameError(error.code, `${op}: frame ${i} is not allocated`, { op, pfn: i })
        : error;
    }
  }

  /**
   * An allocator that takes runs back only whole (hier2m's 2 MiB pages) cannot get one frame
   * of a run back, nor frames handed out separately as one run: a run's frames must reach zero
   * together, in one call over exactly that run, and every other stretch reaching zero must be
   * a single frame. Otherwise `NOT_ALLOCATED` (the contract's code for partial or merged frees).
   */
  #checkWholeRunRule(op: string, pfn: Pfn, count: number): void {
    const runs = this.#wholeRuns;
    if (runs === undefined) return;
    const counts = this.#counts;
    const end = pfn + count;
    // Runs reaching into the call: the one covering `pfn` (it may start before), then each start inside.
    let at = runs.startOf(pfn) >= 0 ? runs.startOf(pfn) : runs.firstIn(pfn, count);
    while (at >= 0 && at < end) {
      const start = runs.startOf(at);
      const length = runs.countAt(start);
      // In the call a frame reaches zero from 1; outside it, only a frame already at 0 is there.
      const inFrom = Math.max(start, pfn);
      const inTo = Math.min(start + length, end);
      let reachesZero = counts.firstEqual(inFrom, inTo - inFrom, 1) >= 0;
      let allReachZero = counts.firstNotEqual(inFrom, inTo - inFrom, 1) < 0;
      // The run's frames before and after the call (either may be empty).
      const before = inFrom - start;
      const after = start + length - inTo;
      if (
        (before > 0 && counts.firstEqual(start, before, 0) >= 0) ||
        (after > 0 && counts.firstEqual(inTo, after, 0) >= 0)
      )
        reachesZero = true;
      if (
        (before > 0 && counts.firstNotEqual(start, before, 0) >= 0) ||
        (after > 0 && counts.firstNotEqual(inTo, after, 0) >= 0)
      )
        allReachZero = false;
      if (reachesZero && !(allReachZero && pfn === start && count === length)) {
        throw this.#wholeRunError(op, pfn, count, start);
      }
      const next = start + length;
      at = next < end ? runs.firstIn(next, end - next) : -1;
    }
    // Stretches of separately handed-out frames reaching zero together: the inner allocator cannot take them as one run.
    if (count > 1 && !runs.isRun(pfn, count)) {
      // Each stretch of frames at 1, taken apart at the recorded runs: two uncovered frames side by side fail.
      let i = counts.firstEqual(pfn, count, 1);
      while (i >= 0 && i < end) {
        const stop = counts.firstNotEqual(i, end - i, 1);
        const stretchEnd = stop < 0 ? end : stop;
        let at = i;
        while (at < stretchEnd) {
          const covering = runs.startOf(at);
          if (covering >= 0) {
            at = covering + runs.countAt(covering);
            continue;
          }
          const next = runs.firstIn(at, stretchEnd - at);
          const free = (next < 0 ? stretchEnd : next) - at;
          if (free > 1) {
            throw new FrameError(
              'NOT_ALLOCATED',
              `${op}: frames ${at} and ${at + 1} were handed out separately, and ${this.inner.name} cannot take them back as one run`,
              { op, pfn, count },
            );
          }
          at += free;
        }
        i = stretchEnd < end ? counts.firstEqual(stretchEnd, end - stretchEnd, 1) : -1;
      }
    }
  }

  #wholeRunError(op: string, pfn: Pfn, count: number, start: number): FrameError {
    const length = this.#wholeRuns!.countAt(start);
    return new FrameError(
      'NOT_ALLOCATED',
      `${op}: ${this.inner.name} takes the run [${start}, ${start + length}) back only whole; its frames must drop to zero together in one unref(${start}, ${length})`,
      { op, pfn, count, runStart: start, runCount: length },
    );
  }

  /**
   * Returns every maximal stretch of `[pfn, pfn + count)` whose count is 1 (about to reach
   * zero) to the inner allocator. Counts are not changed here.
   */
  #releaseZeroes(pfn: Pfn, count: number): void {
    const counts = this.#counts;
    const end = pfn + count;
    let i = counts.firstEqual(pfn, count, 1);
    while (i >= 0) {
      const stop = counts.firstNotEqual(i, end - i, 1);
      const j = stop < 0 ? end : stop;
      const runs = this.#wholeRuns;
      const wasRun = runs !== undefined && runs.countAt(i) > 0;
      if (j - i === 1 && !wasRun) this.inner.free(i);
      else this.inner.freeRun(i, j - i);
      if (wasRun) runs.remove(i);
      i = j < end ? counts.firstEqual(j, end - j, 1) : -1;
    }
  }
}
