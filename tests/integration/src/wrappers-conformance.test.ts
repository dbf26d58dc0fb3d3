import * as bitmap from '@framekit/alloc-bitmap';
import * as buddy from '@framekit/alloc-buddy';
import * as hier2m from '@framekit/alloc-hier2m';
import * as stack from '@framekit/alloc-stack';
import {
  createRouter,
  type FrameAllocator,
  type FrameSpace,
  routerPresets,
  withOwners,
  withRefCounts,
} from '@framekit/core';
import { DEFAULT_SHAPES } from '@framekit/core/testing';
import { describeAllocatorConformance } from '@framekit/core/testing/vitest';

/*
 * Invariant 7 (issue 21): the conformance kit over every wrapper on every real plugin and on
 * the router presets. After any call that throws, the kit compares stats, `isFree` and —
 * through these wrappers — every `refCount` and owner entry of the frames it watches, and
 * asks for the one code of the contract table.
 */

/**
 * The kit's default shapes: every shape but the opt-in 2^31-frame arena, which costs seconds
 * per allocator made (a 256 MiB bitmap, hier2m's start-up) and is run by the bitmap's own test.
 * withOwners takes 'near-2-40' too: its costs follow what is held (issue 21, bug 3).
 */
const shapes = DEFAULT_SHAPES;

const plugins = {
  stack: stack.plugin,
  bitmap: bitmap.plugin,
  hier2m: hier2m.plugin,
  buddy: buddy.plugin,
} as const;

const wrappers = {
  withRefCounts: (a: FrameAllocator) => withRefCounts(a),
  withOwners: (a: FrameAllocator) => withOwners(a),
} as const;

for (const [wrapperName, wrap] of Object.entries(wrappers)) {
  const wrapperShapes = shapes;
  for (const [pluginName, plugin] of Object.entries(plugins)) {
    describeAllocatorConformance(
      `${wrapperName}(${pluginName})`,
      (space: FrameSpace) => wrap(plugin.create(space)),
      // A buddy cannot join free blocks that are not buddies into one run (see its own test).
      { backings: ['none'], shapes: wrapperShapes, complete: pluginName !== 'buddy' },
    );
  }
  for (const preset of ['patchwork', 'z903', 'kernel', 'linux'] as const) {
    describeAllocatorConformance(
      `${wrapperName}(createRouter(space, routerPresets.${preset}, [stack, bitmap, hier2m, buddy]))`,
      (space: FrameSpace) => wrap(createRouter(space, routerPresets[preset], Object.values(plugins))),
      { backings: ['none'], shapes: wrapperShapes, complete: preset !== 'linux' },
    );
  }
}
