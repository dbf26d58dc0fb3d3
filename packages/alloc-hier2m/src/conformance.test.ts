import { describeAllocatorConformance } from '@framekit/core/testing/vitest';
import { createHier2mAllocator } from './index';

describeAllocatorConformance('hier2m', (space) => createHier2mAllocator(space), { backings: ['none'] });

// A low limit inside the small shapes, so the low lists, the high lists and the bitmap
// searches all take part in the random sequences.
describeAllocatorConformance(
  'hier2m lowLimit 1024',
  (space) => createHier2mAllocator(space, space.ranges, { lowLimit: 1024 }),
  {
    backings: ['none'],
    shapes: ['one-range', 'ranges-with-holes', 'odd-starts'],
  },
);
