import * as bitmap from '@framekit/alloc-bitmap';
import * as hier2m from '@framekit/alloc-hier2m';
import * as stack from '@framekit/alloc-stack';
import {
  createFrameSpace,
  createRouter,
  type FrameRouter,
  GiB,
  NO_FRAME,
  PATCHWORK_BITMAP_LIMIT_PFN,
  routerPresets,
  withRefCounts,
} from '@framekit/core';
import { describe, expect, it } from 'vitest';

/*
 * PatchworkOS's physical memory manager (see the peer scenarios), in our own words, on
 * `routerPresets.patchwork` over the real plugins: frames below 64 MiB belong to a bitmap
 * that serves contiguous and address-limited requests, frames above to a free-page stack
 * that serves single pages, and a usable range that straddles 64 MiB is split between them.
 */

const LIMIT = PATCHWORK_BITMAP_LIMIT_PFN; // frame 16384: 64 MiB
const plugins = [stack.plugin, bitmap.plugin, hier2m.plugin];

/** A machine whose one usable range straddles 64 MiB: 300 frames below, 700 above. */
function straddling(backing: 'none' | 'sparse' = 'none'): FrameRouter {
  const space = createFrameSpace(
    { frames: LIMIT + 1024, ranges: [{ start: LIMIT - 300, count: 1000 }] },
    { backing },
  );
  return createRouter(space, routerPresets.patchwork, plugins);
}

function zoneFree(router: FrameRouter, zone: string): number {
  const z = router.zones.find((x) => x.name === zone)!;
  return z.strategies.reduce((n, s) => n + s.allocator.stats().freeFrames, 0);
}

describe('PatchworkOS scenarios on routerPresets.patchwork', () => {
  it('splits a free range that straddles 64 MiB at the boundary', () => {
    const router = straddling();
    expect(router.zones.map((z) => [z.name, z.ranges])).toEqual([
      ['bitmap', [{ start: LIMIT - 300, count: 300 }]],
      ['stack', [{ start: LIMIT, count: 700 }]],
    ]);
    expect(zoneFree(router, 'bitmap')).toBe(300);
    expect(zoneFree(router, 'stack')).toBe(700);
    // Everything out, then one free over the boundary: each side takes back its own part.
    const all = new Float64Array(1000);
    expect(router.allocMany(all, 1000)).toBe(true);
    router.freeRun(LIMIT - 5, 15);
    expect(zoneFree(router, 'bitmap')).toBe(5);
    expect(zoneFree(router, 'stack')).toBe(10);
    const stackCache = router.zones[1].strategies.find((s) => s.id === 'stack')!;
    expect(stackCache.cachedFrames).toBe(0); // a freed run above 64 MiB goes back to that zone's bitmap whole
    expect(router.stats().freeFrames).toBe(15);
  });

  it('serves an address-limited contiguous request from the bitmap, lowest first', () => {
    const router = straddling();
    // A kernel PML4 must sit below 4 GiB: one aligned frame, below the limit.
    const pml4 = router.allocRun(1, { below: (4 * GiB) / 4096, align: 1 });
    expect(pml4).toBe(LIMIT - 300);
    const dma = router.allocRun(16, { below: LIMIT, align: 16 });
    expect(dma % 16).toBe(0);
    expect(dma + 16).toBeLessThanOrEqual(LIMIT);
    expect(router.explain({ op: 'allocRun', count: 16, align: 16, below: LIMIT })).toMatchObject({
      zone: 'bitmap',
      strategy: 'bitmap',
    });
    // The gap between the PML4 and the aligned run holds 11 frames; after the run, 11 more fit
    // below dma + 27 but 12 do not: the limit is honoured, not stretched.
    expect(dma).toBe(LIMIT - 288);
    expect(router.allocRun(11, { below: dma })).toBe(LIMIT - 299);
    expect(router.allocRun(12, { below: dma + 27 })).toBe(NO_FRAME);
    expect(router.allocRun(11, { below: dma + 27 })).toBe(dma + 16);
  });

  it('never returns bitmap-zone pages for single pages while the stack has frames', () => {
    const router = straddling('sparse');
    const held: number[] = [];
    // Churn: take two, give one back, until the stack side is used up.
    while (zoneFree(router, 'stack') > 0) {
      const a = router.alloc();
      expect(a).toBeGreaterThanOrEqual(LIMIT);
      held.push(a);
      if (zoneFree(router, 'stack') === 0) break;
      const b = router.alloc();
      expect(b).toBeGreaterThanOrEqual(LIMIT);
      held.push(b);
      router.free(held.splice(held.length >> 1, 1)[0]);
    }
    expect(held.length).toBe(700);
    // Only now does a single page come from below 64 MiB, as PatchworkOS falls back to its bitmap.
    const low = router.alloc();
    expect(low).toBeLessThan(LIMIT);
    // A page freed above 64 MiB is the next one handed out.
    router.free(held[123]);
    expect(router.alloc()).toBe(held[123]);
    const batch = new Float64Array(10);
    router.free(held[5]);
    expect(router.allocMany(batch, 10)).toBe(true);
    expect(batch.filter((p) => p >= LIMIT)).toEqual(new Float64Array([held[5]]));
  });

  it('keeps PatchworkOS reference counts on top: a page is reclaimed when its count reaches zero', () => {
    const pmm = withRefCounts(straddling());
    const page = pmm.alloc();
    expect(page).toBeGreaterThanOrEqual(LIMIT);
    pmm.ref(page);
    pmm.free(page);
    expect(pmm.isFree(page)).toBe(false);
    pmm.free(page);
    expect(pmm.isFree(page)).toBe(true);
    const region = pmm.allocRun(8, { below: LIMIT });
    pmm.unref(region, 8);
    expect(pmm.stats().usedFrames).toBe(0);
  });

  it('finds a contiguous run above 64 MiB once nothing fits below, draining the stack into its bitmap', () => {
    const router = straddling();
    const all = new Float64Array(700);
    router.allocMany(all, 700);
    router.freeMany(all, 700);
    expect(router.allocRun(600, { align: 8 })).toBeGreaterThanOrEqual(LIMIT);
    expect(router.cachedFrames()).toBe(0);
  });
});
