import * as buddy from '@framekit/alloc-buddy';
import * as stack from '@framekit/alloc-stack';
import {
  createFrameSpace,
  createRouter,
  DMA_LIMIT_PFN,
  DMA32_LIMIT_PFN,
  LINUX_PCP_BATCH,
  LINUX_PCP_HIGH,
  NO_FRAME,
  routerPresets,
} from '@framekit/core';
import { describeAllocatorConformance } from '@framekit/core/testing/vitest';
import { describe, expect, it } from 'vitest';

/*
 * routerPresets.linux over the real stack and buddy plugins. The buddy serves a run from one
 * power-of-two block, so the kit's "finds a run whenever one fits" check is off (see
 * packages/alloc-buddy/src/conformance.test.ts); every other invariant, allocAt included, holds.
 */
const plugins = [stack.plugin, buddy.plugin];

describeAllocatorConformance(
  'createRouter(space, routerPresets.linux, [stack, buddy])',
  (space) => createRouter(space, routerPresets.linux, plugins),
  { backings: ['none', 'sparse'], complete: false },
);

/** 8 GiB from frame 1: every zone has frames. */
function machine() {
  const frames = 2 * DMA32_LIMIT_PFN;
  return createRouter(
    createFrameSpace({ frames, ranges: [{ start: 1, count: frames - 1 }] }),
    routerPresets.linux,
    plugins,
  );
}

describe('routerPresets.linux', () => {
  it('has DMA, DMA32 and Normal, each a buddy with a per-CPU-list stack (batch 63, high 378) in front', () => {
    const router = machine();
    expect(router.zones.map((z) => [z.name, z.end])).toEqual([
      ['DMA', DMA_LIMIT_PFN],
      ['DMA32', DMA32_LIMIT_PFN],
      ['Normal', Number.POSITIVE_INFINITY],
    ]);
    for (const zone of router.zones) {
      expect(zone.strategies.map((s) => [s.plugin, s.over])).toEqual([
        ['buddy', null],
        ['stack', 'buddy'],
      ]);
    }
    expect([LINUX_PCP_BATCH, LINUX_PCP_HIGH]).toEqual([63, 378]);
  });

  it('makes each buddy trusted (the router checks every free), and a bad run free is still refused, changing nothing', () => {
    const router = machine();
    for (const zone of router.zones) {
      for (const s of zone.strategies) expect((s.allocator as { trusted?: boolean }).trusted).toBe(true);
    }
    const run = router.allocRun(512, { align: 512 });
    const pfn = router.alloc();
    router.freeRun(run, 512);
    const owners = () =>
      router.zones.map((z) => (z.strategies[0].allocator as buddy.BuddyAllocator).freeBlocksPerOrder());
    const before = [router.stats().freeFrames, router.cachedFrames(), owners()];
    // Freed twice, and a run with frames both handed out and free.
    expect(() => router.freeRun(run, 512)).toThrow(/NOT_ALLOCATED/);
    expect(() => router.freeRun(pfn, 2)).toThrow(/NOT_ALLOCATED/);
    expect([router.stats().freeFrames, router.cachedFrames(), owners()]).toEqual(before);
    router.free(pfn);
  });

  it('serves single frames from the highest zone, refilling the per-CPU list a batch at a time', () => {
    const router = machine();
    const pfn = router.alloc();
    expect(pfn).toBeGreaterThanOrEqual(DMA32_LIMIT_PFN);
    expect(router.cachedFrames()).toBe(LINUX_PCP_BATCH - 1);
  });

  it('takes a 2 MiB page from the order-9 list, and explain says so', () => {
    const router = machine();
    router.alloc(); // splits a Normal top block: an order-9 half is now on the list
    const explained = router.explain({ op: 'allocRun', count: 512, align: 512 });
    expect(explained.zone).toBe('Normal');
    expect(explained.reason).toMatch(/order-9 free list/);
    const pfn = router.allocRun(512, { align: 512 });
    expect(pfn).toBe(DMA32_LIMIT_PFN + 512);
    const first = router.explain({ op: 'allocRun', count: 512, align: 512 });
    expect(first.reason).toMatch(/order-10 free list .* split down to order 9/);
  });

  it('takes 2 MiB pages from the first zone that has one, gives each back to its buddy, and refuses a second free', () => {
    const router = machine();
    const buddies = router.zones.map((z) => z.strategies[0].allocator as buddy.BuddyAllocator);
    const normalBlocks = buddies[2].freeBlocksPerOrder()[10] * 2;
    const normal = Array.from({ length: normalBlocks }, () => router.allocRun(512, { align: 512 }));
    expect(normal.every((pfn) => pfn >= DMA32_LIMIT_PFN && pfn % 512 === 0)).toBe(true);
    expect(new Set(normal).size).toBe(normalBlocks);
    // Normal has no 2 MiB block left: the route goes on to DMA32.
    const dma32 = router.allocRun(512, { align: 512 });
    expect(dma32).toBeGreaterThanOrEqual(DMA_LIMIT_PFN);
    expect(dma32).toBeLessThan(DMA32_LIMIT_PFN);
    const before = [router.stats().freeFrames, buddies.map((b) => b.freeBlocksPerOrder())];
    for (const pfn of [normal[0], dma32]) {
      router.freeRun(pfn, 512);
      expect(router.isFree(pfn + 511)).toBe(true);
      expect(() => router.freeRun(pfn, 512)).toThrow(/NOT_ALLOCATED/);
      expect(router.allocRun(512, { align: 512 })).toBe(pfn);
    }
    expect([router.stats().freeFrames, buddies.map((b) => b.freeBlocksPerOrder())]).toEqual(before);
    // Part of a page back (its single frame to the per-CPU list), then the rest: once the list
    // is drained, the buddy holds the page whole again.
    router.free(normal[1] + 7);
    router.freeRun(normal[1], 7);
    router.freeRun(normal[1] + 8, 504);
    expect(() => router.freeRun(normal[1], 512)).toThrow(/NOT_ALLOCATED/);
    router.drainCaches();
    expect(router.allocRun(512, { align: 512 })).toBe(normal[1]);
  });

  it('falls back from Normal to DMA32 to DMA, and honours below in the buddy', () => {
    const router = machine();
    const dma = router.allocRun(16, { below: DMA_LIMIT_PFN });
    expect(dma).toBeGreaterThanOrEqual(1);
    expect(dma + 16).toBeLessThanOrEqual(DMA_LIMIT_PFN);
    const normal = router.zones[2].frames;
    expect(router.allocRun(normal - 512)).toBeGreaterThanOrEqual(DMA32_LIMIT_PFN);
    // Normal can no longer hold a 4 MiB block: the request falls back to DMA32.
    const next = router.allocRun(1024);
    expect(next).toBeGreaterThanOrEqual(DMA_LIMIT_PFN);
    expect(next).toBeLessThan(DMA32_LIMIT_PFN);
    expect(router.explain({ op: 'alloc' }).reason).toMatch(/order/);
  });

  it('allocAt claims a run across zones, or nothing', () => {
    const router = machine();
    expect(router.capabilities.allocAt).toBe(true);
    const start = DMA_LIMIT_PFN - 8;
    expect(router.allocAt?.(start, 16)).toBe(start);
    expect(router.allocAt?.(start + 15, 2)).toBe(NO_FRAME);
    expect(router.stats().usedFrames).toBe(16);
    router.freeRun(start, 16);
    expect(router.stats().usedFrames).toBe(0);
  });
});
