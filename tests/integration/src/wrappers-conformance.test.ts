import * as bitmap from '@framekit/alloc-bitmap';
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
import { describeAllocatorConformance, SPACE_SHAPES, type SpaceShapeName } from '@framekit/core/testing';

/*
 * Invariant 7 (issue 21): the conformance kit over every wrapper on every real plugin and on
 * the router presets. After any call that throws, the kit compares stats, `isFree` and —
 * through these wrappers — every `refCount` and owner entry of the frames it watches, and
 * asks for the one code of the contract table.
 */

/**
 * Every shape of the kit but the 2^31-frame arena: that one costs seconds per allocator made
 * (a 256 MiB bitmap, hier2m's start-up) and is run by each plugin's own conformance test.
 */
const shapes = (Object.keys(SPACE_SHAPES) as SpaceShapeName[]).filter((name) => name !== 'arena-2-31-odd');

/**
 * withOwners leaves out 'near-2-40' until issue 21's bug 3 is fixed (its `stats()` costs grow
 * with the frame number: about a minute per call near 2^40, and the kit calls it after every
 * operation). Put it back with that fix.
 */
const ownerShapes = shapes.filter((name) => name !== 'near-2-40');

const plugins = { stack: stack.plugin, bitmap: bitmap.plugin, hier2m: hier2m.plugin } as const;

const wrappers = {
  withRefCounts: (a: FrameAllocator) => withRefCounts(a),
  withOwners: (a: FrameAllocator) => withOwners(a),
} as const;

for (const [wrapperName, wrap] of Object.entries(wrappers)) {
  const wrapperShapes = wrapperName === 'withOwners' ? ownerShapes : shapes;
  for (const [pluginName, plugin] of Object.entries(plugins)) {
    describeAllocatorConformance(
      `${wrapperName}(${pluginName})`,
      (space: FrameSpace) => wrap(plugin.create(space)),
      { backings: ['none'], shapes: wrapperShapes },
    );
  }
  for (const preset of ['patchwork', 'z903', 'kernel'] as const) {
    describeAllocatorConformance(
      `${wrapperName}(createRouter(space, routerPresets.${preset}, [stack, bitmap, hier2m]))`,
      (space: FrameSpace) => wrap(createRouter(space, routerPresets[preset], Object.values(plugins))),
      { backings: ['none'], shapes: wrapperShapes },
    );
  }
}
