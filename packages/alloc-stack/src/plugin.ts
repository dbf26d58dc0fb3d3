import { definePlugin, type FrameRange, type FrameSpace } from '@framekit/core';
import { StackFrameAllocator } from './allocator';
import { STACK_CAPABILITIES, type StackAllocator } from './api';
import { type StackOptions, StackOptionsSchema } from './options';

/** The free-page stack as a router plugin: `createRouter(space, config, [stack.plugin, …])`. */
export const plugin = definePlugin({
  name: 'stack',
  options: StackOptionsSchema,
  capabilities: STACK_CAPABILITIES,
  create: (space, ranges, options) => new StackFrameAllocator(space, ranges, options),
  // A cache in front of another strategy: nothing free until frames are freed to it.
  createEmpty: (space, ranges, options) => new StackFrameAllocator(space, ranges, options, true),
});

/**
 * A free-page stack over `ranges` of `space` (all its usable frames by default). Options are
 * validated (`INVALID_REQUEST` when wrong); creation costs time proportional to the ranges.
 */
export function createStackAllocator(
  space: FrameSpace,
  ranges?: readonly FrameRange[],
  options?: StackOptions,
): StackAllocator {
  return plugin.create(space, ranges, options) as StackAllocator;
}
