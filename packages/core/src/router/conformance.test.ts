import { describe, expect, it } from 'vitest';
import type { FrameSpace } from '../api';
import { createFrameSpace } from '../frame-space';
import { describeAllocatorConformance } from '../testing/describe';
import { bitmapLike, hier2mLike, stackLike, TEST_PLUGINS } from './__fixtures__/plugins';
import type { RouterConfig } from './config';
import { routerPresets } from './presets';
import { createRouter } from './router';

// The stand-ins keep the contract themselves, so a router failure is the router's.
describeAllocatorConformance('stand-in stack', (space) => stackLike.create(space), { numRuns: 10 });
describeAllocatorConformance('stand-in hier2m', (space) => hier2mLike.create(space), { numRuns: 10 });

for (const name of ['patchwork', 'z903', 'kernel'] as const) {
  describeAllocatorConformance(
    `router preset ${name} (stand-in plugins)`,
    (space) => createRouter(space, routerPresets[name], TEST_PLUGINS),
    { backings: ['none', 'sparse'], numRuns: 25 },
  );
}

/**
 * Zones cut where the kit's spaces have holes, so that its small spaces (up to 3072 frames)
 * are split into up to three zones, with caches that refill, spill and drain every few
 * operations. Cuts go at holes because a run never crosses a zone boundary (as in Linux,
 * where each zone is its own allocator); the router's tests show that case on its own.
 */
function zonedAtHoles(space: FrameSpace): RouterConfig {
  const starts = space.ranges.slice(1).map((r) => r.start);
  const cuts = [...new Set([starts[Math.floor((starts.length - 1) / 2)], starts[starts.length - 1]])].filter(
    (c) => c !== undefined,
  );
  const tiers: RouterConfig['zones'][number]['strategies'][] = [
    [{ plugin: 'bitmap' }],
    [{ plugin: 'bitmap' }, { plugin: 'stack', over: 'bitmap', batch: 4, high: 8 }],
    [
      { plugin: 'bitmap' },
      { plugin: 'stack', over: 'bitmap', batch: 3, high: 5 },
      { plugin: 'hier2m', over: 'bitmap', holds: '2mib', batch: 1, high: 1 },
    ],
  ];
  const zones = [...cuts, undefined].map((end, i) => ({
    name: `z${i}`,
    end,
    strategies: tiers[tiers.length - 1 - cuts.length + i],
  }));
  return {
    name: 'zoned-at-holes',
    zones,
    routes: { single: ['stack', 'bitmap'], run: ['bitmap'], huge: ['hier2m', 'bitmap'] },
  };
}
describeAllocatorConformance('router with zones cut at holes and busy caches', (space) =>
  createRouter(space, zonedAtHoles(space), TEST_PLUGINS),
);

/** A stack over a stack over the bitmap: a chain of caches. */
const chained: RouterConfig = {
  zones: [
    {
      name: 'all',
      strategies: [
        { plugin: 'bitmap' },
        { id: 'l2', plugin: 'stack', over: 'bitmap', batch: 8, high: 16 },
        { id: 'l1', plugin: 'stack', over: 'l2', batch: 2, high: 4 },
      ],
    },
  ],
  routes: { single: ['l1'], run: ['bitmap'] },
};
describeAllocatorConformance(
  'router with a chain of two caches',
  (space) => createRouter(space, chained, TEST_PLUGINS),
  {
    shapes: ['ranges-with-holes', 'odd-starts'],
  },
);

/** Two hier2m zones (whole runs tracked by the router) with a frame cache over one of them. */
const hugeZones: RouterConfig = {
  zones: [
    { name: 'low', end: 1024, strategies: [{ plugin: 'hier2m' }] },
    {
      name: 'high',
      strategies: [{ plugin: 'hier2m' }, { plugin: 'stack', over: 'hier2m', batch: 4, high: 8 }],
    },
  ],
  routes: { single: ['stack', 'hier2m'], huge: ['hier2m'] },
};
describeAllocatorConformance(
  'router over hier2m zones',
  (space) => createRouter(space, hugeZones, TEST_PLUGINS),
  {
    shapes: ['ranges-with-holes', 'one-range', 'large-sparse'],
  },
);

describe('router capabilities', () => {
  const space = createFrameSpace({ frames: 4096 });
  it('are derived from the strategies the routes use', () => {
    expect(createRouter(space, routerPresets.kernel, TEST_PLUGINS).capabilities).toEqual({
      runs: 'any',
      below: true,
      freeRunPiecewise: true,
    });
    expect(createRouter(space, routerPresets.z903, TEST_PLUGINS).capabilities).toEqual({
      runs: 'huge',
      below: true,
      freeRunPiecewise: false,
    });
    const singles = createRouter(
      space,
      { zones: [{ name: 'all', strategies: [{ plugin: 'stack' }] }], routes: { single: ['stack'] } },
      [stackLike, bitmapLike],
    );
    expect(singles.capabilities).toEqual({ runs: 'none', below: false, freeRunPiecewise: true });
    expect(singles.name).toBe('router(custom)');
  });
});
