import * as bitmap from '@framekit/alloc-bitmap';
import * as buddy from '@framekit/alloc-buddy';
import * as hier2m from '@framekit/alloc-hier2m';
import * as stack from '@framekit/alloc-stack';
import { createRouter, type FrameSpace, type RouterConfig, routerPresets } from '@framekit/core';
import { describeAllocatorConformance } from '@framekit/core/testing/vitest';

/*
 * Every router preset over the real strategy packages keeps every invariant of the
 * conformance kit, with and without frame contents (the stack keeps its nodes inside free
 * frames when there are contents).
 */

const plugins = [stack.plugin, bitmap.plugin, hier2m.plugin];

for (const name of ['patchwork', 'z903', 'kernel'] as const) {
  describeAllocatorConformance(
    `createRouter(space, routerPresets.${name}, [stack, bitmap, hier2m])`,
    (space) => createRouter(space, routerPresets[name], plugins),
    { backings: ['none', 'sparse'] },
  );
}

// Linux's page allocator: buddies (trusted: the router checks every free) behind per-CPU
// lists. A buddy cannot join free blocks that are not buddies into one run, so the kit does
// not ask it for every run that fits (`complete: false`); every other invariant holds.
describeAllocatorConformance(
  'createRouter(space, routerPresets.linux, [stack, buddy])',
  (space) => createRouter(space, routerPresets.linux, [stack.plugin, buddy.plugin]),
  { backings: ['none', 'sparse'], complete: false },
);

/**
 * The kernel layering with tiny batches and high marks, zones cut at the holes of the kit's
 * spaces: caches refill, spill and drain every few operations, across up to three zones.
 */
function busyCaches(space: FrameSpace): RouterConfig {
  const starts = space.ranges.slice(1).map((r) => r.start);
  const cuts = [...new Set([starts[Math.floor((starts.length - 1) / 2)], starts[starts.length - 1]])].filter(
    (c) => c !== undefined,
  );
  const zones = [...cuts, undefined].map((end, i) => ({
    name: `z${i}`,
    end,
    strategies: [
      { plugin: 'bitmap' },
      { plugin: 'stack', over: 'bitmap', batch: 3, high: 5 },
      { plugin: 'hier2m', over: 'bitmap', holds: '2mib' as const, batch: 1, high: 1 },
    ],
  }));
  return { name: 'busy', zones, routes: { single: ['stack'], run: ['bitmap'], huge: ['hier2m', 'bitmap'] } };
}

describeAllocatorConformance(
  'a kernel-like router with busy caches over the real plugins',
  (space) => createRouter(space, busyCaches(space), plugins),
  { backings: ['none', 'sparse'], numRuns: 30 },
);
