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
      // fast-check wraps the kit's message; the kit's own words must be in it.
      expect(String((failure as Error).message)).toMatch(/baseline on/);
      expect(
        failure instanceof ConformanceFailure || /ConformanceFailure|baseline on/.test(String(failure)),
      ).toBe(true);
    });
  }
});
