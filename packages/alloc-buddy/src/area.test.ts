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
          expect(carved.words).toEqual(added.words);
          expect(carved.blocks).toEqual(added.blocks);
          expect(carved.orders).toBe(added.orders);
          for (let o = 0; o <= maxOrder; o++) expect(carved.lowest(o)).toBe(added.lowest(o));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('Area: frame words made at the first write', () => {
  it('a wide area has none until a block is split below order 5 or a frame of one is freed alone; until then every word reads uniform', () => {
    const frames = 2 ** 16;
    const a = new Area(0, 0, frames, 10, { areas: undefined });
    const b = new Area(0, 0, frames, 10, { areas: undefined }, true);
    expect(a.frames.length + b.frames.length).toBe(0);
    expect(a.isFreeAt(0) && a.isFreeAt(frames - 1) && a.blockOf(frames - 1) === 10).toBe(true);
    expect(a.hit).toBe(frames - 1024);
    expect(a.firstFreeIn(5, frames)).toBe(5);
    // Whole blocks of order 5 and up are taken and freed without a frame word.
    const block = a.take(10, 6);
    expect(block).toBe(0);
    expect(a.frames.length).toBe(0);
    expect(a.isFreeAt(63) || !a.isFreeAt(64)).toBe(false);
    a.release(block, block + 64);
    expect(a.frames.length).toBe(0);
    expect(a.blocks[10]).toBe(frames / 1024);
    // A split below order 5 writes one: the words are made, and read as before.
    expect(a.take(10, 0)).toBe(0);
    expect(a.frames.length).toBe(a.frameWords);
    expect(a.isFreeAt(0) || !a.isFreeAt(1) || !a.isFreeAt(64)).toBe(false);
    // The empty area reads every frame allocated; a frame freed alone makes its words.
    expect(b.isFreeAt(100) || b.anyFreeIn(0, frames)).toBe(false);
    b.release(0, 64);
    expect(b.frames.length).toBe(0);
    expect(b.freeFrameAt(100, false)).toBe(true);
    expect(b.frames.length).toBe(b.frameWords);
    expect(b.isFreeAt(100) && !b.isFreeAt(101) && b.isFreeAt(63)).toBe(true);
  });

  it('an area whose ends share a word with frames outside it, or below order 5, has them from the start', () => {
    expect(new Area(0, 0, 2 ** 12, 10, { areas: undefined }).frames.length).toBe(0);
    expect(new Area(0, 3, 2 ** 12, 10, { areas: undefined }).frames.length).toBe(2 ** 7);
    expect(new Area(0, 0, 2 ** 12 - 1, 10, { areas: undefined }).frames.length).toBe(2 ** 7);
    expect(new Area(0, 0, 2 ** 12, 4, { areas: undefined }).frames.length).toBe(2 ** 7);
  });
});
