import { createFrameSpace, FrameError, NO_FRAME } from '@framekit/core';
import { describe, expect, it } from 'vitest';
import type { BitmapAllocator } from './api';
import { BITMAP_CAPABILITIES, createBitmapAllocator, MAX_ARENA_FRAMES, plugin } from './index';

function thrown(fn: () => unknown): FrameError {
  try {
    fn();
  } catch (error) {
    if (error instanceof FrameError) return error;
    throw error;
  }
  throw new Error('expected a FrameError');
}

/** Everything observable: stats and the free runs. */
function snapshot(allocator: BitmapAllocator): string {
  const runs: number[] = [];
  allocator.forEachFreeRun((start, count) => runs.push(start, count));
  return JSON.stringify([allocator.stats(), runs]);
}

const HOLES = createFrameSpace({
  frames: 4096,
  ranges: [
    { start: 1, count: 999 },
    { start: 1100, count: 900 },
    { start: 2048, count: 2048 },
  ],
});

describe('the bitmap plugin', () => {
  it('is named, states its capabilities and validates its options', () => {
    expect(plugin.name).toBe('bitmap');
    expect(plugin.capabilities).toEqual({ runs: 'any', below: true, freeRunPiecewise: true, allocAt: true });
    expect(plugin.capabilities).toBe(BITMAP_CAPABILITIES);
    const allocator = plugin.create(HOLES);
    expect(allocator.name).toBe('bitmap');
    expect(allocator.alloc()).toBe(1);
    expect(thrown(() => plugin.create(HOLES, undefined, { nextFit: 'yes' } as never)).code).toBe(
      'INVALID_REQUEST',
    );
    expect(thrown(() => plugin.create(HOLES, undefined, { firstFit: true } as never)).code).toBe(
      'INVALID_REQUEST',
    );
    expect(thrown(() => createBitmapAllocator(HOLES, [{ start: 990, count: 20 }])).code).toBe(
      'INVALID_REQUEST',
    );
  });

  it('refuses a usable range longer than one arena can hold', () => {
    const huge = createFrameSpace({ frames: MAX_ARENA_FRAMES + 1 });
    const error = thrown(() => createBitmapAllocator(huge));
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toMatch(/split it into zones/);
    // A zone of it is fine (kept small here: a full 2^31-frame arena needs a 256 MiB bitmap).
    const zone = createBitmapAllocator(huge, [{ start: MAX_ARENA_FRAMES - 2 ** 20, count: 2 ** 20 + 1 }]);
    expect(zone.stats().totalFrames).toBe(2 ** 20 + 1);
    expect(zone.allocRun(2 ** 20 + 1)).toBe(MAX_ARENA_FRAMES - 2 ** 20);
  });

  it('serves a full 2^31-frame arena that does not start at a multiple of 32 (issue 21, bug 2)', {
    timeout: 60_000,
  }, () => {
    // Bit offsets reach 2^31 here; a signed shift (`bit >> 5`) made them negative.
    const space = createFrameSpace({ frames: 2 ** 31 + 1, ranges: [{ start: 1, count: 2 ** 31 }] });
    const a = plugin.create(space);
    expect(a.stats()).toMatchObject({ totalFrames: 2 ** 31, freeFrames: 2 ** 31 });
    const last = 2 ** 31;
    expect(a.isFree(last)).toBe(true);
    expect(a.allocRun(1, { align: 2 ** 30 })).toBe(2 ** 30);
    expect(a.allocRun(1, { align: 2 ** 31 })).toBe(last);
    expect(a.isFree(last)).toBe(false);
    expect(a.isFree(last - 1)).toBe(true);
    // allocAt over the word boundary at bit offset 2^31: a taken frame in the last word refuses it.
    expect(a.allocAt!(last - 1, 2)).toBe(NO_FRAME);
    expect(a.allocAt!(last - 40, 41)).toBe(NO_FRAME);
    expect(a.isFree(last - 1)).toBe(true);
    expect(a.stats().usedFrames).toBe(2);
    expect(thrown(() => a.freeRun(last - 40, 41)).code).toBe('NOT_ALLOCATED');
    a.free(last);
    expect(thrown(() => a.free(last)).code).toBe('DOUBLE_FREE');
    // Runs in the top word, found through the summary and handed back piecewise.
    expect(a.allocRun(1, { align: 2 ** 31 })).toBe(last);
    expect(a.allocRun(16, { align: 2 ** 29 })).toBe(2 ** 29);
    expect(a.allocRun(16, { align: 2 ** 29 })).toBe(3 * 2 ** 29);
    a.freeMany([last, 2 ** 29 + 3], 2);
    a.freeRun(3 * 2 ** 29, 16);
    a.freeRun(2 ** 29 + 4, 12);
    a.freeRun(2 ** 29, 3);
    a.free(2 ** 30);
    const runs: number[] = [];
    a.forEachFreeRun?.((start, count) => runs.push(start, count));
    expect(runs).toEqual([1, 2 ** 31]);
    expect(a.stats().freeFrames).toBe(2 ** 31);
  });
});

describe('misuse changes nothing', () => {
  it('freeRun over a frame that is not allocated: NOT_ALLOCATED, naming it, freeing nothing', () => {
    const a = createBitmapAllocator(HOLES);
    expect(a.allocRun(100)).toBe(1);
    a.free(50);
    const before = snapshot(a);
    const error = thrown(() => a.freeRun(1, 100));
    expect(error.code).toBe('NOT_ALLOCATED');
    expect(error.details).toMatchObject({ pfn: 50 });
    expect(thrown(() => a.freeRun(90, 20)).code).toBe('NOT_ALLOCATED');
    expect(snapshot(a)).toBe(before);
    a.freeRun(1, 49);
    a.freeRun(51, 50);
    expect(a.stats().usedFrames).toBe(0);
  });

  it('freeRun whose only free frame is frame 0: NOT_ALLOCATED, naming it, freeing nothing', () => {
    const a = createBitmapAllocator(createFrameSpace({ frames: 64 }));
    expect(a.allocRun(4)).toBe(0);
    a.free(0);
    const before = snapshot(a);
    const error = thrown(() => a.freeRun(0, 4));
    expect(error.code).toBe('NOT_ALLOCATED');
    expect(error.details).toMatchObject({ pfn: 0 });
    expect(snapshot(a)).toBe(before);
    a.freeRun(1, 3);
    expect(a.stats().usedFrames).toBe(0);
  });

  it('freeRun into a hole or another zone is NOT_USABLE, before NOT_ALLOCATED', () => {
    const a = createBitmapAllocator(HOLES, [{ start: 1100, count: 900 }]);
    expect(a.allocRun(900)).toBe(1100);
    const before = snapshot(a);
    expect(thrown(() => a.freeRun(1990, 20)).code).toBe('NOT_USABLE'); // runs into the hole at 2000
    expect(thrown(() => a.freeRun(1090, 20)).code).toBe('NOT_USABLE');
    const other = thrown(() => a.free(5)); // usable, but another zone's
    expect(other.code).toBe('NOT_USABLE');
    expect(other.message).toMatch(/not managed/);
    expect(thrown(() => a.freeRun(4096, 1)).code).toBe('OUT_OF_RANGE');
    expect(thrown(() => a.freeRun(1100, 0)).code).toBe('INVALID_REQUEST');
    expect(snapshot(a)).toBe(before);
  });

  it('freeMany with a bad entry anywhere frees none and leaves no bit behind', () => {
    const a = createBitmapAllocator(HOLES);
    const out = new Float64Array(6);
    expect(a.allocMany(out, 6)).toBe(true);
    expect([...out]).toEqual([1, 2, 3, 4, 5, 6]);
    const before = snapshot(a);
    const listedTwice = thrown(() => a.freeMany([1, 2, 3, 2], 4));
    expect(listedTwice.code).toBe('DOUBLE_FREE');
    expect(listedTwice.message).toMatch(/listed twice/);
    expect(thrown(() => a.freeMany([1, 2, 7], 3)).code).toBe('DOUBLE_FREE');
    expect(thrown(() => a.freeMany([1, 2, Number.NaN], 3)).code).toBe('INVALID_REQUEST');
    expect(thrown(() => a.freeMany([1, 2, 1050], 3)).code).toBe('NOT_USABLE');
    expect(thrown(() => a.freeMany([1, 5000], 2)).code).toBe('OUT_OF_RANGE');
    expect(thrown(() => a.freeMany([1], 2)).code).toBe('INVALID_REQUEST');
    expect(snapshot(a)).toBe(before);
    for (let pfn = 1; pfn <= 6; pfn++) expect(a.isFree(pfn)).toBe(false);
    a.freeMany(Uint32Array.from([6, 1, 3, 2, 5, 4]), 6);
    expect(a.stats().usedFrames).toBe(0);
    expect(a.allocRun(999)).toBe(1);
  });

  it('allocMany and allocRun that cannot be served change nothing', () => {
    const a = createBitmapAllocator(HOLES);
    const before = snapshot(a);
    const out = new Float64Array(5000).fill(-7);
    expect(a.allocMany(out, 3948)).toBe(false);
    expect(out.every((v) => v === -7)).toBe(true);
    expect(a.allocRun(2049)).toBe(NO_FRAME);
    expect(a.allocRun(1000, { below: 2000 })).toBe(NO_FRAME);
    expect(a.allocRun(1, { align: 4096 })).toBe(NO_FRAME);
    expect(thrown(() => a.allocRun(4, { align: 3 })).code).toBe('INVALID_REQUEST');
    expect(thrown(() => a.allocRun(4, { below: -1 })).code).toBe('INVALID_REQUEST');
    expect(snapshot(a)).toBe(before);
    expect(a.allocMany(out, 3947)).toBe(true);
    expect(a.alloc()).toBe(NO_FRAME);
  });

  it('isFree never throws', () => {
    const a = createBitmapAllocator(HOLES);
    for (const pfn of [Number.NaN, -1, 0.5, 1e300, 4096, 0, 1000, 2047]) expect(a.isFree(pfn)).toBe(false);
    expect(a.isFree(1)).toBe(true);
  });
});

describe('next fit', () => {
  it('moves on from the last allocation and wraps around', () => {
    const space = createFrameSpace({ frames: 64 });
    const first = createBitmapAllocator(space);
    const next = createBitmapAllocator(space, undefined, { nextFit: true });
    for (const a of [first, next]) {
      expect(a.alloc()).toBe(0);
      a.free(0);
    }
    expect(first.alloc()).toBe(0);
    expect(next.alloc()).toBe(1);
    expect(next.allocRun(4, { align: 4 })).toBe(4);
    expect(next.allocRun(60)).toBe(NO_FRAME);
    expect(next.allocRun(50)).toBe(8);
    expect(next.allocRun(3)).toBe(58);
    // Past the end: back to the lowest free frames.
    expect(next.allocRun(3)).toBe(61);
    expect(next.alloc()).toBe(0);
    expect(next.alloc()).toBe(2);
    expect(next.allocRun(1, { below: 3 })).toBe(NO_FRAME);
  });
});

describe('bitmap words in host memory', () => {
  it('start unwritten (one shared all-free segment) and get their own at the first write, never touching the shared one', () => {
    // Three segments of 2^19 words (2^24 frames each) and a bit.
    const frames = 3 * 2 ** 24 + 4096;
    const a = createBitmapAllocator(createFrameSpace({ frames }));
    const b = createBitmapAllocator(createFrameSpace({ frames }));
    // Frames in every segment of `a` taken and some freed again.
    const taken = [0, 1, 2 ** 24 + 5, 2 * 2 ** 24 + 7, frames - 1];
    for (const pfn of taken) expect(a.allocAt!(pfn, 1)).toBe(pfn);
    expect(a.allocRun(64, { align: 64 })).toBe(64);
    a.free(1);
    a.freeMany(Float64Array.of(2 ** 24 + 5), 1);
    // `b`, and an allocator made after all that, still see every frame free.
    const c = createBitmapAllocator(createFrameSpace({ frames }));
    for (const other of [b, c]) {
      expect(other.stats().freeFrames).toBe(frames);
      for (const pfn of taken) expect(other.isFree(pfn)).toBe(true);
      expect(other.allocRun(frames)).toBe(0);
    }
    // `a` kept its own words.
    expect(a.isFree(0)).toBe(false);
    expect(a.isFree(1)).toBe(true);
    expect(a.isFree(2 * 2 ** 24 + 7)).toBe(false);
    expect(a.isFree(frames - 1)).toBe(false);
    expect(a.stats().freeFrames).toBe(frames - 3 - 64);
  });
});
