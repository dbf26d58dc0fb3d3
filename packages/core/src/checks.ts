import type { FrameSpace, Pfn, PfnArray, RunOptions } from './api';
import { FrameError } from './errors';

/*
 * Argument checks shared by every allocator. They run before any state changes, so a
 * throw leaves the allocator as it was. Classifying *why* a free is wrong happens only
 * after the fast check failed, keeping the success path O(1).
 */

/** Throws unless `count` is an integer in `[min, max]`. */
export function checkCount(op: string, count: number, min = 1, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(count) || count < min || count > max) {
    throw new FrameError('INVALID_REQUEST', `${op}: count ${count} must be an integer in [${min}, ${max}]`, {
      op,
      count,
    });
  }
}

/** Throws unless `out` can hold `count` frame numbers. */
export function checkBatch(op: string, array: PfnArray, count: number): void {
  checkCount(op, count, 0, array.length);
}

/** The run's alignment (1 when absent); throws unless a power of two. */
export function readAlign(op: string, options: RunOptions | undefined): number {
  const align = options?.align;
  if (align === undefined) return 1;
  if (!Number.isSafeInteger(align) || align < 1 || !isPowerOfTwo(align)) {
    throw new FrameError('INVALID_REQUEST', `${op}: align ${align} must be a power of two (in frames)`, {
      op,
      align,
    });
  }
  return align;
}

function isPowerOfTwo(n: number): boolean {
  // `&` works on 32 bits only; above that, check by division.
  if (n <= 0x40000000) return (n & (n - 1)) === 0;
  let v = n;
  while (v > 1) {
    if (v % 2 !== 0) return false;
    v /= 2;
  }
  return true;
}

/** The exclusive frame bound of a run (`Infinity` when absent); throws unless a non-negative integer. */
export function readBelow(op: string, options: RunOptions | undefined): number {
  const below = options?.below;
  if (below === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(below) || below < 0) {
    throw new FrameError('INVALID_REQUEST', `${op}: below ${below} must be a frame number >= 0`, {
      op,
      below,
    });
  }
  return below;
}

/** Throws unless `pfn` is an integer frame number of `space`. */
export function checkFrame(op: string, space: FrameSpace, pfn: Pfn): void {
  if (!Number.isSafeInteger(pfn)) {
    throw new FrameError('INVALID_REQUEST', `${op}: ${pfn} is not a frame number`, { op, pfn });
  }
  if (pfn < 0 || pfn >= space.frameCount) {
    throw new FrameError('OUT_OF_RANGE', `${op}: frame ${pfn} is outside [0, ${space.frameCount})`, {
      op,
      pfn,
      frameCount: space.frameCount,
    });
  }
}

/**
 * The error for freeing `pfn`, which the allocator found not allocated: an invalid number,
 * a frame outside the space, a hole or reserved frame, or a frame that is already free.
 */
export function freeError(op: string, space: FrameSpace, pfn: Pfn, inRun = false): FrameError {
  checkFrame(op, space, pfn);
  if (!space.isUsable(pfn)) {
    return new FrameError('NOT_USABLE', `${op}: frame ${pfn} is not usable memory (a hole or reserved)`, {
      op,
      pfn,
    });
  }
  return inRun
    ? new FrameError('NOT_ALLOCATED', `${op}: frame ${pfn} of the run is not allocated`, { op, pfn })
    : new FrameError('DOUBLE_FREE', `${op}: frame ${pfn} is already free`, { op, pfn });
}

/** Throws unless `[pfn, pfn + count)` lies inside the space. */
export function checkRun(op: string, space: FrameSpace, pfn: Pfn, count: number): void {
  checkFrame(op, space, pfn);
  checkCount(op, count);
  if (pfn + count > space.frameCount) {
    throw new FrameError(
      'OUT_OF_RANGE',
      `${op}: run [${pfn}, ${pfn + count}) ends outside [0, ${space.frameCount})`,
      { op, pfn, count, frameCount: space.frameCount },
    );
  }
}

/** The error for an operation an allocator does not offer. */
export function unsupported(name: string, op: string, why: string): FrameError {
  return new FrameError('UNSUPPORTED', `${name}.${op}: ${why}`, { allocator: name, op });
}

/** Batches up to this long are compared pair by pair (fewer than 500 comparisons, nothing allocated). */
const PAIRWISE_COUNT = 32;
/** Longer batches are copied here and sorted in place (it grows, and stays, with the longest batch). */
let sortScratch = new Float64Array(256);

/**
 * Throws `DOUBLE_FREE` when `pfns[0 … count-1]` (frame numbers, already checked) lists a frame
 * twice, naming its second place. Allocates nothing on the way to a yes: a short batch is
 * compared pair by pair, a longer one sorted in a reused buffer (O(count log count)); only a
 * batch with a duplicate takes the Set that finds its first repeat in order.
 */
export function checkNoDuplicates(op: string, pfns: PfnArray, count: number): void {
  if (count < 2) return;
  let repeated = false;
  if (count <= PAIRWISE_COUNT) {
    for (let i = 1; i < count && !repeated; i++) {
      const pfn = pfns[i];
      for (let j = 0; j < i; j++) {
        if (pfns[j] === pfn) {
          repeated = true;
          break;
        }
      }
    }
  } else {
    if (sortScratch.length < count) sortScratch = new Float64Array(Math.max(count, sortScratch.length * 2));
    const sorted = sortScratch;
    for (let i = 0; i < count; i++) sorted[i] = pfns[i];
    // Sorted in place over its first `count` entries (a view of them: the one object made).
    sorted.subarray(0, count).sort();
    for (let i = 1; i < count; i++) {
      if (sorted[i] === sorted[i - 1]) {
        repeated = true;
        break;
      }
    }
  }
  if (!repeated) return;
  const seen = new Set<number>();
  for (let i = 0; i < count; i++) {
    const pfn = pfns[i];
    if (seen.has(pfn)) {
      throw new FrameError('DOUBLE_FREE', `${op}: frame ${pfn} is listed twice`, { op, pfn, index: i });
    }
    seen.add(pfn);
  }
}
