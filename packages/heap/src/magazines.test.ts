import { describe, expect, it } from 'vitest';
import { FRAME_BYTES } from './api';
import { MAGAZINE_ENTRIES, Magazines, MIN_ENTRIES } from './magazines';
import { SIZE_CLASSES, SLAB_CLASS_COUNT } from './size-classes';
import { spanClasses } from './spans';

const DEFAULT_CACHE_BYTES = 256 * 1024;

function magazines(sizes: readonly number[], cacheBytes = DEFAULT_CACHE_BYTES): Magazines {
  const cache = new Magazines(cacheBytes, 64);
  cache.setClasses(sizes, sizes[sizes.length - 1]);
  return cache;
}

describe('Magazines', () => {
  it('gives every small class at least 4 entries and at most 32, and the frame class frameCache', () => {
    for (const sizes of [SIZE_CLASSES.slice(0, SLAB_CLASS_COUNT), spanClasses(FRAME_BYTES - 1)]) {
      const cache = magazines(sizes);
      for (let c = 0; c < cache.frameClass; c++) {
        expect(cache.capacity[c]).toBeGreaterThanOrEqual(MIN_ENTRIES);
        expect(cache.capacity[c]).toBeLessThanOrEqual(MAGAZINE_ENTRIES);
      }
      expect(cache.capacity[cache.frameClass]).toBe(64);
    }
  });

  it('keeps what the README says: about cacheBytes for the slab, up to about 0.7 MiB for the spans', () => {
    expect(magazines(SIZE_CLASSES.slice(0, SLAB_CLASS_COUNT)).capacityBytes()).toBeLessThanOrEqual(
      DEFAULT_CACHE_BYTES,
    );
    const spans = magazines(spanClasses(FRAME_BYTES - 1)).capacityBytes();
    expect(spans).toBeGreaterThan(DEFAULT_CACHE_BYTES);
    expect(spans).toBeLessThanOrEqual(0.75 * 2 ** 20);
  });

  it('lowers the floor to what a small budget holds, never below one', () => {
    const cache = magazines(spanClasses(FRAME_BYTES - 1), 2 * 3000);
    const c = cache.ceilClass[Math.ceil(3000 / 16)];
    expect(cache.capacity[c]).toBe(1);
    expect(cache.capacity[cache.ceilClass[Math.ceil(1000 / 16)]]).toBe(4);
    expect(magazines(spanClasses(FRAME_BYTES - 1), 1).capacity[0]).toBe(1);
  });
});
