import { describe, expect, it } from 'vitest';
import { createBaselineAllocator } from './baseline';
import { BROKEN_ALLOCATORS } from './broken';
import { ConformanceFailure, checkAllocatorConformance, MISUSE_CODES } from './conformance';
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
      const why = REASONS[defect];
      if (why) expect((cause as Error).message).toMatch(why);
    });
  }
});

/** What the kit must say for the defects that only one of its checks can see. */
const REASONS: Record<string, RegExp> = {
  'gives the wrong code for one misuse':
    /misuse 'free-negative' threw INVALID_REQUEST, expected OUT_OF_RANGE/,
  'frees part of a batch before throwing': /misuse 'free-many-(with-free|duplicate)' changed the allocator/,
  'lowers refcounts before the inner allocator refuses':
    /misuse 'free-run-partly-free' changed the allocator/,
};

describe('the kit accepts exactly one code per misuse kind', () => {
  it('names one code for each kind, from the contract table', () => {
    expect(MISUSE_CODES['free-negative']).toBe('OUT_OF_RANGE');
    expect(MISUSE_CODES['free-non-integer']).toBe('INVALID_REQUEST');
    expect(MISUSE_CODES['free-inside-whole-run']).toBe('NOT_ALLOCATED');
    expect(MISUSE_CODES['free-run-of-singles']).toBe('NOT_ALLOCATED');
    expect(MISUSE_CODES['bad-run-count']).toBe('INVALID_REQUEST');
    expect(new Set(Object.values(MISUSE_CODES)).size).toBe(6);
  });
});
