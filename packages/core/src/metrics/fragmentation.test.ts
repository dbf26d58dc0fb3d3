import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FrameAllocator } from '../api';
import { isFrameError } from '../errors';
import { createFrameSpace } from '../frame-space';
import { TEST_PLUGINS } from '../router/__fixtures__/plugins';
import { routerPresets } from '../router/presets';
import { createRouter } from '../router/router';
import { createBaselineAllocator } from '../testing/baseline';
import { parseBuddyInfo } from './buddyinfo';
import { addBuddyBlocks, fragmentationIndices, measureFragmentation } from './fragmentation';

const NEVER = -1000;

describe('fragmentationIndices (mm/vmstat.c arithmetic)', () => {
  it('gives 1000 unusable and 0 fragmentation when nothing is free', () => {
    expect(fragmentationIndices(new Array(11).fill(0))).toEqual({
      unusableIndex: new Array(11).fill(1000),
      fragmentationIndex: new Array(11).fill(0),
    });
  });

  it('matches hand-computed values for four free single frames', () => {
    // free_pages 4, free_blocks_total 4, nothing of order >= 1 is free.
    // unusable(0) = (4 - 4) * 1000 / 4 = 0;   unusable(k >= 1) = (4 - 0) * 1000 / 4 = 1000.
    // fragmentation(1) = 1000 - (1000 + 4 * 1000 / 2) / 4 = 1000 - 3000 / 4 = 250
    // fragmentation(2) = 1000 - (1000 + 1000) / 4 = 500;  (3): 1000 - 1500 / 4 = 625 (integer division)
    // fragmentation(4) = 1000 - (1000 + 250) / 4 = 688;   (10): 1000 - (1000 + 3) / 4 = 750
    const { unusableIndex, fragmentationIndex } = fragmentationIndices([4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(unusableIndex).toEqual([0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000]);
    expect(fragmentationIndex).toEqual([NEVER, 250, 500, 625, 688, 719, 735, 743, 747, 749, 750]);
  });

  it('matches hand-computed values for two frames and one pair', () => {
    // free_pages 2 + 2 = 4, free_blocks_total 3.
    // unusable(1): one suitable order-1 block, (4 - 1 * 2) * 1000 / 4 = 500.
    // fragmentation(2) = 1000 - (1000 + 4 * 1000 / 4) / 3 = 1000 - 2000 / 3 = 1000 - 666 = 334.
    const { unusableIndex, fragmentationIndex } = fragmentationIndices([2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(unusableIndex.slice(0, 3)).toEqual([0, 500, 1000]);
    expect(fragmentationIndex.slice(0, 4)).toEqual([NEVER, NEVER, 334, 500]);
  });

  it('goes below zero as the kernel does when one small block is all that is free', () => {
    // One free frame, order 1: 1000 - (1000 + 1 * 1000 / 2) / 1 = -500 (the kernel's int result).
    expect(fragmentationIndices([1, 0, 0]).fragmentationIndex).toEqual([NEVER, -500, -250]);
  });

  it('refuses counts that are not non-negative integers', () => {
    for (const bad of [[], [1.5], [-1], [Number.NaN]]) {
      let error: unknown;
      try {
        fragmentationIndices(bad);
      } catch (e) {
        error = e;
      }
      expect(isFrameError(error, 'INVALID_REQUEST')).toBe(true);
    }
  });
});

describe('real /proc/buddyinfo lines', () => {
  const text = readFileSync(new URL('./__fixtures__/buddyinfo.txt', import.meta.url), 'utf8');
  const zones = parseBuddyInfo(text);

  it('parse into node, zone and 11 counts', () => {
    expect(zones.map((z) => [z.node, z.zone, z.freeBlocksPerOrder.length])).toEqual([
      [0, 'Normal', 11],
      [0, 'Normal', 11],
      [0, 'DMA', 11],
      [0, 'DMA32', 11],
      [0, 'Normal', 11],
    ]);
    expect(zones[2].freeBlocksPerOrder).toEqual([10, 2, 2, 3, 3, 3, 3, 2, 2, 0, 0]);
  });

  // Expected values worked out independently with exact integer arithmetic from the same lines.
  const expected = [
    {
      what: 'android, EROFS large folios on',
      unusable: [0, 13, 63, 130, 209, 299, 385, 455, 505, 532, 543],
      fragmentation: new Array(11).fill(NEVER),
    },
    {
      what: 'android, EROFS large folios off',
      unusable: [0, 9, 19, 28, 38, 50, 59, 64, 67, 68, 68],
      fragmentation: new Array(11).fill(NEVER),
    },
    {
      // 1150 free frames, 30 blocks, none of order 9 or 10: fragmentation(9) = 1000 - (1000 + 1150000 / 512) / 30
      // = 1000 - (1000 + 2246) / 30 = 1000 - 108 = 892; fragmentation(10) = 1000 - (1000 + 1123) / 30 = 930.
      what: 'x86 just rebooted, DMA',
      unusable: [0, 8, 12, 19, 40, 81, 165, 332, 554, 1000, 1000],
      fragmentation: [NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, 892, 930],
    },
    {
      what: 'x86 just rebooted, DMA32',
      unusable: [0, 16, 33, 117, 208, 303, 308, 331, 355, 447, 570],
      fragmentation: new Array(11).fill(NEVER),
    },
    {
      what: 'Raspberry Pi after 30 minutes',
      unusable: [0, 0, 0, 1, 1, 1, 2, 3, 5, 11, 24],
      fragmentation: new Array(11).fill(NEVER),
    },
  ];
  expected.forEach(({ what, unusable, fragmentation }, i) => {
    it(`give the kernel's indices: ${what}`, () => {
      const indices = fragmentationIndices(zones[i].freeBlocksPerOrder);
      expect(indices.unusableIndex).toEqual(unusable);
      expect(indices.fragmentationIndex).toEqual(fragmentation);
    });
  });

  it('refuses a line that is not buddyinfo', () => {
    expect(() => parseBuddyInfo('Node 0, zone Normal 1 2 3\nMemTotal: 1024 kB')).toThrow(
      /line 2 is not a buddyinfo line/,
    );
  });
});

describe('addBuddyBlocks', () => {
  it('cuts a run into naturally aligned power-of-two blocks, as a buddy allocator holds them', () => {
    const blocks = new Array(11).fill(0);
    // [3, 512): 3 | 4–7 | 8–15 | 16–31 | 32–63 | 64–127 | 128–255 | 256–511
    addBuddyBlocks(blocks, 3, 509);
    expect(blocks).toEqual([1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    const big = new Array(11).fill(0);
    addBuddyBlocks(big, 1024 * 5 - 1, 1024 * 1000 + 2);
    expect(big).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1000]);
  });
});

/** The same allocator, without its free-run iterator: metrics fall back to isFree. */
function withoutIterator(a: FrameAllocator): FrameAllocator {
  return {
    name: a.name,
    capabilities: a.capabilities,
    space: a.space,
    ranges: a.ranges,
    alloc: () => a.alloc(),
    allocMany: (o, n) => a.allocMany(o, n),
    allocRun: (n, opts) => a.allocRun(n, opts),
    free: (p) => a.free(p),
    freeMany: (p, n) => a.freeMany(p, n),
    freeRun: (p, n) => a.freeRun(p, n),
    isFree: (p) => a.isFree(p),
    stats: () => a.stats(),
  };
}

describe('measureFragmentation', () => {
  it('reports a fully free space', () => {
    const a = createBaselineAllocator(createFrameSpace({ frames: 2048 }));
    expect(measureFragmentation(a)).toEqual({
      freeFrames: 2048,
      largestFreeRun: 2048,
      freeBlocksPerOrder: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
      free2MiBBlocks: 4,
      unusableIndex: new Array(11).fill(0),
      fragmentationIndex: new Array(11).fill(NEVER),
    });
  });

  it('sees every other frame taken as memory only good for single frames', () => {
    const a = createBaselineAllocator(createFrameSpace({ frames: 1024 }));
    const out = new Float64Array(1024);
    a.allocMany(out, 1024);
    for (let i = 0; i < 1024; i += 2) a.free(i);
    const report = measureFragmentation(a);
    expect(report).toMatchObject({ freeFrames: 512, largestFreeRun: 1, free2MiBBlocks: 0 });
    expect(report.freeBlocksPerOrder).toEqual([512, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(report.unusableIndex).toEqual([0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000]);
    // 512 order-0 blocks: fragmentation(1) = 1000 - (1000 + 512000 / 2) / 512 = 1000 - 501 = 499.
    expect(report.fragmentationIndex[1]).toBe(499);
    expect(measureFragmentation(withoutIterator(a))).toEqual(report);
  });

  it('measures holes and partly used ranges the same with or without a free-run iterator', () => {
    const space = createFrameSpace({
      frames: 3072,
      ranges: [
        { start: 1, count: 158 },
        { start: 300, count: 200 },
        { start: 513, count: 600 },
        { start: 1536, count: 1536 },
      ],
    });
    const a = createBaselineAllocator(space);
    a.allocRun(100, { align: 64 });
    a.allocRun(7);
    a.allocRun(512, { align: 512 });
    const report = measureFragmentation(a);
    expect(report.freeFrames).toBe(a.stats().freeFrames);
    expect(report.freeBlocksPerOrder.reduce((n, c, k) => n + c * 2 ** k, 0)).toBe(report.freeFrames);
    expect(report.largestFreeRun).toBe(1024);
    expect(report.free2MiBBlocks).toBe(2);
    expect(measureFragmentation(withoutIterator(a))).toEqual(report);
  });

  it('counts the frames a router keeps in caches as free', () => {
    const router = createRouter(createFrameSpace({ frames: 2048 }), routerPresets.kernel, TEST_PLUGINS);
    const out = new Float64Array(100);
    router.allocMany(out, 100);
    router.freeMany(out, 100);
    expect(router.cachedFrames()).toBeGreaterThan(0);
    expect(measureFragmentation(router)).toMatchObject({
      freeFrames: 2048,
      largestFreeRun: 2048,
      free2MiBBlocks: 4,
    });
  });
});
