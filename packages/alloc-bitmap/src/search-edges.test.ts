import { createFrameSpace, NO_FRAME } from '@framekit/core';
import { describe, expect, it } from 'vitest';
import { createBitmapAllocator } from './index';

/** Stats and free runs: everything a refusal must leave as it was. */
function snapshot(a: ReturnType<typeof createBitmapAllocator>): string {
  const runs: number[] = [];
  a.forEachFreeRun((start, count) => runs.push(start, count));
  return JSON.stringify([a.stats(), runs]);
}

describe('next fit, single frames', () => {
  it('takes the lowest free frame at or after the rover, not a free frame below it', () => {
    // Three blocks of 1024 frames: the free index's level 1 uses 3 bits of its one word.
    const a = createBitmapAllocator(createFrameSpace({ frames: 3072 }), undefined, { nextFit: true });
    expect(a.allocRun(100)).toBe(0); // the rover is now frame 100, inside word 3
    expect(a.allocAt(100, 1180)).toBe(100); // frames 100 … 1279 used; allocAt leaves the rover
    // A free frame in an earlier word of the rover's index word is behind the rover.
    a.free(64);
    expect(a.alloc()).toBe(1280);
    // So is a free frame below the rover in the rover's own word (1281 … 1311 used).
    expect(a.allocAt(1281, 31)).toBe(1281);
    a.free(1280);
    expect(a.alloc()).toBe(1312);
    // Every frame from the rover on used: the search wraps to the free frames below it.
    expect(a.allocAt(1313, 3072 - 1313)).toBe(1313);
    expect(a.alloc()).toBe(64);
    expect(a.alloc()).toBe(1280);
    expect(a.alloc()).toBe(NO_FRAME);
    expect(a.stats().freeFrames).toBe(0);
  });

  it('wraps to a frame below the rover when the first free frame after it is exactly at below', () => {
    const a = createBitmapAllocator(createFrameSpace({ frames: 64 }), undefined, { nextFit: true });
    expect(a.allocRun(10)).toBe(0); // the rover is now frame 10, which is free
    a.free(2);
    expect(a.allocRun(1, { below: 10 })).toBe(2);
    expect(a.allocRun(1, { below: 10 })).toBe(NO_FRAME);
    expect(a.isFree(10)).toBe(true);
  });
});

describe('run search inside one word', () => {
  it('refuses a fit strictly inside a word that would end past below, changing nothing', () => {
    // Frames 0 and 1023 used: the free run 1 … 1022 touches neither edge of the block.
    const a = createBitmapAllocator(createFrameSpace({ frames: 2048 }));
    expect(a.allocAt(0, 1)).toBe(0);
    expect(a.allocAt(1023, 1)).toBe(1023);
    const before = snapshot(a);
    expect(a.allocRun(4, { below: 4 })).toBe(NO_FRAME);
    expect(a.allocRun(8, { align: 2, below: 9 })).toBe(NO_FRAME);
    expect(snapshot(a)).toBe(before);
    expect(a.allocRun(4, { below: 5 })).toBe(1);
    expect(a.allocRun(8, { align: 2, below: 14 })).toBe(6);
  });
});

describe('the padding after a range', () => {
  it('is never part of a run, even when the range ends one frame before a block boundary', () => {
    // 1023 frames: frame 1023 is padding, in the last word of the only block.
    const a = createBitmapAllocator(createFrameSpace({ frames: 2048, ranges: [{ start: 0, count: 1023 }] }));
    expect(a.allocAt(0, 5)).toBe(0);
    expect(a.allocAt(6, 1016)).toBe(6); // free: frames 5 and 1022
    const before = snapshot(a);
    expect(a.allocRun(2)).toBe(NO_FRAME);
    expect(snapshot(a)).toBe(before);
    const runs: number[] = [];
    a.forEachFreeRun((start, count) => runs.push(start, count));
    expect(runs).toEqual([5, 1, 1022, 1]);
  });
});
