import { createFrameSpace, type FrameRange, NO_FRAME } from '@framekit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHier2mAllocator } from './index';

/** 512-aligned blocks of 512 frames inside one range: the 2 MiB pages a space can give. */
function hugeBlocks(ranges: readonly FrameRange[]): number {
  let n = 0;
  for (const r of ranges) n += Math.max(0, Math.floor((r.start + r.count) / 512) - Math.ceil(r.start / 512));
  return n;
}

/** Fisher–Yates with a small deterministic generator, so a failing seed replays. */
function shuffle(values: number[], seed: number): number[] {
  let s = seed >>> 0 || 1;
  for (let i = values.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
  return values;
}

const SHAPES = {
  /** 64 MiB from 0: eight entries below the 16 MiB low limit, 24 above. */
  'one range': { frames: 16384, ranges: [{ start: 0, count: 16384 }] },
  /** Region edges and one-page islands: partial entries next to whole ones. */
  'holes and islands': {
    frames: 12288,
    ranges: [
      { start: 1, count: 158 },
      { start: 256, count: 3840 },
      { start: 4097, count: 1 },
      { start: 4608, count: 5000 },
      { start: 10240, count: 2048 },
    ],
  },
} as const;

describe.each(Object.entries(SHAPES))('split and merge on %s', (_name, shape) => {
  it('drains every 2 MiB entry into 4 KiB frames; freed in any order, every 2 MiB entry comes back', () => {
    const space = createFrameSpace(shape);
    const total = space.usableFrames;
    const blocks = hugeBlocks(space.ranges);
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const a = createHier2mAllocator(space);
        expect(a.free2MiBEntries()).toBe(blocks);

        const frames: number[] = [];
        for (let pfn = a.alloc(); pfn !== NO_FRAME; pfn = a.alloc()) frames.push(pfn);
        expect(frames).toHaveLength(total);
        expect(new Set(frames).size).toBe(total);
        expect(frames.every((p) => space.isUsable(p))).toBe(true);
        expect(a.free2MiBEntries()).toBe(0);
        expect(a.stats().freeFrames).toBe(0);
        expect(a.allocRun(512, { align: 512 })).toBe(NO_FRAME);

        for (const pfn of shuffle(frames, seed)) a.free(pfn);
        expect(a.stats().freeFrames).toBe(total);
        expect(a.free2MiBEntries()).toBe(blocks);

        const pages: number[] = [];
        for (let i = 0; i < blocks; i++) pages.push(a.allocRun(512, { align: 512 }));
        expect(pages.every((p) => p !== NO_FRAME && p % 512 === 0)).toBe(true);
        expect(new Set(pages).size).toBe(blocks);
        expect(a.allocRun(512, { align: 512 })).toBe(NO_FRAME);
        for (const p of shuffle(pages, seed + 1)) a.freeRun(p, 512);
        expect(a.free2MiBEntries()).toBe(blocks);
        expect(a.stats().freeFrames).toBe(total);
      }),
      { numRuns: 6 },
    );
  });

  it('takes low memory last: every frame above the low limit goes out before any below it', () => {
    const space = createFrameSpace(shape);
    const a = createHier2mAllocator(space);
    const frames: number[] = [];
    for (let pfn = a.alloc(); pfn !== NO_FRAME; pfn = a.alloc()) frames.push(pfn);
    const firstLow = frames.findIndex((p) => p < 4096);
    expect(frames.slice(firstLow).every((p) => p < 4096)).toBe(true);
    expect(frames.slice(0, firstLow).every((p) => p >= 4096)).toBe(true);
  });
});
