import { describeAllocatorConformance } from '@framekit/core/testing/vitest';
import { createBitmapAllocator } from './index';

// Every shape of the kit, without contents and with sparse contents.
describeAllocatorConformance('bitmap', (space) => createBitmapAllocator(space), {
  backings: ['none', 'sparse'],
});

// Next fit changes which frame is found, never whether one is.
describeAllocatorConformance(
  'bitmap (next fit)',
  (space) => createBitmapAllocator(space, undefined, { nextFit: true }),
  {
    backings: ['none'],
  },
);

// The opt-in edge: one arena of exactly 2^31 frames at an odd start (issue 21, bug 2).
describeAllocatorConformance('bitmap (2^31-frame arena)', (space) => createBitmapAllocator(space), {
  backings: ['none'],
  shapes: ['arena-2-31-odd'],
});
