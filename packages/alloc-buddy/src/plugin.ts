import { definePlugin, type FrameRange, type FrameSpace } from '@framekit/core';
import { BuddyFrameAllocator } from './allocator';
import { BUDDY_CAPABILITIES, type BuddyAllocator } from './api';
import { type BuddyOptions, BuddyOptionsSchema } from './options';

/** The buddy allocator as a router plugin: `createRouter(space, config, [buddy.plugin, …])`. */
export const plugin = definePlugin({
  name: 'buddy',
  options: BuddyOptionsSchema,
  capabilities: BUDDY_CAPABILITIES,
  create: (space, ranges, options) => new BuddyFrameAllocator(space, ranges, options),
  // A cache in front of another strategy: nothing free until frames are freed to it.
  createEmpty: (space, ranges, options) => new BuddyFrameAllocator(space, ranges, options, true),
});

/**
 * A buddy allocator over `ranges` of `space` (all its usable frames by default). Options and
 * ranges are validated (`INVALID_REQUEST` when wrong). Creation costs time proportional to
 * the blocks carved (about `frames / 2^maxOrder`), never to frames one by one.
 */
export function createBuddyAllocator(
  space: FrameSpace,
  ranges?: readonly FrameRange[],
  options?: BuddyOptions,
): BuddyAllocator {
  return plugin.create(space, ranges, options) as BuddyAllocator;
}
