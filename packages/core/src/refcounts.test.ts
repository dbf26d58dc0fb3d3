import { describe, expect, it } from 'vitest';
import type { AllocatorCapabilities, FrameAllocator } from './api';
import { NO_FRAME } from './api';
import { createFrameSpace } from './frame-space';
import { MAX_REFCOUNT, withRefCounts } from './refcounts';
import { createBaselineAllocator } from './testing/baseline';
import { describeAllocatorConformance } from './testing/describe';
import { frameErrorCode } from './testing/error-code';

describeAllocatorConformance('withRefCounts(baseline)', (space) =>
  withRefCounts(createBaselineAllocator(space)),
);

describe('withRefCounts', () => {
  const setup = () => {
    const space = createFrameSpace({
      frames: 64,
      ranges: [
        { start: 0, count: 32 },
        { start: 40, count: 24 },
      ],
    });
    return withRefCounts(createBaselineAllocator(space));
  };

  it('sets a count of 1 on allocation and frees at zero', () => {
    const pmm = setup();
    const pfn = pmm.alloc();
    expect(pmm.refCount(pfn)).toBe(1);
    expect(pmm.ref(pfn)).toBe(2);
    expect(pmm.unref(pfn)).toBe(1);
    expect(pmm.isFree(pfn)).toBe(false);
    pmm.free(pfn);
    expect(pmm.refCount(pfn)).toBe(0);
    expect(pmm.isFree(pfn)).toBe(true);
  });

  it('refuses to ref a free frame and leaves counts alone', () => {
    const pmm = setup();
    const pfn = pmm.allocRun(4);
    pmm.free(pfn + 3);
    expect(frameErrorCode(() => pmm.ref(pfn, 4))).toBe('NOT_ALLOCATED');
    expect([0, 1, 2, 3].map((i) => pmm.refCount(pfn + i))).toEqual([1, 1, 1, 0]);
    expect(frameErrorCode(() => pmm.ref(35))).toBe('NOT_USABLE');
    expect(frameErrorCode(() => pmm.ref(64))).toBe('OUT_OF_RANGE');
  });

  it('overflows 16-bit counts with an error that changes nothing', () => {
    const pmm = setup();
    const pfn = pmm.allocRun(2);
    for (let i = 1; i < MAX_REFCOUNT; i++) pmm.ref(pfn + 1);
    expect(pmm.refCount(pfn + 1)).toBe(MAX_REFCOUNT);
    expect(frameErrorCode(() => pmm.ref(pfn, 2))).toBe('REFCOUNT_OVERFLOW');
    expect(pmm.refCount(pfn)).toBe(1);
    expect(pmm.refCount(pfn + 1)).toBe(MAX_REFCOUNT);
  });

  it('releases a run page by page', () => {
    const pmm = setup();
    const pfn = pmm.allocRun(8, { align: 8 });
    pmm.ref(pfn + 2, 3);
    pmm.unref(pfn, 8);
    expect([...Array(8)].map((_, i) => pmm.isFree(pfn + i))).toEqual([
      true,
      true,
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
    pmm.unref(pfn + 2, 3);
    expect(pmm.stats().usedFrames).toBe(0);
  });

  it('holds an extra reference across free (Linux test_free_pages)', () => {
    const pmm = setup();
    for (let i = 0; i < 1000; i++) {
      const pfn = pmm.allocRun(8, { align: 8 });
      pmm.ref(pfn, 8);
      pmm.freeRun(pfn, 8);
      expect(pmm.isFree(pfn)).toBe(false);
      pmm.unref(pfn, 8);
    }
    expect(pmm.stats().usedFrames).toBe(0);
  });

  it('frees batches all or nothing', () => {
    const pmm = setup();
    const a = pmm.alloc();
    const b = pmm.alloc();
    expect(frameErrorCode(() => pmm.freeMany([a, b, 50], 3))).toBe('DOUBLE_FREE');
    expect(pmm.refCount(a)).toBe(1);
    expect(pmm.refCount(b)).toBe(1);
    pmm.ref(a);
    pmm.freeMany([a, a, b], 3);
    expect(pmm.stats().usedFrames).toBe(0);
  });

  it('returns runs of a whole-run allocator only whole', () => {
    const space = createFrameSpace({ frames: 64 });
    const inner = createBaselineAllocator(space);
    const caps: AllocatorCapabilities = { ...inner.capabilities, freeRunPiecewise: false };
    const wholeOnly: FrameAllocator = {
      name: 'whole-runs',
      capabilities: caps,
      space,
      ranges: inner.ranges,
      alloc: () => inner.alloc(),
      allocMany: (out, n) => inner.allocMany(out, n),
      allocRun: (n, o) => inner.allocRun(n, o),
      free: (p) => inner.free(p),
      freeMany: (p, n) => inner.freeMany(p, n),
      freeRun: (p, n) => inner.freeRun(p, n),
      isFree: (p) => inner.isFree(p),
      stats: () => inner.stats(),
    };
    const pmm = withRefCounts(wholeOnly);
    const pfn = pmm.allocRun(4);
    expect(pfn).not.toBe(NO_FRAME);
    expect(frameErrorCode(() => pmm.unref(pfn + 1))).toBe('NOT_ALLOCATED');
    pmm.ref(pfn, 4);
    pmm.unref(pfn + 1);
    // [2,1,2,2]: frame 1 would reach zero alone.
    expect(frameErrorCode(() => pmm.unref(pfn + 1))).toBe('NOT_ALLOCATED');
    expect(frameErrorCode(() => pmm.unref(pfn, 4))).toBe('NOT_ALLOCATED');
    pmm.ref(pfn + 1);
    pmm.unref(pfn, 4);
    expect(pmm.isFree(pfn + 1)).toBe(false);
    expect(frameErrorCode(() => pmm.unref(pfn, 2))).toBe('NOT_ALLOCATED');
    expect([0, 1, 2, 3].map((i) => pmm.refCount(pfn + i))).toEqual([1, 1, 1, 1]);
    pmm.unref(pfn, 4);
    expect(pmm.stats().usedFrames).toBe(0);
  });

  it('refuses to take separately handed-out frames back as one run from a whole-run allocator, changing nothing', () => {
    const space = createFrameSpace({ frames: 64 });
    const inner = createBaselineAllocator(space);
    const wholeOnly: FrameAllocator = {
      ...inner,
      name: 'whole-runs',
      capabilities: { ...inner.capabilities, freeRunPiecewise: false },
      space,
      ranges: inner.ranges,
      alloc: () => inner.alloc(),
      allocMany: (out, n) => inner.allocMany(out, n),
      allocRun: (n, o) => inner.allocRun(n, o),
      free: (p) => inner.free(p),
      freeMany: (p, n) => inner.freeMany(p, n),
      freeRun: (p, n) => inner.freeRun(p, n),
      isFree: (p) => inner.isFree(p),
      stats: () => inner.stats(),
    };
    const pmm = withRefCounts(wholeOnly);
    const a = pmm.alloc();
    const b = pmm.alloc();
    expect(b).toBe(a + 1);
    expect(frameErrorCode(() => pmm.freeRun(a, 2))).toBe('NOT_ALLOCATED');
    expect(frameErrorCode(() => pmm.unref(a, 2))).toBe('NOT_ALLOCATED');
    expect([pmm.refCount(a), pmm.refCount(b)]).toEqual([1, 1]);
    expect(pmm.stats().usedFrames).toBe(2);
    pmm.free(a);
    pmm.free(b);
    expect(pmm.stats().usedFrames).toBe(0);
  });

  it('changes no count when the inner allocator refuses a free', () => {
    const space = createFrameSpace({ frames: 64 });
    const inner = createBaselineAllocator(space);
    let refuse = false;
    const flaky: FrameAllocator = {
      name: 'flaky',
      capabilities: inner.capabilities,
      space,
      ranges: inner.ranges,
      alloc: () => inner.alloc(),
      allocMany: (out, n) => inner.allocMany(out, n),
      allocRun: (n, o) => inner.allocRun(n, o),
      free: (p) => (refuse ? inner.freeRun(p, 0) : inner.free(p)),
      freeMany: (p, n) => (refuse ? inner.freeRun(p[0], 0) : inner.freeMany(p, n)),
      freeRun: (p, n) => inner.freeRun(p, refuse ? 0 : n),
      isFree: (p) => inner.isFree(p),
      stats: () => inner.stats(),
    };
    const pmm = withRefCounts(flaky);
    const run = pmm.allocRun(4);
    const x = pmm.alloc();
    const y = pmm.alloc();
    refuse = true;
    expect(frameErrorCode(() => pmm.freeRun(run, 4))).toBe('INVALID_REQUEST');
    expect(frameErrorCode(() => pmm.free(x))).toBe('INVALID_REQUEST');
    expect(frameErrorCode(() => pmm.freeMany([x, y], 2))).toBe('INVALID_REQUEST');
    expect([run, run + 1, run + 2, run + 3, x, y].map((p) => pmm.refCount(p))).toEqual([1, 1, 1, 1, 1, 1]);
    refuse = false;
    pmm.freeRun(run, 4);
    pmm.freeMany([x, y], 2);
    expect(pmm.stats().usedFrames).toBe(0);
  });
});
