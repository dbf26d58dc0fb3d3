import { createFrameSpace, type FrameRange, GiB, MAX_PFN, NO_FRAME, TiB } from '@framekit/core';
import { frameErrorCode } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import { BYTES_PER_ENTRY, createHier2mAllocator, type Hier2mAllocator } from './index';

const frames = (bytes: number) => bytes / 4096;

function hugeBlocks(ranges: readonly FrameRange[]): number {
  let n = 0;
  for (const r of ranges) n += Math.max(0, Math.floor((r.start + r.count) / 512) - Math.ceil(r.start / 512));
  return n;
}

/** Takes every 2 MiB page, checks each, and gives them all back. */
function cycleAllPages(a: Hier2mAllocator, expected: number): void {
  const pages: number[] = [];
  for (let p = a.allocRun(512, { align: 512 }); p !== NO_FRAME; p = a.allocRun(512, { align: 512 })) {
    pages.push(p);
  }
  expect(pages).toHaveLength(expected);
  expect(pages.every((p) => p % 512 === 0 && a.space.isUsable(p) && a.space.isUsable(p + 511))).toBe(true);
  expect(new Set(pages).size).toBe(expected);
  for (const p of pages) a.freeRun(p, 512);
  expect(a.free2MiBEntries()).toBe(expected);
}

describe('no 64 GiB limit: entries sized from the frame space', () => {
  it('a sparse 1 TiB space costs only the entries its memory needs', () => {
    const top = frames(TiB);
    const ranges = [
      { start: 0, count: frames(64 * 2 ** 20) },
      { start: top / 2 + 1, count: 5000 },
      { start: top - frames(32 * 2 ** 20), count: frames(32 * 2 ** 20) },
    ];
    const space = createFrameSpace({ frames: top, ranges });
    const a = createHier2mAllocator(space);
    const s = a.stats();
    expect(s.totalFrames).toBe(space.usableFrames);
    expect(s.entries).toBe(32 + 10 + 16);
    expect(s.metadataBytes).toBeLessThan(s.entries * BYTES_PER_ENTRY + 1024);
    cycleAllPages(a, hugeBlocks(ranges));
    // The top of the space works like the bottom.
    const last = top - 1;
    expect(a.isFree(last)).toBe(true);
    expect(a.inspectEntry(last)!.entry).toBe(top / 512 - 1);
    expect(a.isFree(top / 2)).toBe(false); // the hole just before the middle range
    expect(a.isFree(top / 4)).toBe(false); // nowhere near any memory
    expect(frameErrorCode(() => a.free(top / 2))).toBe('NOT_USABLE');
    expect(frameErrorCode(() => a.free(top / 4))).toBe('NOT_USABLE');
    expect(frameErrorCode(() => a.free(top))).toBe('OUT_OF_RANGE');
    // The middle range's first entry is partial (frame top/2 is a hole): 4 KiB frames only.
    expect(a.inspectEntry(top / 2 + 1)!.partial).toBe(true);
    const middle = createHier2mAllocator(space, [ranges[1]]);
    expect(middle.allocRun(512, { align: 512, below: top / 2 + 512 })).toBe(NO_FRAME);
    expect(middle.allocBelow(top / 2 + 512)).toBe(top / 2 + 1);
    cycleAllPages(middle, 8);
  });

  it('keeps metadata near one bit per frame (plus small summaries) on a 64 GiB PC', () => {
    const space = createFrameSpace({
      frames: frames(66 * GiB),
      ranges: [
        { start: 1, count: 158 },
        { start: 256, count: frames(3 * GiB) - 256 },
        { start: frames(4 * GiB), count: frames(62 * GiB) },
      ],
    });
    const a = createHier2mAllocator(space);
    const perFrame = a.stats().metadataBytes / space.usableFrames;
    expect(perFrame).toBeLessThan(0.125 * 1.25);
    expect(perFrame).toBeGreaterThan(0.125);
  });

  it('a 12 TiB machine with sparse memory, given as ranges, stays small', () => {
    const top = frames(12 * TiB);
    const ranges = [
      { start: 1, count: 158 }, // low memory with the BIOS's page 0 and the VGA hole cut out
      { start: 256, count: frames(2 * GiB) - 256 },
      { start: frames(4 * GiB), count: frames(4 * GiB) },
      { start: frames(6 * TiB), count: frames(GiB) }, // a second node's memory
      { start: top - frames(GiB), count: frames(GiB) - 7 }, // the top, minus a firmware tail
    ];
    const space = createFrameSpace({ frames: top, ranges });
    const a = createHier2mAllocator(space);
    const s = a.stats();
    expect(s.totalFrames).toBe(space.usableFrames);
    // 8 GiB of RAM in 12 TiB: 4096 entries (about 330 KB), not the 6 million a flat array would need.
    expect(s.entries).toBe(4096);
    expect(s.metadataBytes).toBeLessThan(4096 * BYTES_PER_ENTRY + 4096);
    expect(s.metadataBytes).toBeLessThan(400_000);
    expect(a.free2MiBEntries()).toBe(hugeBlocks(ranges));

    // Frame numbers past 2^31 encode (entry, field, bit) like small ones.
    const high = top - frames(GiB) + 12345;
    expect(high).toBeGreaterThan(2 ** 31);
    const e = a.inspectEntry(high)!;
    expect(e.entry).toBe(Math.floor(high / 512));
    expect(e.firstFrame).toBe(Math.floor(high / 512) * 512);

    // A bound in the middle of the map: the lowest 2 MiB page above the DMA limit, found by the
    // summary bitmap; with a bound inside the second node, its pages qualify too.
    const belowNode2 = frames(6 * TiB) + frames(GiB);
    expect(a.allocRun(512, { align: 512, below: belowNode2 })).toBe(frames(16 * 2 ** 20));
    a.freeRun(frames(16 * 2 ** 20), 512);
    const lower: number[] = [];
    for (let p = a.allocRun(512, { align: 512, below: frames(8 * GiB) }); p !== NO_FRAME; ) {
      lower.push(p);
      p = a.allocRun(512, { align: 512, below: frames(8 * GiB) });
    }
    expect(lower).toHaveLength(hugeBlocks(ranges.slice(0, 3)));
    const fromNode2 = a.allocRun(512, { align: 512, below: belowNode2 });
    expect(fromNode2).toBe(frames(6 * TiB));
    a.freeRun(fromNode2, 512);
    for (const p of lower) a.freeRun(p, 512);

    // Drain the top node frame by frame via a bound, and give it back.
    const taken: number[] = [];
    const topStart = top - frames(GiB);
    for (let i = 0; i < 2000; i++) taken.push(a.allocBelow(top));
    expect(taken.every((p) => p !== NO_FRAME)).toBe(true);
    for (const p of taken) a.free(p);
    expect(a.stats().freeFrames).toBe(space.usableFrames);
    expect(a.isFree(topStart)).toBe(true);
    expect(a.isFree(top - 1)).toBe(false); // the firmware tail
    expect(frameErrorCode(() => a.free(top - 1))).toBe('NOT_USABLE');
    cycleAllPages(a, hugeBlocks(ranges));
  });

  it('reaches the x86-64 limit: frames near 2^40', () => {
    const ranges = [
      { start: 0, count: 1024 },
      { start: MAX_PFN - 2048, count: 2048 },
    ];
    const space = createFrameSpace({ frames: MAX_PFN, ranges });
    const a = createHier2mAllocator(space, space.ranges, { lowLimit: 0 });
    expect(a.stats().entries).toBe(6);
    const got: number[] = [];
    for (let p = a.alloc(); p !== NO_FRAME; p = a.alloc()) got.push(p);
    expect(got).toHaveLength(3072);
    expect(got.filter((p) => p >= MAX_PFN - 2048)).toHaveLength(2048);
    expect(Math.max(...got)).toBe(MAX_PFN - 1);
    for (const p of got) a.free(p);
    expect(a.free2MiBEntries()).toBe(6);
    const top = a.allocRun(512, { align: 512, below: MAX_PFN });
    expect(top % 512).toBe(0);
    expect(a.isFree(top)).toBe(false);
    expect(frameErrorCode(() => a.free(top + 3))).toBe('NOT_ALLOCATED');
    a.freeRun(top, 512);
    let runs = 0;
    a.forEachFreeRun((start, count) => {
      runs++;
      expect([0, MAX_PFN - 2048]).toContain(start);
      expect([1024, 2048]).toContain(count);
    });
    expect(runs).toBe(2);
  });
});
