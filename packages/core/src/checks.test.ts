import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkNoDuplicates } from './checks';
import { FrameError } from './errors';

/** What `checkNoDuplicates` must say: the index of the first entry seen before, or -1. */
function firstRepeat(pfns: readonly number[]): number {
  const seen = new Set<number>();
  for (let i = 0; i < pfns.length; i++) {
    if (seen.has(pfns[i])) return i;
    seen.add(pfns[i]);
  }
  return -1;
}

function thrownIndex(pfns: readonly number[]): number {
  try {
    checkNoDuplicates('freeMany', Float64Array.from(pfns), pfns.length);
  } catch (error) {
    expect(error).toBeInstanceOf(FrameError);
    expect((error as FrameError).code).toBe('DOUBLE_FREE');
    return (error as FrameError).details.index as number;
  }
  return -1;
}

describe('checkNoDuplicates', () => {
  it('names the first repeat in order, for short batches (pair by pair) and long ones (sorted)', () => {
    fc.assert(
      fc.property(
        // Lengths on both sides of the pair-by-pair limit (32), and past the sort buffer's first size (256).
        fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 700 }),
        (pfns) => {
          expect(thrownIndex(pfns)).toBe(firstRepeat(pfns));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('passes distinct frames of any length, large frame numbers included', () => {
    for (const n of [2, 31, 32, 33, 256, 257, 5000]) {
      const pfns = Array.from({ length: n }, (_, i) => (n - i) * 2 ** 21 + 3);
      expect(thrownIndex(pfns), `${n}`).toBe(-1);
      const twice = [...pfns, pfns[n >> 1]];
      expect(thrownIndex(twice), `${n} with a repeat`).toBe(n);
    }
  });

  it('reads only the first `count` entries', () => {
    expect(() => checkNoDuplicates('freeMany', [1, 2, 3, 1], 3)).not.toThrow();
    expect(() => checkNoDuplicates('freeMany', [...Array(40).keys(), 0], 40)).not.toThrow();
  });
});
