import { createFrameSpace } from '@framekit/core';
import { frameErrorCode } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createEmptyHier2mAllocator, createHier2mAllocator } from './plugin';

describe('createEmpty', () => {
  // Frames 0..1023 wholly ours (two entries), then a partial entry 1024..1300.
  const space = createFrameSpace({ frames: 2048, ranges: [{ start: 0, count: 1300 }] });

  it('starts with every frame in use and takes 2 MiB pages and single frames back', () => {
    const h = createEmptyHier2mAllocator(space);
    expect(h.stats()).toMatchObject({ totalFrames: 1300, freeFrames: 0, usedFrames: 1300 });
    expect(h.alloc()).toBe(-1);
    expect(h.allocRun(512, { align: 512 })).toBe(-1);
    expect(h.isFree(0)).toBe(false);
    h.freeRun(512, 512);
    expect(h.stats().freeFrames).toBe(512);
    expect(h.isFree(700)).toBe(true);
    expect(h.allocRun(512, { align: 512 })).toBe(512);
    h.free(1100);
    expect(h.alloc()).toBe(1100);
    h.freeRun(512, 512);
    h.freeRun(0, 512);
    // Misuse of an empty allocator: a part of an allocated 2 MiB page, a double free, a hole.
    expect(frameErrorCode(() => h.freeRun(512, 512))).toBe('NOT_ALLOCATED');
    expect(frameErrorCode(() => h.free(1400))).toBe('NOT_USABLE');
    expect(h.stats().freeFrames).toBe(1024);
  });

  it('forEachFreeRun ends a run at a partial entry whose chunk of entries holds nothing', () => {
    // 100 entries (chunks of 32): a hole [16684, 16996) makes entries 32 and 33 partial.
    const holed = createFrameSpace({
      frames: 51200,
      ranges: [
        { start: 0, count: 16684 },
        { start: 16996, count: 51200 - 16996 },
      ],
    });
    const h = createEmptyHier2mAllocator(holed, holed.ranges, { lowLimit: 0 });
    const runs = () => {
      const out: [number, number][] = [];
      h.forEachFreeRun((start, count) => out.push([start, count]));
      return out;
    };
    // The last entry of chunk 0, as a page; entry 32, the first of chunk 1, has no slot yet.
    h.freeRun(31 * 512, 512);
    expect(runs()).toEqual([[15872, 512]]);
    h.free(16500);
    expect(runs()).toEqual([
      [15872, 512],
      [16500, 1],
    ]);
  });

  it('once everything is given back, serves like a full start', () => {
    const h = createEmptyHier2mAllocator(space);
    const full = createHier2mAllocator(space);
    h.freeRun(0, 512);
    h.freeRun(512, 512);
    for (let pfn = 1024; pfn < 1300; pfn++) h.free(pfn);
    expect(h.stats()).toEqual(full.stats());
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 1300; i++) {
      a.push(h.alloc());
      b.push(full.alloc());
    }
    expect(a.sort((x, y) => x - y)).toEqual(b.sort((x, y) => x - y));
  });
});
