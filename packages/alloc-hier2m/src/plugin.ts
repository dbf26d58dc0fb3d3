import { definePlugin, type FrameRange, type FrameSpace } from '@framekit/core';
import { Hier2m } from './allocator';
import type { Hier2mAllocator } from './api';
import { HIER2M_CAPABILITIES, type Hier2mOptions, Hier2mOptionsSchema } from './options';

/** The hier2m strategy for the router: `createRouter(space, config, [hier2m.plugin, …])`. */
export const plugin = definePlugin({
  name: 'hier2m',
  options: Hier2mOptionsSchema,
  capabilities: HIER2M_CAPABILITIES,
  create: (space, ranges, options) => new Hier2m(space, ranges, options.lowLimit),
  // A router's 2 MiB cache: every frame in use at start, in time proportional to words.
  createEmpty: (space, ranges, options) => new Hier2m(space, ranges, options.lowLimit, true),
});

/**
 * A hier2m allocator over `ranges` (usable frames of `space`; all of them by default).
 * Options are checked by `Hier2mOptionsSchema`; bad options or ranges throw `INVALID_REQUEST`.
 */
export function createHier2mAllocator(
  space: FrameSpace,
  ranges: readonly FrameRange[] = space.ranges,
  options: Hier2mOptions = {},
): Hier2mAllocator {
  return plugin.create(space, ranges, options) as Hier2mAllocator;
}

/**
 * A hier2m allocator with every frame of `ranges` in use (as a router's 2 MiB cache starts):
 * wholly owned 2 MiB entries can be given back with `freeRun(pfn, 512)`, any frame of the rest
 * with `free`. Costs what `createHier2mAllocator` costs, never a frame-by-frame drain.
 */
export function createEmptyHier2mAllocator(
  space: FrameSpace,
  ranges: readonly FrameRange[] = space.ranges,
  options: Hier2mOptions = {},
): Hier2mAllocator {
  return plugin.createEmpty!(space, ranges, options) as Hier2mAllocator;
}
