import { plugin as stackPlugin } from '@framekit/alloc-stack';
import { createRouter, routerPresets } from '@framekit/core';
import { describeAllocatorConformance } from '@framekit/core/testing/vitest';
import { plugin as buddyPlugin, createBuddyAllocator } from './index';

// A buddy serves a run from ONE block (the smallest order that holds it), so a run of free
// frames spread over blocks that are not buddies (frames 5 … 7 as blocks {5} and {6, 7}) does
// not serve allocRun(3): the kit's "finds a run whenever one fits" check is off (`complete:
// false`). alloc() still never fails while a frame is free: tested in allocator.test.ts.
describeAllocatorConformance('buddy', (space) => createBuddyAllocator(space), {
  backings: ['none', 'sparse'],
  complete: false,
});

// Small top blocks: runs longer than a top block go through the chain search.
describeAllocatorConformance(
  'buddy (maxOrder 3)',
  (space) => createBuddyAllocator(space, undefined, { maxOrder: 3 }),
  {
    complete: false,
  },
);

// Linux's page allocator as `routerPresets.linux` builds it, with the real plugins: a buddy owns
// each zone (DMA, DMA32, Normal) behind a stack that is its per-CPU list. Runs come from the
// buddy, so the kit's "finds a run whenever one fits" check is off here too.
describeAllocatorConformance(
  'router preset linux (buddy, stack)',
  (space) => createRouter(space, routerPresets.linux, [buddyPlugin, stackPlugin]),
  { backings: ['none', 'sparse'], complete: false, numRuns: 25 },
);
