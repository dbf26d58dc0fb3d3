import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lastAtOrBelow } from './sorted';

describe('lastAtOrBelow', () => {
  it('finds the last element <= value, as a linear scan does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 })),
        fc.integer({ min: -5, max: 1005 }),
        (xs, v) => {
          const sorted = Float64Array.from(xs).sort();
          let expected = -1;
          for (let i = 0; i < sorted.length; i++) if (sorted[i] <= v) expected = i;
          expect(lastAtOrBelow(sorted, v)).toBe(expected);
        },
      ),
    );
  });

  it('answers -1 below the first element and for an empty array', () => {
    expect(lastAtOrBelow([10, 20], 9)).toBe(-1);
    expect(lastAtOrBelow([], 5)).toBe(-1);
    expect(lastAtOrBelow([10, 20], 20)).toBe(1);
  });
});
