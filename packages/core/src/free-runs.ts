import type { FrameRange, Pfn } from './api';
import { NO_FRAME } from './api';
import { lastAtOrBelow } from './sorted';

/**
 * A sorted list of disjoint, non-touching free runs, kept in two parallel arrays. Simple and
 * exact: the baseline allocator and the metrics build on it. O(runs) per change.
 */
export class FreeRunList {
  readonly starts: number[] = [];
  readonly counts: number[] = [];
  frames = 0;

  constructor(ranges: readonly FrameRange[] = []) {
    for (const r of ranges) this.insert(r.start, r.count);
  }

  get length(): number {
    return this.starts.length;
  }

  /** Index of the last run whose start is `<= pfn`, or -1. */
  find(pfn: Pfn): number {
    return lastAtOrBelow(this.starts, pfn);
  }

  has(pfn: Pfn): boolean {
    const i = this.find(pfn);
    return i >= 0 && pfn < this.starts[i] + this.counts[i];
  }

  /** True when any frame of `[pfn, pfn + count)` is in the list. */
  overlaps(pfn: Pfn, count: number): boolean {
    const i = this.find(pfn + count - 1);
    return i >= 0 && this.starts[i] + this.counts[i] > pfn;
  }

  /** Adds `[pfn, pfn + count)`, which must not overlap the list, merging with neighbours. */
  insert(pfn: Pfn, count: number): void {
    const i = this.find(pfn);
    const joinsLeft = i >= 0 && this.starts[i] + this.counts[i] === pfn;
    const joinsRight = i + 1 < this.starts.length && this.starts[i + 1] === pfn + count;
    if (joinsLeft && joinsRight) {
      this.counts[i] += count + this.counts[i + 1];
      this.starts.splice(i + 1, 1);
      this.counts.splice(i + 1, 1);
    } else if (joinsLeft) {
      this.counts[i] += count;
    } else if (joinsRight) {
      this.starts[i + 1] = pfn;
      this.counts[i + 1] += count;
    } else {
      this.starts.splice(i + 1, 0, pfn);
      this.counts.splice(i + 1, 0, count);
    }
    this.frames += count;
  }

  /** Removes `[pfn, pfn + count)`, which must lie inside run `i`. */
  take(i: number, pfn: Pfn, count: number): void {
    const start = this.starts[i];
    const end = start + this.counts[i];
    const headCount = pfn - start;
    const tailCount = end - (pfn + count);
    if (headCount === 0 && tailCount === 0) {
      this.starts.splice(i, 1);
      this.counts.splice(i, 1);
    } else if (headCount === 0) {
      this.starts[i] = pfn + count;
      this.counts[i] = tailCount;
    } else if (tailCount === 0) {
      this.counts[i] = headCount;
    } else {
      this.counts[i] = headCount;
      this.starts.splice(i + 1, 0, pfn + count);
      this.counts.splice(i + 1, 0, tailCount);
    }
    this.frames -= count;
  }

  /** The lowest run of `count` frames starting at a multiple of `align` and ending at or below `below`. */
  firstFit(count: number, align: number, below: number): Pfn {
    for (let i = 0; i < this.starts.length; i++) {
      const start = Math.ceil(this.starts[i] / align) * align;
      if (start + count > below) return NO_FRAME;
      if (start + count <= this.starts[i] + this.counts[i]) return start;
    }
    return NO_FRAME;
  }

  /** The longest run, in frames. */
  largest(): number {
    let best = 0;
    for (const c of this.counts) if (c > best) best = c;
    return best;
  }
}
