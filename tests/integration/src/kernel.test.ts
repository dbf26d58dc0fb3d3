import * as bitmap from '@framekit/alloc-bitmap';
import * as hier2m from '@framekit/alloc-hier2m';
import * as stack from '@framekit/alloc-stack';
import {
  createFrameSpace,
  createRouter,
  DMA_LIMIT_PFN,
  DMA32_LIMIT_PFN,
  type FrameRouter,
  measureFragmentation,
  NO_FRAME,
  normalizeBootMap,
  parseBootMap,
  routerPresets,
  withOwners,
} from '@framekit/core';
import { beforeEach, describe, expect, it } from 'vitest';

/*
 * routerPresets.kernel over the real plugins on a real machine's map: a QEMU i440FX guest
 * with 5 GiB (SeaBIOS 1.16.3, as Linux printed it at boot).
 */
const QEMU_I440FX_5G = `
[    0.000000] BIOS-provided physical RAM map:
[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
[    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved
[    0.000000] BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved
[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable
[    0.000000] BIOS-e820: [mem 0x00000000bffe0000-0x00000000bfffffff] reserved
[    0.000000] BIOS-e820: [mem 0x00000000feffc000-0x00000000feffffff] reserved
[    0.000000] BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved
[    0.000000] BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] usable
`;

const plugins = [stack.plugin, bitmap.plugin, hier2m.plugin];

describe('routerPresets.kernel on a QEMU guest with 5 GiB', () => {
  let router: FrameRouter;
  beforeEach(() => {
    const map = normalizeBootMap(parseBootMap(QEMU_I440FX_5G), { preset: 'linux-x86' });
    router = createRouter(createFrameSpace(map), routerPresets.kernel, plugins);
  });

  it('splits the map into DMA, DMA32 and Normal like Linux', () => {
    const [dma, dma32, normal] = router.zones;
    expect(dma.ranges[0].start).toBe(1);
    expect(dma.ranges[dma.ranges.length - 1].start + dma.ranges[dma.ranges.length - 1].count).toBe(
      DMA_LIMIT_PFN,
    );
    expect(dma32.ranges).toEqual([{ start: DMA_LIMIT_PFN, count: 0xbffe0 - DMA_LIMIT_PFN }]);
    expect(normal.ranges).toEqual([{ start: DMA32_LIMIT_PFN, count: 0x40000 }]);
    expect(router.stats().totalFrames).toBe(dma.frames + dma32.frames + normal.frames);
    expect(router.capabilities).toEqual({ runs: 'any', below: true, freeRunPiecewise: true, allocAt: true });
  });

  it('gives single pages from Normal through the stack, 2 MiB pages through hier2m, DMA from the DMA zone', () => {
    const page = router.alloc();
    expect(page).toBeGreaterThanOrEqual(DMA32_LIMIT_PFN);
    const huge = router.allocRun(512, { align: 512 });
    expect(huge % 512).toBe(0);
    expect(huge).toBeGreaterThanOrEqual(DMA32_LIMIT_PFN);
    expect(router.explain({ op: 'allocRun', count: 512, align: 512 }).strategy).toBe('hier2m');
    const isa = router.allocRun(16, { below: DMA_LIMIT_PFN, align: 16 });
    expect(isa + 16).toBeLessThanOrEqual(DMA_LIMIT_PFN);
    const low32 = router.allocRun(64, { below: DMA32_LIMIT_PFN });
    expect(low32).toBeGreaterThanOrEqual(DMA_LIMIT_PFN);
    router.free(page);
    router.freeRun(huge, 512);
    router.freeRun(isa, 16);
    router.freeRun(low32, 64);
    expect(router.stats().usedFrames).toBe(0);
  });

  it('falls back from Normal to DMA32 for 2 MiB pages and back again after they are freed', () => {
    // Frames parked in Normal's caches are not in its bitmap: count the blocks after a drain.
    const page = router.alloc();
    router.drainCaches();
    const normalBlocks = router.zones[2].frames / 512 - 1;
    const got: number[] = [];
    for (let i = 0; i <= normalBlocks; i++) got.push(router.allocRun(512, { align: 512 }));
    expect(got.slice(0, normalBlocks).every((b) => b >= DMA32_LIMIT_PFN)).toBe(true);
    expect(got[normalBlocks]).toBeLessThan(DMA32_LIMIT_PFN);
    expect(got[normalBlocks]).toBeGreaterThanOrEqual(DMA_LIMIT_PFN);
    for (const b of got) router.freeRun(b, 512);
    router.free(page);
    const report = measureFragmentation(router);
    expect(report.freeFrames).toBe(router.stats().totalFrames);
    // The free memory from 1 MiB to 3 GiB is one run to the metrics, though the router hands
    // out runs only inside a zone (DMA ends at 16 MiB).
    expect(report.largestFreeRun).toBe(0xbffe0 - 0x100);
    expect(router.allocRun(0xbffe0 - 0x100)).toBe(NO_FRAME);
    expect(router.allocRun(router.zones[1].frames)).toBe(DMA_LIMIT_PFN);
  });

  it('releases a process’s frames when it exits', () => {
    const owned = withOwners(router);
    const proc = owned.forOwner(42);
    const out = new Float64Array(1000);
    expect(proc.allocMany(out, 1000)).toBe(true);
    proc.allocRun(512, { align: 512 });
    proc.allocRun(3, { below: DMA_LIMIT_PFN });
    owned.alloc();
    expect(owned.framesOf(42)).toBe(1515);
    expect(owned.releaseOwner(42)).toBe(1515);
    expect(router.stats().usedFrames).toBe(1);
    expect(router.allocRun(router.zones[1].frames)).not.toBe(NO_FRAME);
  });
});
