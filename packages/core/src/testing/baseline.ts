import type {
  AllocatorStats,
  FrameAllocator,
  FrameRange,
  FrameSpace,
  Pfn,
  PfnArray,
  RunOptions,
} from '../api';
import { NO_FRAME } from '../api';
import {
  checkBatch,
  checkCount,
  checkFrame,
  checkNoDuplicates,
  checkRun,
  freeError,
  readAlign,
  readBelow,
} from '../checks';
import { FrameError } from '../errors';
import { FreeRunList } from '../free-runs';
import { checkRangesInSpace } from '../plugin';

/**
 * A simple, obviously correct allocator: a sorted list of free runs, first fit for
 * everything, and `allocAt` (claim an exact run). The conformance kit's reference and the
 * examples' allocator; not fast.
 */
export function createBaselineAllocator(
  space: FrameSpace,
  ranges: readonly FrameRange[] = space.ranges,
): FrameAllocator {
  checkRangesInSpace('baseline', space, ranges);
  return new BaselineAllocator(space, ranges);
}

class BaselineAllocator implements FrameAllocator {
  readonly name = 'baseline';
  readonly capabilities = { runs: 'any', below: true, freeRunPiecewise: true, allocAt: true } as const;
  readonly space: FrameSpace;
  readonly ranges: readonly FrameRange[];
  readonly #free: FreeRunList;
  readonly #managed: FreeRunList;

  constructor(space: FrameSpace, ranges: readonly FrameRange[]) {
    this.space = space;
    this.ranges = ranges;
    this.#free = new FreeRunList(ranges);
    this.#managed = new FreeRunList(ranges);
  }

  alloc(): Pfn {
    if (this.#free.length === 0) return NO_FRAME;
    const pfn = this.#free.starts[0];
    this.#free.take(0, pfn, 1);
    return pfn;
  }

  allocMany(out: PfnArray, count: number): boolean {
    checkBatch('allocMany', out, count);
    if (this.#free.frames < count) return false;
    for (let i = 0; i < count; i++) out[i] = this.alloc();
    return true;
  }

  allocRun(count: number, options?: RunOptions): Pfn {
    checkCount('allocRun', count);
    const align = readAlign('allocRun', options);
    const below = readBelow('allocRun', options);
    const pfn = this.#free.firstFit(count, align, below);
    if (pfn !== NO_FRAME) this.#free.take(this.#free.find(pfn), pfn, count);
    return pfn;
  }

  allocAt(pfn: Pfn, count: number): Pfn {
    checkRun('allocAt', this.space, pfn, count);
    // Every frame of the run must be ours: the first that is not (a hole, another's) is misuse.
    const m = this.#managed.find(pfn);
    const ours = m < 0 ? pfn : Math.max(pfn, this.#managed.starts[m] + this.#managed.counts[m]);
    if (ours < pfn + count) this.#checkManaged('allocAt', ours);
    // Free runs are maximal, so the run is all free exactly when one free run holds it.
    const i = this.#free.find(pfn);
    if (i < 0 || this.#free.starts[i] + this.#free.counts[i] < pfn + count) return NO_FRAME;
    this.#free.take(i, pfn, count);
    return pfn;
  }

  free(pfn: Pfn): void {
    this.#checkAllocated('free', pfn, false);
    this.#free.insert(pfn, 1);
  }

  freeMany(pfns: PfnArray, count: number): void {
    checkBatch('freeMany', pfns, count);
    for (let i = 0; i < count; i++) this.#checkAllocated('freeMany', pfns[i], false);
    checkNoDuplicates('freeMany', pfns, count);
    for (let i = 0; i < count; i++) this.#free.insert(pfns[i], 1);
  }

  freeRun(pfn: Pfn, count: number): void {
    checkRun('freeRun', this.space, pfn, count);
    const range = this.#managed.find(pfn);
    if (range < 0 || pfn + count > this.#managed.starts[range] + this.#managed.counts[range]) {
      // Name the first frame of the run that is not ours.
      for (let i = pfn; i < pfn + count; i++) this.#checkManaged('freeRun', i);
      throw new FrameError(
        'NOT_USABLE',
        `freeRun: run [${pfn}, ${pfn + count}) spans more than one usable range`,
        {
          op: 'freeRun',
          pfn,
          count,
        },
      );
    }
    if (this.#free.overlaps(pfn, count)) {
      for (let i = pfn; i < pfn + count; i++)
        if (this.#free.has(i)) throw freeError('freeRun', this.space, i, true);
    }
    this.#free.insert(pfn, count);
  }

  firstNotAllocated(pfn: Pfn, count: number): Pfn {
    checkRun('firstNotAllocated', this.space, pfn, count);
    const end = pfn + count;
    const managed = this.#managed;
    const m = managed.find(pfn);
    if (m < 0 || managed.starts[m] + managed.counts[m] <= pfn) return pfn;
    // The end of the range that holds `pfn`, or the next free run's start, whichever is first.
    let at = Math.min(end, managed.starts[m] + managed.counts[m]);
    const { starts, counts } = this.#free;
    const i = this.#free.find(pfn);
    if (i >= 0 && starts[i] + counts[i] > pfn) return pfn;
    if (i + 1 < starts.length && starts[i + 1] < at) at = starts[i + 1];
    return at < end ? at : NO_FRAME;
  }

  isFree(pfn: Pfn): boolean {
    return this.#free.has(pfn);
  }

  stats(): AllocatorStats {
    const total = this.#managed.frames;
    return {
      totalFrames: total,
      freeFrames: this.#free.frames,
      usedFrames: total - this.#free.frames,
      metadataBytes: this.#free.length * 16,
    };
  }

  forEachFreeRun(visit: (start: Pfn, count: number) => void): void {
    const { starts, counts } = this.#free;
    for (let i = 0; i < starts.length; i++) visit(starts[i], counts[i]);
  }

  #checkManaged(op: string, pfn: Pfn): void {
    checkFrame(op, this.space, pfn);
    if (!this.#managed.has(pfn)) {
      if (!this.space.isUsable(pfn)) throw freeError(op, this.space, pfn);
      throw new FrameError('NOT_USABLE', `${op}: frame ${pfn} is not managed by this allocator`, { op, pfn });
    }
  }

  #checkAllocated(op: string, pfn: Pfn, inRun: boolean): void {
    this.#checkManaged(op, pfn);
    if (this.#free.has(pfn)) throw freeError(op, this.space, pfn, inRun);
  }
}
