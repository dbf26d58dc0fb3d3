import * as bitmap from '@framekit/alloc-bitmap';
import * as buddy from '@framekit/alloc-buddy';
import * as hier2m from '@framekit/alloc-hier2m';
import * as stack from '@framekit/alloc-stack';
import {
  type AllocatorPlugin,
  createFrameSpace,
  createRouter,
  type FrameRouter,
  NO_FRAME,
  type RouterConfig,
  routerPresets,
} from '@framekit/core';
import { describe, expect, it } from 'vitest';

/*
 * A router's caches start empty. The stack plugin makes an empty stack directly
 * (`createEmpty`); without it the router creates a full one and takes every frame out.
 * Both must give a router that behaves the same, call for call.
 */
const { createEmpty: _, ...stackWithoutCreateEmpty } = stack.plugin;
const slow: AllocatorPlugin = stackWithoutCreateEmpty;
const { createEmpty: __, ...buddyWithoutCreateEmpty } = buddy.plugin;
const slowBuddy: AllocatorPlugin = buddyWithoutCreateEmpty;

/** A buddy caching runs and frames in front of a bitmap (as a router cache, the buddy starts empty). */
const buddyCache: RouterConfig = {
  name: 'buddy-cache',
  zones: [
    {
      name: 'all',
      strategies: [{ plugin: 'bitmap' }, { plugin: 'buddy', over: 'bitmap', batch: 64, high: 512 }],
    },
  ],
  routes: { single: ['buddy'], run: ['bitmap'] },
};

/** The same answers to the same calls, through refills, spills and frees, from the same start. */
function expectSameAnswers(fast: FrameRouter, emptied: FrameRouter, seed: number): void {
  expect(fast.stats()).toEqual(emptied.stats());
  const held: number[] = [];
  let x = seed;
  for (let i = 0; i < 20_000; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    if (held.length > 0 && x % 3 === 0) {
      const k = x % held.length;
      const pfn = held[k];
      held[k] = held[held.length - 1];
      held.pop();
      fast.free(pfn);
      emptied.free(pfn);
    } else {
      const pfn = fast.alloc();
      expect(emptied.alloc()).toBe(pfn);
      if (pfn !== NO_FRAME) held.push(pfn);
    }
  }
  expect(fast.stats()).toEqual(emptied.stats());
  expect(fast.cachedFrames()).toBe(emptied.cachedFrames());
}

describe('a cache created empty behaves as one emptied frame by frame', () => {
  for (const preset of ['kernel', 'patchwork'] as const) {
    it(`routerPresets.${preset}`, () => {
      const space = createFrameSpace({
        frames: 1 << 20,
        ranges: [
          { start: 1, count: 158 },
          { start: 256, count: 500_000 },
          { start: 600_000, count: 400_000 },
        ],
      });
      const fast = createRouter(space, routerPresets[preset], [stack.plugin, bitmap.plugin, hier2m.plugin]);
      const emptied = createRouter(space, routerPresets[preset], [slow, bitmap.plugin, hier2m.plugin]);
      expect(fast.zones.some((z) => z.strategies.some((s) => s.over !== null))).toBe(true);
      expectSameAnswers(fast, emptied, 7);
    });
  }
});

describe('a buddy cache created empty behaves as one emptied frame by frame', () => {
  it('a buddy over a bitmap', () => {
    const space = createFrameSpace({
      frames: 1 << 18,
      ranges: [
        { start: 3, count: 100_000 },
        { start: 120_000, count: 140_000 },
      ],
    });
    const fast = createRouter(space, buddyCache, [buddy.plugin, bitmap.plugin]);
    const emptied = createRouter(space, buddyCache, [slowBuddy, bitmap.plugin]);
    expect(fast.zones[0].strategies.some((s) => s.plugin === 'buddy' && s.over === 'bitmap')).toBe(true);
    expectSameAnswers(fast, emptied, 11);
    expect(fast.cachedFrames()).toBeGreaterThan(0);
  });
});
