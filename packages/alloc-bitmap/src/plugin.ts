import { definePlugin, type FrameRange, type FrameSpace } from '@framekit/core';
import { BitmapFrameAllocator } from './allocator';
import { BITMAP_CAPABILITIES, type BitmapAllocator } from './api';
import { type BitmapOptions, BitmapOptionsSchema } from './options';

/** The bitmap allocator as a router plugin: `createRouter(space, config, [bitmap.plugin, …])`. */
export const plugin = definePlugin({
  name: 'bitmap',
  options: BitmapOptionsSchema,
  capabilities: BITMAP_CAPABILITIES,
  create: (space, ranges, options) => new BitmapFrameAllocator(space, ranges, options),
});

/**
 * A bitmap allocator over `ranges` of `space` (all its usable frames by default): one arena
 * per range. Options and ranges are validated (`INVALID_REQUEST` when wrong). Creation costs
 * time proportional to the bitmap's words, never to frames one by one.
 */
export function createBitmapAllocator(
  space: FrameSpace,
  ranges?: readonly FrameRange[],
  options?: BitmapOptions,
): BitmapAllocator {
  // `plugin.create` validates and builds a BitmapFrameAllocator; its declared type is the plain contract.
  return plugin.create(space, ranges, options) as BitmapAllocator;
}
