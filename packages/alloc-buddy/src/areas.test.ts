import { createFrameSpace, type FrameRange, NO_FRAME } from '@framekit/core';
import { frameErrorCode } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import type { BuddyAllocator } from './api';
import { createBuddyAllocator } from './index';

/*
 * How the buddy cuts its ranges into areas: ranges that touch share one area (blocks merge
 * across the point where they touch), ranges with a hole between them do not, and a stretch is
 * cut at every multiple of 2^31 frames (8 TiB) so that offsets inside an area stay below 2^31.
 */

function buddy(frames: number, ranges: FrameRange[], maxOrder: number): BuddyAllocator {
  return createBuddyAllocator(createFrameSpace({ frames, ranges }), undefined, { maxOrder });
}

describe('areas', () => {
  it('ranges passed that touch share one area: blocks merge across the point where they touch', () => {
    const space = createFrameSpace({ frames: 64 });
    const ranges = [
      { start: 0, count: 8 },
      { start: 8, count: 8 },
    ];
    const a = createBuddyAllocator(space, ranges, { maxOrder: 4 });
    expect(a.freeBlocksPerOrder()).toEqual([0, 0, 0, 0, 1]);
    expect(a.allocRun(16)).toBe(0);
    a.freeRun(4, 8);
    expect(a.freeBlocksPerOrder()).toEqual([0, 0, 2, 0, 0]);
    a.freeRun(0, 4);
    a.freeRun(12, 4);
    expect(a.freeBlocksPerOrder()).toEqual([0, 0, 0, 0, 1]);
  });

  it('a run across a hole between two areas throws NOT_USABLE and changes nothing', () => {
    const ranges = [
      { start: 0, count: 16 },
      { start: 20, count: 16 },
    ];
    // Every frame free: allocAt throws for the hole (it does not answer NO_FRAME).
    const free = buddy(64, ranges, 4);
    const blocks = free.freeBlocksPerOrder();
    expect(frameErrorCode(() => free.allocAt(10, 20))).toBe('NOT_USABLE');
    expect(free.freeBlocksPerOrder()).toEqual(blocks);
    expect(free.stats().freeFrames).toBe(32);
    // Every frame allocated: freeRun throws for the hole and frees nothing.
    const used = buddy(64, ranges, 4);
    expect(used.allocAt(0, 16)).toBe(0);
    expect(used.allocAt(20, 16)).toBe(20);
    expect(frameErrorCode(() => used.freeRun(10, 20))).toBe('NOT_USABLE');
    expect(frameErrorCode(() => used.freeRun(16, 4))).toBe('NOT_USABLE');
    expect(used.stats().freeFrames).toBe(0);
    expect(used.freeBlocksPerOrder()).toEqual([0, 0, 0, 0, 0]);
    used.freeRun(10, 6);
    used.freeRun(20, 10);
    used.freeRun(0, 10);
    used.freeRun(30, 6);
    expect(used.freeBlocksPerOrder()).toEqual(blocks);
  });

  it('with more than 32 areas, alloc takes the lowest free frame of them all', () => {
    // 40 one-frame ranges at the even frames: 40 areas, two words of per-order area bits.
    const ranges = Array.from({ length: 40 }, (_, k) => ({ start: 2 * k, count: 1 }));
    const a = buddy(80, ranges, 3);
    for (let k = 0; k < 40; k++) expect(a.alloc()).toBe(2 * k);
    expect(a.alloc()).toBe(NO_FRAME);
    a.free(70);
    a.free(2);
    a.free(66);
    expect(a.alloc()).toBe(2);
    expect(a.alloc()).toBe(66);
    expect(a.allocRun(1, { below: 70 })).toBe(NO_FRAME);
    expect(a.allocRun(1)).toBe(70);
  });

  it('cuts a stretch longer than 2^31 frames at 2^31: the frames past the cut are allocated and freed as any other', () => {
    const cut = 2 ** 31;
    const gib = 2 ** 18;
    // One range of 2^31 frames from frame 1: areas [1, 2^31) and [2^31, 2^31 + 1).
    const a = buddy(cut + 2, [{ start: 1, count: cut }], 18);
    const blocks = a.freeBlocksPerOrder();
    expect(a.allocAt(cut, 1)).toBe(cut);
    expect(a.isFree(cut)).toBe(false);
    expect(a.isFree(cut - 1)).toBe(true);
    expect(a.allocAt(cut - gib, gib)).toBe(cut - gib);
    expect(a.stats().usedFrames).toBe(gib + 1);
    a.freeRun(cut - 2, 3); // across the cut
    expect(a.allocAt(cut - 2, 3)).toBe(cut - 2);
    a.free(cut);
    a.freeRun(cut - gib, gib - 1);
    a.free(cut - 1);
    expect(a.stats().usedFrames).toBe(0);
    expect(a.freeBlocksPerOrder()).toEqual(blocks);
  });

  it('does not cut at a multiple of 2^30 frames: a run longer than a top block is found across one', () => {
    const at = 2 ** 30 - 8;
    const a = buddy(2 ** 31, [{ start: at, count: 16 }], 2);
    expect(a.allocRun(16)).toBe(at);
    a.freeRun(at, 16);
    expect(a.freeBlocksPerOrder()).toEqual([0, 0, 4]);
  });
});
