import { describe, expect, it } from 'vitest';
import { EntryMap } from './entry-map';

describe('EntryMap', () => {
  const map = new EntryMap([
    { start: 1, count: 158 },
    { start: 256, count: 1000 }, // shares entry 0 with the first range: one segment
    { start: 1 << 20, count: 512 }, // a second segment, exactly one entry
    { start: 2 ** 39 + 100, count: 1 }, // a third, far up
  ]);

  it('keeps entries only where ranges are', () => {
    expect(map.segments).toBe(3);
    expect(map.count).toBe(3 + 1 + 1);
    expect(map.byteLength).toBe(3 * 3 * 8);
  });

  it('locates frames in address order and nothing between segments', () => {
    expect(map.locate(0)).toBe(0);
    expect(map.locate(1255)).toBe(2);
    expect(map.locate(1536)).toBe(-1);
    expect(map.locate((1 << 20) - 1)).toBe(-1);
    expect(map.locate(1 << 20)).toBe(3);
    expect(map.locate((1 << 20) + 511)).toBe(3);
    expect(map.locate((1 << 20) + 512)).toBe(-1);
    expect(map.locate(2 ** 39 + 511)).toBe(4);
    expect(map.locate(2 ** 39 + 512)).toBe(-1);
    for (const bad of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60])
      expect(map.locate(bad)).toBe(-1);
  });

  it('counts entries below a global entry number', () => {
    expect(map.countBelow(0)).toBe(0);
    expect(map.countBelow(1)).toBe(1);
    expect(map.countBelow(3)).toBe(3);
    expect(map.countBelow(1000)).toBe(3);
    expect(map.countBelow(2048)).toBe(3);
    expect(map.countBelow(2049)).toBe(4);
    expect(map.countBelow(2 ** 30 + 1)).toBe(5);
  });

  it('numbers page fields 16 to an entry', () => {
    expect(map.wordOf(0)).toBe(0);
    expect(map.wordOf(1055)).toBe(32);
    expect(map.wordOf((1 << 20) + 33)).toBe(3 * 16 + 1);
    expect([0, 1, 2, 3, 4].map((e) => map.globalOf(e))).toEqual([0, 1, 2, 2048, 2 ** 30]);
    expect([4, 0, 3, 1].map((e) => map.globalOf(e))).toEqual([2 ** 30, 0, 2048, 1]);
  });

  it('joins spans that touch at an entry boundary into one segment', () => {
    const touching = new EntryMap([
      { start: 0, count: 512 },
      { start: 512, count: 100 },
    ]);
    expect(touching.segments).toBe(1);
    expect(touching.count).toBe(2);
    // Entries [0, 1) and [1, 2): the ranges do not touch, their entries do.
    const apart = new EntryMap([
      { start: 0, count: 300 },
      { start: 600, count: 10 },
    ]);
    expect(apart.segments).toBe(1);
    expect(apart.locate(605)).toBe(1);
    expect(apart.byteLength).toBe(3 * 8);
  });

  it('copes with no ranges at all', () => {
    const empty = new EntryMap([]);
    expect(empty.count).toBe(0);
    expect(empty.locate(0)).toBe(-1);
    expect(empty.countBelow(10)).toBe(0);
  });
});
