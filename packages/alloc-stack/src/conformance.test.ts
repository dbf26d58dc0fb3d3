import { describeAllocatorConformance } from '@framekit/core/testing/vitest';
import { createStackAllocator, plugin } from './plugin';

// Every shape, without contents (nodes in a typed array) and with them (nodes in the frames).
describeAllocatorConformance('stack', (space) => createStackAllocator(space), {
  backings: ['none', 'sparse', 'dense'],
});

// Two entries per node: nearly every push and pop moves the top to another node frame.
describeAllocatorConformance(
  'stack (2-entry nodes)',
  (space) => createStackAllocator(space, undefined, { nodeEntries: 2 }),
  {
    backings: ['none', 'dense'],
    numRuns: 20,
  },
);

// Created empty (as a router's cache), then given every frame: from then on a whole stack.
describeAllocatorConformance(
  'stack (created empty, then filled by frees)',
  (space) => {
    const stack = plugin.createEmpty!(space);
    for (const r of space.ranges) stack.freeRun(r.start, r.count);
    return stack;
  },
  { backings: ['none', 'dense'], numRuns: 20 },
);
