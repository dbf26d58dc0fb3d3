import { describeAllocatorConformance } from '@framekit/core/testing/vitest';
import { createLLFreeAllocator } from './index';

describeAllocatorConformance('llfree', (space) => createLLFreeAllocator(space), { backings: ['none'] });

// Frame contents in shared memory, as the workers see them.
describeAllocatorConformance('llfree shared', (space) => createLLFreeAllocator(space), {
  backings: ['shared'],
  shapes: ['one-range', 'ranges-with-holes', 'odd-starts'],
});
