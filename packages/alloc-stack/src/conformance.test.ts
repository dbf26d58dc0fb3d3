import { describeAllocatorConformance } from '@framekit/core/testing';
import { createStackAllocator } from './plugin';

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
