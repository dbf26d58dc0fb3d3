import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { FrameMap } from './frame-map';

describe('FrameMap', () => {
  it('agrees with a Map through random sets and takes, growing and shrinking', () => {
    const rng = new Rng(7);
    const map = new FrameMap();
    const model = new Map<number, number>();
    // Keys in a narrow band (many shared probe chains), also past 2^32 with the same low bits.
    const key = () => rng.int(0, 4096) * 512 + (rng.chance(0.2) ? 2 ** 33 : 0);
    for (let step = 0; step < 60_000; step++) {
      const k = key();
      if (rng.chance(step < 30_000 ? 0.6 : 0.3)) {
        const v = rng.int(1, 1 << 20);
        map.set(k, v);
        model.set(k, v);
      } else if (rng.chance(0.5)) {
        expect(map.take(k)).toBe(model.get(k) ?? 0);
        model.delete(k);
      } else {
        // Taken only when its value lies in the range asked; else nothing changes.
        const lo = rng.int(1, 1 << 20);
        const v = model.get(k);
        const hit = v !== undefined && v >= lo && v < lo + (1 << 18);
        expect(map.takeIfIn(k, lo, lo + (1 << 18))).toBe(hit ? v : 0);
        if (hit) model.delete(k);
      }
      if (step % 997 === 0) {
        expect(map.size).toBe(model.size);
        for (const [mk, mv] of model) expect(map.get(mk)).toBe(mv);
      }
    }
    for (const k of [...model.keys()]) expect(map.take(k)).toBe(model.get(k));
    expect(map.size).toBe(0);
    // Emptied, it has shrunk back to the size below which it keeps its slots (1,024).
    expect(map.bytes()).toBe(1024 * 16);
  });

  it('answers 0 for keys that are not frames', () => {
    const map = new FrameMap();
    map.set(5, 9);
    for (const k of [0.5, Number.NaN, -1, 6, 2 ** 32 + 5]) expect(map.get(k)).toBe(0);
    expect(map.take(Number.NaN)).toBe(0);
    expect(map.get(5)).toBe(9);
  });
});

describe('FrameMap sizes', () => {
  it('keeps its slots when it empties and fills again (no resize per batch)', () => {
    const map = new FrameMap();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 300; i++) map.set(i * 512, i + 1);
      const full = map.bytes();
      for (let i = 0; i < 300; i++) expect(map.take(i * 512)).toBe(i + 1);
      expect(map.bytes()).toBe(full);
    }
  });
});
