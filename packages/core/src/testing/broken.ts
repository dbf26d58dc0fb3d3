import type { FrameAllocator, FrameSpace, Pfn, PfnArray, RunOptions } from '../api';
import { NO_FRAME } from '../api';
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
};

function override(inner: FrameAllocator, methods: Partial<FrameAllocator>): FrameAllocator {
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
