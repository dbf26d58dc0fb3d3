import { describe, expect, it } from 'vitest';
import { isFrameError } from '../errors';
import { createFrameSpace } from '../frame-space';
import { TEST_PLUGINS } from './__fixtures__/plugins';
import { DMA_LIMIT_PFN, DMA32_LIMIT_PFN, routerPresets } from './presets';
import { createRouter } from './router';

const space = () =>
  createFrameSpace({
    frames: DMA32_LIMIT_PFN + 8192,
    ranges: [
      { start: 256, count: 3744 },
      { start: 8192, count: 4096 },
      { start: DMA32_LIMIT_PFN, count: 8192 },
    ],
  });

describe('router.explain', () => {
  it('names the zone, route and strategy of a single frame, and the fallbacks after it', () => {
    const router = createRouter(space(), routerPresets.kernel, TEST_PLUGINS);
    const e = router.explain({ op: 'alloc' });
    expect(e).toMatchObject({
      shape: 'single',
      route: 'single',
      zone: 'normal',
      strategy: 'stack',
      drainsCaches: false,
    });
    expect(e.zoneOrder).toEqual(['normal', 'dma32', 'dma']);
    expect(e.steps.map((s) => [s.zone, s.verdict])).toEqual([
      ['normal', 'serves'],
      ['dma32', 'fallback'],
      ['dma', 'fallback'],
    ]);
    expect(e.reason).toContain(
      "→ 'stack' in zone normal: empty; refills a batch from 'bitmap' (8192 free there)",
    );
    expect(e.reason).toContain('highest suitable zone first');
    router.alloc();
    expect(router.explain({ op: 'alloc' }).steps[0].reason).toContain('holds 63 cached frames');
  });

  it('rejects a request without a known op, with a FrameError that names it', () => {
    const router = createRouter(space(), routerPresets.kernel, TEST_PLUGINS);
    const bad = [{ count: 512, align: 512 }, { op: 'free' }, null];
    for (const request of bad) {
      expect(() => router.explain(request as never)).toThrowError(
        expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringContaining('request.op') }),
      );
    }
  });

  it('changes nothing', () => {
    const router = createRouter(space(), routerPresets.kernel, TEST_PLUGINS);
    const before = JSON.stringify(router.stats());
    router.explain({ op: 'allocRun', count: 512, align: 512 });
    router.explain({ op: 'allocMany', count: 100 });
    expect(JSON.stringify(router.stats())).toBe(before);
    expect(router.cachedFrames()).toBe(0);
  });

  it('explains below requests: zones that cannot satisfy them are skipped, with the reason', () => {
    const router = createRouter(space(), routerPresets.kernel, TEST_PLUGINS);
    const e = router.explain({ op: 'allocRun', count: 16, below: DMA_LIMIT_PFN });
    expect(e).toMatchObject({ route: 'run', zone: 'dma', strategy: 'bitmap' });
    expect(e.steps.map((s) => s.verdict)).toEqual(['skipped', 'skipped', 'serves']);
    expect(e.steps[0].reason).toBe('zone normal has no 16 frames below 4096');
    expect(e.reason).toContain('(all of zone dma is below 4096)');
    expect(router.allocRun(16, { below: DMA_LIMIT_PFN })).toBe(256);
  });

  it('explains 2 MiB pages: the hier2m cache refills a block from the bitmap', () => {
    const router = createRouter(space(), routerPresets.kernel, TEST_PLUGINS);
    const e = router.explain({ op: 'allocRun', count: 512, align: 512 });
    expect(e).toMatchObject({ shape: 'huge', route: 'huge', zone: 'normal', strategy: 'hier2m' });
    expect(e.steps[0].reason).toBe(`a 2 MiB block it refills from 'bitmap' at frame ${DMA32_LIMIT_PFN}`);
    expect(router.allocRun(512, { align: 512 })).toBe(DMA32_LIMIT_PFN);
  });

  it('says when the caches must be drained first, and when nothing fits', () => {
    const router = createRouter(createFrameSpace({ frames: 1000 }), routerPresets.kernel, TEST_PLUGINS);
    const out = new Float64Array(1000);
    router.allocMany(out, 1000);
    router.freeMany(out, 1000);
    const e = router.explain({ op: 'allocRun', count: 1000 });
    expect(e).toMatchObject({ drainsCaches: true, zone: 'dma', strategy: 'bitmap' });
    expect(e.reason).toContain('drains the caches of zone dma and retries');
    expect(router.explain({ op: 'allocRun', count: 1001 }).reason).toContain('only 1000 frames are free');
    router.allocRun(10, { align: 1 });
    const none = router.explain({ op: 'allocRun', count: 512, align: 512, below: 400 });
    expect(none.zone).toBeNull();
    expect(none.reason).toContain('returns NO_FRAME');
  });

  it('says when a router has no route for a shape, as allocRun would throw UNSUPPORTED', () => {
    const router = createRouter(space(), routerPresets.z903, TEST_PLUGINS);
    expect(router.explain({ op: 'allocRun', count: 3 })).toMatchObject({ route: null, zone: null });
    expect(router.explain({ op: 'allocRun', count: 3 }).reason).toContain("capabilities.runs is 'huge'");
    expect(() => router.explain({ op: 'allocRun', count: 3, align: 3 })).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST' }),
    );
    try {
      router.explain({ op: 'allocMany', count: -1 });
    } catch (error) {
      expect(isFrameError(error, 'INVALID_REQUEST')).toBe(true);
    }
  });

  it('follows a configured zone order', () => {
    const router = createRouter(space(), routerPresets.patchwork, TEST_PLUGINS);
    const e = router.explain({ op: 'allocRun', count: 4, below: DMA32_LIMIT_PFN });
    expect(e.zoneOrder).toEqual(['bitmap', 'stack']);
    expect(e.reason).toContain('lowest zone first, as configured');
    expect(e.zone).toBe('bitmap');
  });
});
