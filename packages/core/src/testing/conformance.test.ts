import { describe, expect, it } from 'vitest';
import { createBaselineAllocator } from './baseline';
import { BROKEN_ALLOCATORS } from './broken';
import { ConformanceFailure, checkAllocatorConformance } from './conformance';
import { describeAllocatorConformance } from './describe';

describeAllocatorConformance('baseline', (space) => createBaselineAllocator(space), {
  backings: ['none', 'sparse'],
});

describe('the conformance kit catches broken allocators', () => {
  for (const [defect, factory] of Object.entries(BROKEN_ALLOCATORS)) {
    it(`fails an allocator that ${defect}`, () => {
      let failure: unknown;
      try {
        checkAllocatorConformance(factory, { numRuns: 100, shapes: ['ranges-with-holes', 'odd-starts'] });
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(Error);
      // fast-check wraps the kit's failure as the cause; it must be the kit's own, not a crash.
      const cause = (failure as Error).cause ?? failure;
      expect(cause).toBeInstanceOf(ConformanceFailure);
      expect((cause as Error).message).toMatch(/^baseline on /);
    });
  }
});
