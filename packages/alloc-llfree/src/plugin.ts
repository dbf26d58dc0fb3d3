import { definePlugin, type FrameRange, type FrameSpace } from '@framekit/core';
import { LLFree } from './allocator';
import type { LLFreeAllocator } from './api';
import { computeLayout, initState } from './layout';
import { LLFREE_CAPABILITIES, type LLFreeOptions, LLFreeOptionsSchema } from './options';
import { claimSlot } from './share';

/** The llfree strategy for the router: `createRouter(space, config, [llfree.plugin, …])`. */
export const plugin = definePlugin({
  name: 'llfree',
  options: LLFreeOptionsSchema,
  capabilities: LLFREE_CAPABILITIES,
  create: (space, ranges, options) => {
    const layout = computeLayout(ranges, options.maxWorkers);
    const buffer = new SharedArrayBuffer(layout.words * 4);
    const state = new Int32Array(buffer);
    initState(layout, state);
    return new LLFree(space, ranges, layout, buffer, claimSlot(state, layout.slots, layout.slotCount));
  },
});

/**
 * An LLFree allocator over `ranges` (usable frames of `space`; all of them by default), its
 * whole state in one new SharedArrayBuffer. This handle holds worker slot 0; `share()` it
 * and `attach` the descriptor in workers. Bad options or ranges throw `INVALID_REQUEST`.
 */
export function createLLFreeAllocator(
  space: FrameSpace,
  ranges: readonly FrameRange[] = space.ranges,
  options: LLFreeOptions = {},
): LLFreeAllocator {
  return plugin.create(space, ranges, options) as LLFreeAllocator;
}
