import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alignedOrder,
  alignMask,
  bitRange,
  floorLog2,
  leadingOnes,
  longestRun,
  lowestBit,
  runStarts,
  trailingOnes,
} from './bits';

/** The word as 32 booleans, bit 0 first: the slow, obvious reading the tricks must agree with. */
function bitsOf(x: number): boolean[] {
  return Array.from({ length: 32 }, (_, i) => ((x >>> i) & 1) === 1);
}

function slowLongestRun(x: number): number {
  let best = 0;
  let run = 0;
  for (const bit of bitsOf(x)) {
    run = bit ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

function slowRunStarts(x: number, n: number): number {
  const bits = bitsOf(x);
  let out = 0;
  for (let i = 0; i + n <= 32; i++) if (bits.slice(i, i + n).every(Boolean)) out |= 1 << i;
  return out;
}

const word = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.constantFrom(0, -1, 1, -2, 0x7fffffff, -(2 ** 31), 0x0000ffff, 0x00ff00ff),
);

describe('word tricks', () => {
  it('find the lowest bit, the free prefix and the free suffix', () => {
    fc.assert(
      fc.property(word, (x) => {
        const bits = bitsOf(x);
        if (x !== 0) expect(lowestBit(x)).toBe(bits.indexOf(true));
        if (x !== -1) expect(trailingOnes(x)).toBe(bits.indexOf(false));
        const fromTop = [...bits].reverse();
        expect(leadingOnes(x)).toBe(x === -1 ? 32 : fromTop.indexOf(false));
      }),
    );
  });

  it('measure the longest run of set bits', () => {
    fc.assert(
      fc.property(word, (x) => {
        expect(longestRun(x)).toBe(slowLongestRun(x));
      }),
    );
    expect(longestRun(0)).toBe(0);
    expect(longestRun(-1)).toBe(32);
    expect(longestRun(0x7fffffff)).toBe(31);
    expect(longestRun(0b1110_0111_1101)).toBe(5);
  });

  it('mark where runs of n set bits start', () => {
    fc.assert(
      fc.property(word, fc.integer({ min: 1, max: 32 }), (x, n) => {
        expect(runStarts(x, n) | 0).toBe(slowRunStarts(x, n) | 0);
      }),
    );
  });

  it('build bit ranges and alignment masks', () => {
    expect(bitRange(0, 31)).toBe(-1);
    expect(bitRange(3, 3)).toBe(8);
    expect(bitRange(4, 7)).toBe(0xf0);
    expect(bitRange(31, 31)).toBe(-(2 ** 31));
    expect(alignMask(1, 0)).toBe(-1);
    expect(alignMask(4, 96)).toBe(0x11111111);
    expect(alignMask(32, 64)).toBe(1);
    expect(alignMask(64, 96)).toBe(0);
    expect(alignMask(64, 128)).toBe(1);
  });

  it('find the largest aligned power-of-two block of a run, by absolute frame numbers', () => {
    expect(floorLog2(1)).toBe(0);
    expect(floorLog2(1023)).toBe(9);
    expect(floorLog2(2 ** 31)).toBe(31);
    expect(alignedOrder(5, 5)).toBe(-1);
    expect(alignedOrder(200, 800)).toBe(8); // 600 frames, but no 512 block at a multiple of 512
    expect(alignedOrder(512, 1024)).toBe(9);
    expect(alignedOrder(2 ** 40 + 3, 2 ** 40 + 9)).toBe(2);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 5000 }),
        (start, length) => {
          let slow = -1;
          for (let o = 0; 2 ** o <= length; o++) {
            if (Math.ceil(start / 2 ** o) * 2 ** o + 2 ** o <= start + length) slow = o;
          }
          expect(alignedOrder(start, start + length)).toBe(slow);
        },
      ),
    );
  });
});
