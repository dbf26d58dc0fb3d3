import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntrySet } from './entry-set';

describe('EntrySet', () => {
  it('finds the lowest member in [from, to), like a sorted scan', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70_000 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat()), { maxLength: 200 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 20 }),
        (n, changes, queries) => {
          const set = new EntrySet(n);
          const model = new Set<number>();
          for (const [add, k] of changes) {
            const e = k % n;
            if (add) {
              set.add(e);
              model.add(e);
            } else {
              set.delete(e);
              model.delete(e);
            }
          }
          let mismatches = 0;
          for (let e = 0; e < Math.min(n, 2000); e++) if (set.has(e) !== model.has(e)) mismatches++;
          expect(mismatches).toBe(0);
          const sorted = [...model].sort((x, y) => x - y);
          for (const [x, y] of [[0, n] as [number, number], ...queries]) {
            const from = x % (n + 1);
            const to = y % (n + 1);
            const expected = sorted.find((e) => e >= from && e < to) ?? -1;
            expect(set.findFirst(from, to)).toBe(expected);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('skips empty stretches by the summary bits', () => {
    const set = new EntrySet(3_000_000);
    set.add(2_999_999);
    set.add(5);
    expect(set.findFirst(0, 3_000_000)).toBe(5);
    expect(set.findFirst(6, 3_000_000)).toBe(2_999_999);
    expect(set.findFirst(6, 2_999_999)).toBe(-1);
    set.delete(2_999_999);
    expect(set.findFirst(6, 3_000_000)).toBe(-1);
    expect(set.byteLength).toBe(Math.ceil(3_000_000 / 32) * 4 + Math.ceil(3_000_000 / 1024) * 4);
  });
});
