import { createFrameSpace, NO_FRAME } from '@framekit/core';
import { frameErrorCode } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import type { BitmapAllocator } from './api';
import { createBitmapAllocator } from './index';

/*
 * The scenarios of rcore-os/bitmap-allocator's own tests (v0.2.1), retold against our API.
 * Their "insert a range" is our freeRun, "remove a range" our allocRun, "dealloc" our
 * free (which throws DOUBLE_FREE where theirs returns false), and "next(k)", the first free
 * index at or after k, is read here from forEachFreeRun. Their fixed-base requests have no
 * counterpart (a FrameAllocator chooses the address); the same frames are reached with
 * lowest-first, aligned requests instead.
 */

function fresh(frames: number): BitmapAllocator {
  return createBitmapAllocator(createFrameSpace({ frames }));
}

/** The first free frame at or after `k`, or NO_FRAME. */
function nextFree(allocator: BitmapAllocator, k: number): number {
  let found = NO_FRAME;
  allocator.forEachFreeRun((start, count) => {
    if (found === NO_FRAME && start + count > k) found = Math.max(start, k);
  });
  return found;
}

describe('rcore bitmap-allocator scenarios', () => {
  it('16 frames: allocation order, double free, aligned runs and the holes they leave', () => {
    const a = fresh(16);
    // "remove 2..8": frames 2 to 7 become used.
    expect(a.allocRun(8)).toBe(0);
    a.freeRun(0, 2);
    expect([a.alloc(), a.alloc(), a.alloc()]).toEqual([0, 1, 8]);
    a.free(0);
    a.free(1);
    a.free(8);
    // 16 - 6 used = 10 frames, then nothing.
    for (let i = 0; i < 10; i++) expect(a.alloc()).not.toBe(NO_FRAME);
    expect(a.alloc()).toBe(NO_FRAME);
    expect(a.stats().freeFrames).toBe(0);

    a.freeRun(0, 16);
    expect(a.stats().freeFrames).toBe(16);
    const before = a.stats();
    expect(frameErrorCode(() => a.free(10))).toBe('DOUBLE_FREE');
    expect(frameErrorCode(() => a.free(0))).toBe('DOUBLE_FREE');
    expect(a.stats()).toEqual(before);

    expect(a.alloc()).toBe(0);
    expect(a.allocRun(2)).toBe(1);
    // Aligned to 2: frame 3 is skipped and stays free.
    expect(a.allocRun(2, { align: 2 })).toBe(4);
    expect(a.isFree(3)).toBe(true);
    expect(nextFree(a, 5)).toBe(6);
    expect(a.allocRun(3, { align: 8 })).toBe(8);
    expect(nextFree(a, 8)).toBe(11);
    expect(a.allocRun(2, { align: 2 })).toBe(6);

    a.freeRun(8, 3);
    expect(a.allocRun(3, { align: 4 })).toBe(8);
    // First fit reaches back for the hole the alignment left.
    expect(a.alloc()).toBe(3);
    expect(a.alloc()).toBe(11);
    expect(a.allocRun(3, { align: 4 })).toBe(12);
    expect(nextFree(a, 12)).toBe(15);
    expect(a.alloc()).toBe(15);
    expect(a.alloc()).toBe(NO_FRAME);
    expect(a.allocRun(1)).toBe(NO_FRAME);

    a.freeRun(6, 2);
    a.freeRun(8, 3);
    a.freeRun(11, 1);
    a.freeRun(12, 3);
    expect(a.stats().freeFrames).toBe(9);
    expect(nextFree(a, 0)).toBe(6);
  });

  it('4096 frames: only the four edge frames free, found lowest first', () => {
    const a = fresh(4096);
    // "remove 2..4094".
    expect(a.allocRun(4096)).toBe(0);
    a.freeRun(0, 2);
    a.freeRun(4094, 2);
    for (let pfn = 0; pfn < 4096; pfn++) expect(a.isFree(pfn)).toBe(pfn < 2 || pfn >= 4094);
    expect([a.alloc(), a.alloc(), a.alloc()]).toEqual([0, 1, 4094]);
    a.free(0);
    a.free(1);
    a.free(4094);
    for (let i = 0; i < 4; i++) expect(a.alloc()).not.toBe(NO_FRAME);
    expect(a.alloc()).toBe(NO_FRAME);
  });

  it('empty ranges: refused as requests, harmless as allocators', () => {
    const a = fresh(16);
    const before = a.stats();
    // rcore treats an empty range as a no-op; our contract calls a count of 0 a bad request.
    expect(frameErrorCode(() => a.freeRun(0, 0))).toBe('INVALID_REQUEST');
    expect(frameErrorCode(() => a.allocRun(0))).toBe('INVALID_REQUEST');
    a.freeMany([], 0);
    expect(a.allocMany([], 0)).toBe(true);
    expect(a.stats()).toEqual(before);
    expect(nextFree(a, 0)).toBe(0);

    const space = createFrameSpace({ frames: 64 });
    expect(frameErrorCode(() => createBitmapAllocator(space, [{ start: 4, count: 0 }]))).toBe(
      'INVALID_REQUEST',
    );
    const none = createBitmapAllocator(space, []);
    expect(none.alloc()).toBe(NO_FRAME);
    expect(none.allocRun(1)).toBe(NO_FRAME);
    expect(none.allocMany([0], 1)).toBe(false);
    expect(none.stats()).toEqual({ totalFrames: 0, freeFrames: 0, usedFrames: 0, metadataBytes: 0 });
    expect(nextFree(none, 0)).toBe(NO_FRAME);
    expect(frameErrorCode(() => none.free(3))).toBe('NOT_USABLE');
  });
});
