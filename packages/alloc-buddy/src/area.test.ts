import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Area } from './area';

/** 2^16 order-0 blocks: a bitmap of 2,048 words under three summary levels (64, 2, 1 words). */
const BITS = 2 ** 16;

/** The lowest member of `set` at or after `i`, or -1. */
function modelNext(set: Set<number>, i: number): number {
  let best = -1;
  for (const b of set) if (b >= i && (best < 0 || b < best)) best = b;
  return best;
}

describe('Area: summaries kept as upper bounds', () => {
  it('answers next, anyIn, first and lowest as a plain set does, through churn that leaves stale summary bits', () => {
    const op = fc.oneof(
      // Blocks added and removed in a few clusters, so words empty out under set summary bits.
      fc.tuple(
        fc.constant('add' as const),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 4095 }),
      ),
      fc.tuple(fc.constant('remove' as const), fc.nat(), fc.constant(0)),
      fc.tuple(fc.constant('next' as const), fc.integer({ min: 0, max: BITS - 1 }), fc.constant(0)),
      fc.tuple(fc.constant('anyIn' as const), fc.integer({ min: 0, max: BITS - 1 }), fc.nat(40000)),
      fc.tuple(fc.constant('first' as const), fc.constant(0), fc.constant(0)),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const area = new Area(0, 0, BITS, 0, { areas: undefined }, true);
        const model = new Set<number>();
        for (const [kind, a, b] of ops) {
          if (kind === 'add') {
            const head = a * 8192 + b;
            if (!model.has(head)) {
              area.add(0, head);
              model.add(head);
            }
          } else if (kind === 'remove') {
            if (model.size === 0) continue;
            const head = [...model][a % model.size];
            area.remove(0, head);
            model.delete(head);
          } else if (kind === 'next') {
            expect(area.next(0, a)).toBe(modelNext(model, a));
          } else if (kind === 'anyIn') {
            const hi = Math.min(BITS - 1, a + b);
            const found = modelNext(model, a);
            expect(area.anyIn(0, a, hi)).toBe(found >= 0 && found <= hi);
          } else {
            expect(area.first(0)).toBe(modelNext(model, 0));
            expect(area.lowest(0)).toBe(modelNext(model, 0));
          }
          expect(area.blocks[0]).toBe(model.size);
          expect(area.orders).toBe(model.size > 0 ? 1 : 0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('clears a stale summary bit once it finds the word below empty', () => {
    const area = new Area(0, 0, BITS, 0, { areas: undefined }, true);
    // Order 0's index has a bit per word of frame bits: frame 40000 lies in word 1250, whose
    // bit sits in word 39 of the index, under bit 39 of the summary level above it.
    area.add(0, 40000); // sets index bit 1250 and summary bit 39 above it
    area.remove(0, 40000); // clears the index bit alone: the summary still points there
    const summary = area.off[1]; // level 1 of order 0
    const stale = () => (area.words[summary + (39 >>> 5)] >>> (39 & 31)) & 1;
    expect(stale()).toBe(1);
    expect(area.next(0, 0)).toBe(-1);
    expect(stale()).toBe(0);
    expect(area.anyIn(0, 0, BITS - 1)).toBe(false);
  });
});

describe('Area: carving a free stretch', () => {
  /** The maximal aligned blocks of `[start, end)` (aligned from `base`), largest first at each place, as `[order, head]`. */
  function blocksOf(start: number, end: number, base: number, maxOrder: number): [number, number][] {
    const out: [number, number][] = [];
    for (let p = start; p < end; ) {
      let o = maxOrder;
      while (o > 0 && ((p - base) % 2 ** o !== 0 || p + 2 ** o > end)) o--;
      out.push([o, p]);
      p += 2 ** o;
    }
    return out;
  }

  it('indexes the same blocks, a word at a time, as adding each maximal block to an empty area does', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2, 5, 7, 10, 18),
        fc.integer({ min: 0, max: 2 ** 20 }),
        fc.integer({ min: 1, max: 2 ** 21 }),
        (maxOrder, start, length) => {
          const end = start + length;
          const carved = new Area(0, start, end, maxOrder, { areas: undefined });
          const added = new Area(0, start, end, maxOrder, { areas: undefined }, true);
          for (const [order, head] of blocksOf(start, end, carved.base, maxOrder)) added.add(order, head);
          // Every index and summary word (the frame words of an empty area differ only outside the stretch).
          const index = carved.off0[0];
          expect(carved.words.subarray(index)).toEqual(added.words.subarray(index));
          expect(carved.blocks).toEqual(added.blocks);
          expect(carved.orders).toBe(added.orders);
          for (let o = 0; o <= maxOrder; o++) expect(carved.lowest(o)).toBe(added.lowest(o));
        },
      ),
      { numRuns: 60 },
    );
  });
});
