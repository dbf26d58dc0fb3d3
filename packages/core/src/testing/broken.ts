import type { FrameAllocator, FrameSpace, Pfn, PfnArray, RunOptions } from '../api';
import { NO_FRAME } from '../api';
import { FrameError } from '../errors';
import { createBaselineAllocator } from './baseline';

/**
 * Deliberately broken allocators: the conformance kit must catch each one. Each wraps the
 * baseline and breaks exactly one promise.
 */
export const BROKEN_ALLOCATORS: Record<string, (space: FrameSpace) => FrameAllocator> = {
  'hands out a frame twice': (space) => {
    const inner = createBaselineAllocator(space);
    let calls = 0;
    let last = NO_FRAME;
    return override(inner, {
      alloc() {
        calls++;
        if (calls % 5 === 0 && last !== NO_FRAME && !inner.isFree(last)) return last;
        last = inner.alloc();
        return last;
      },
    });
  },
  'ignores align': (space) => {
    const inner = createBaselineAllocator(space);
    return override(inner, {
      allocRun(count: number, options?: RunOptions) {
        return inner.allocRun(count, options?.below === undefined ? {} : { below: options.below });
      },
    });
  },
  'ignores below': (space) => {
    const inner = createBaselineAllocator(space);
    return override(inner, {
      allocRun(count: number, options?: RunOptions) {
        return inner.allocRun(count, options?.align === undefined ? {} : { align: options.align });
      },
    });
  },
  'leaks on freeRun': (space) => {
    const inner = createBaselineAllocator(space);
    return override(inner, {
      freeRun(pfn: Pfn, count: number) {
        if (count > 1) inner.freeRun(pfn, count - 1);
        else inner.freeRun(pfn, count);
      },
    });
  },
  'accepts a double free silently': (space) => {
    const inner = createBaselineAllocator(space);
    return override(inner, {
      free(pfn: Pfn) {
        if (inner.isFree(pfn)) return;
        inner.free(pfn);
      },
    });
  },
  'hands out a reserved frame': (space) => {
    const inner = createBaselineAllocator(space);
    let hole = NO_FRAME;
    let previousEnd = 0;
    for (const r of space.ranges) {
      if (r.start > previousEnd) {
        hole = previousEnd;
        break;
      }
      previousEnd = r.start + r.count;
    }
    if (hole === NO_FRAME && previousEnd < space.frameCount) hole = previousEnd;
    let given = false;
    return override(inner, {
      alloc() {
        if (!given && hole !== NO_FRAME) {
          given = true;
          return hole;
        }
        return inner.alloc();
      },
    });
  },
  'loses frames in a failed batch': (space) => {
    const inner = createBaselineAllocator(space);
    return override(inner, {
      allocMany(out: PfnArray, count: number) {
        if (inner.stats().freeFrames < count) {
          // Hands out what it can and then reports failure: not all-or-nothing.
          for (let i = 0; i < count; i++) if (inner.alloc() === NO_FRAME) break;
          return false;
        }
        return inner.allocMany(out, count);
      },
    });
  },
  'gives the wrong code for one misuse': (space) => {
    // Right behaviour (throws, changes nothing), wrong code: free(-1) is OUT_OF_RANGE by the
    // contract, not INVALID_REQUEST (issue 16: the same misuse got different codes).
    const inner = createBaselineAllocator(space);
    return override(inner, {
      free(pfn: Pfn) {
        if (Number.isSafeInteger(pfn) && pfn < 0) {
          throw new FrameError('INVALID_REQUEST', `free: ${pfn} is negative`, { op: 'free', pfn });
        }
        inner.free(pfn);
      },
    });
  },
  'frees part of a batch before throwing': (space) => {
    // Not all-or-nothing: entries before the bad one are freed, then the error comes.
    const inner = createBaselineAllocator(space);
    return override(inner, {
      freeMany(pfns: PfnArray, count: number) {
        if (!Number.isSafeInteger(count) || count < 0 || count > pfns.length) {
          inner.freeMany(pfns, count);
          return;
        }
        for (let i = 0; i < count; i++) inner.free(pfns[i]);
      },
    });
  },
  'lowers refcounts before the inner allocator refuses': (space) => {
    // A refcounting wrapper with issue 21's first bug: counts are dropped before the inner
    // allocator accepts the run, so a refused freeRun leaves stats and bits as they were but
    // the counts at zero. Only the kit's refCount snapshot can see it.
    const inner = createBaselineAllocator(space);
    const counts = new Map<number, number>();
    const take = (pfn: Pfn, count: number) => {
      for (let i = 0; i < count; i++) counts.set(pfn + i, 1);
    };
    const drop = (pfn: Pfn, count: number) => {
      for (let i = 0; i < count; i++) counts.delete(pfn + i);
    };
    return override(inner, {
      alloc() {
        const pfn = inner.alloc();
        if (pfn !== NO_FRAME) take(pfn, 1);
        return pfn;
      },
      allocMany(out: PfnArray, count: number) {
        const ok = inner.allocMany(out, count);
        if (ok) for (let i = 0; i < count; i++) take(out[i], 1);
        return ok;
      },
      allocRun(count: number, options?: RunOptions) {
        const pfn = inner.allocRun(count, options);
        if (pfn !== NO_FRAME) take(pfn, count);
        return pfn;
      },
      free(pfn: Pfn) {
        inner.free(pfn);
        drop(pfn, 1);
      },
      freeMany(pfns: PfnArray, count: number) {
        inner.freeMany(pfns, count);
        for (let i = 0; i < count; i++) drop(pfns[i], 1);
      },
      freeRun(pfn: Pfn, count: number) {
        drop(pfn, count);
        inner.freeRun(pfn, count);
      },
      refCount: (pfn: Pfn) => counts.get(pfn) ?? 0,
    });
  },
};

/** The baseline's methods, with `methods` (and any extra wrapper methods such as `refCount`) in their place. */
export function override(
  inner: FrameAllocator,
  methods: Partial<FrameAllocator> & { refCount?(pfn: Pfn): number },
): FrameAllocator {
  return {
    name: inner.name,
    capabilities: inner.capabilities,
    space: inner.space,
    ranges: inner.ranges,
    alloc: () => inner.alloc(),
    allocMany: (out, count) => inner.allocMany(out, count),
    allocRun: (count, options) => inner.allocRun(count, options),
    free: (pfn) => inner.free(pfn),
    freeMany: (pfns, count) => inner.freeMany(pfns, count),
    freeRun: (pfn, count) => inner.freeRun(pfn, count),
    isFree: (pfn) => inner.isFree(pfn),
    stats: () => inner.stats(),
    ...methods,
  };
}
