import { describe, expect, it } from 'vitest';
import { Rng } from './rng';

describe('Rng (mulberry32)', () => {
  it('draws the reference mulberry32 words', () => {
    // mulberry32 written out independently, as the C side has it.
    let a = 42;
    const reference = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
      return (t ^ (t >>> 14)) >>> 0;
    };
    const rng = new Rng(42);
    for (let i = 0; i < 1000; i++) expect(rng.nextUint32()).toBe(reference());
  });

  it('gives floats in [0, 1) that are the same words over 2^32, and the same sequence from the same seed', () => {
    const words = new Rng(7);
    const floats = new Rng(7);
    for (let i = 0; i < 1000; i++) {
      const f = floats.next();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      expect(f * 4294967296).toBe(words.nextUint32());
    }
    expect(new Rng(9).int(3, 5)).toBe(new Rng(9).int(3, 5));
    expect(new Rng(1).nextUint32()).not.toBe(new Rng(2).nextUint32());
  });

  it('keeps int() within [min, max] and reaches both ends', () => {
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = rng.int(3, 6);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(6);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });
});
