import {
  type Backing,
  createFrameSpace,
  FRAME_SIZE,
  FrameError,
  type FrameRange,
  type FrameSpace,
  NO_FRAME,
} from '@framekit/core';
import { FreeRunList } from '@framekit/core/plugin';
import { frameErrorCode } from '@framekit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BitmapAllocator } from './api';
import { createBitmapAllocator } from './index';

/*
 * `metadataInFrames`: each arena's bitmap lives in the arena's own first frames (KeOS). Those
 * frames are usable memory the allocator keeps: never handed out, not free, not counted in
 * `stats().totalFrames` (like Linux's MemTotal, which leaves out the memory map), and
 * freeing one is NOT_USABLE. The conformance kit expects every usable frame to be free at
 * the start, so these properties are checked here against our own model instead.
 */

const RANGES: FrameRange[] = [
  { start: 1, count: 40_000 }, // base 0, 40 blocks: 1280 words, 5120 bytes: frames 1 and 2
  { start: 50_000, count: 5 }, // one block: frame 50000 holds it, 4 frames left
  { start: 60_000, count: 10_000 }, // 10 blocks: 1280 bytes, frame 60000
];
const DATA: FrameRange[] = [
  { start: 3, count: 39_998 },
  { start: 50_001, count: 4 },
  { start: 60_001, count: 9_999 },
];

/** Bit `pfn - base` of the bitmap stored from frame `first` on, read back from the frame contents. */
function storedBit(space: FrameSpace, first: number, base: number, pfn: number): boolean {
  const byte = ((pfn - base) >> 5) * 4;
  const bytes = space.bytes(first + Math.floor(byte / FRAME_SIZE), 1);
  const word = new Int32Array(bytes.buffer, bytes.byteOffset + (byte % FRAME_SIZE), 1)[0];
  return ((word >>> ((pfn - base) & 31)) & 1) === 1;
}

function expectBitsInFrames(
  space: FrameSpace,
  allocator: BitmapAllocator,
  ranges: readonly FrameRange[],
): void {
  for (const r of ranges) {
    const base = Math.floor(r.start / 32) * 32;
    for (let pfn = r.start; pfn < r.start + r.count; pfn++) {
      const stored = storedBit(space, r.start, base, pfn);
      if (stored !== allocator.isFree(pfn))
        expect.fail(`frame ${pfn}: stored bit ${stored}, isFree ${!stored}`);
    }
  }
}

function modelFit(free: FreeRunList, count: number, align: number, below: number): number {
  return free.firstFit(count, align, below);
}

type Op =
  | { t: 'run'; n: number; alignLog: number; below: number }
  | { t: 'one' }
  | { t: 'release'; k: number; a: number; b: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('run' as const),
      n: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 3000 })),
      alignLog: fc.integer({ min: 0, max: 11 }),
      below: fc.integer({ min: 0, max: 80_000 }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ t: 'one' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('release' as const), k: fc.nat(), a: fc.nat(), b: fc.nat() }),
  },
);

describe.each<Backing>(['dense', 'sparse'])('metadataInFrames on a %s space', (backing) => {
  const make = () => {
    const space = createFrameSpace({ frames: 70_000, ranges: RANGES }, { backing });
    return { space, allocator: createBitmapAllocator(space, undefined, { metadataInFrames: true }) };
  };

  it('keeps the first frames of each arena for the bitmap and counts only the rest', () => {
    const { space, allocator } = make();
    expect(allocator.metadataFrames).toBe(4);
    const stats = allocator.stats();
    expect(stats.totalFrames).toBe(space.usableFrames - 4);
    expect(stats.freeFrames).toBe(stats.totalFrames);
    for (const pfn of [1, 2, 50_000, 60_000]) {
      expect(allocator.isFree(pfn)).toBe(false);
      expect(frameErrorCode(() => allocator.free(pfn))).toBe('NOT_USABLE');
      expect(frameErrorCode(() => allocator.freeRun(pfn, 2))).toBe('NOT_USABLE');
      expect(frameErrorCode(() => allocator.freeMany([pfn], 1))).toBe('NOT_USABLE');
    }
    expect(allocator.alloc()).toBe(3);
    expect(allocator.allocRun(4)).toBe(4);
    expect(allocator.allocRun(4, { align: 4, below: 50_010 })).toBe(8);
    expect(allocator.allocRun(4, { align: 4, below: 50_010 })).toBe(12);
    expect(allocator.allocRun(39_986)).toBe(NO_FRAME);
    expect(allocator.allocRun(39_985)).toBe(16);
    expect(allocator.allocRun(5)).toBe(60_001);
    expect(allocator.allocRun(4)).toBe(50_001);
    const used = 13 + 39_985 + 5 + 4;
    expect(allocator.stats()).toEqual({ ...stats, freeFrames: stats.freeFrames - used, usedFrames: used });
    expectBitsInFrames(space, allocator, RANGES);
  });

  it('stays the exact first fit, with the bitmap readable in the frames after every step', () => {
    fc.assert(
      fc.property(fc.array(opArbitrary, { maxLength: 40 }), (ops) => {
        const { space, allocator } = make();
        const free = new FreeRunList(DATA);
        const live: { start: number; count: number }[] = [];
        for (const op of ops) {
          if (op.t === 'release') {
            if (live.length === 0) continue;
            const unit = live.splice(op.k % live.length, 1)[0];
            const from = op.a % unit.count;
            const count = 1 + (op.b % (unit.count - from));
            allocator.freeRun(unit.start + from, count);
            free.insert(unit.start + from, count);
            if (from > 0) live.push({ start: unit.start, count: from });
            const rest = unit.count - from - count;
            if (rest > 0) live.push({ start: unit.start + from + count, count: rest });
          } else {
            const count = op.t === 'run' ? op.n : 1;
            const align = op.t === 'run' ? 2 ** op.alignLog : 1;
            const below = op.t === 'run' ? op.below : Number.POSITIVE_INFINITY;
            const got = op.t === 'run' ? allocator.allocRun(count, { align, below }) : allocator.alloc();
            expect(got).toBe(modelFit(free, count, align, below));
            if (got !== NO_FRAME) {
              free.take(free.find(got), got, count);
              live.push({ start: got, count });
            }
          }
          expect(allocator.stats().freeFrames).toBe(free.frames);
        }
        expectBitsInFrames(space, allocator, RANGES);
      }),
      { numRuns: 15 },
    );
  });

  it('reports less host memory than a bitmap kept on the heap', () => {
    const { space, allocator } = make();
    const onHeap = createBitmapAllocator(space);
    // The three bitmaps (5120 + 128 + 1280 bytes) are in frames; the summary stays on the heap.
    expect(onHeap.stats().metadataBytes - allocator.stats().metadataBytes).toBe(5120 + 128 + 1280);
  });
});

describe('metadataInFrames edge cases', () => {
  it('places a bitmap that crosses a sparse chunk boundary', () => {
    // 590,000 frames need 73,856 bytes of bitmap: 19 frames from frame 500, across chunk 512.
    const space = createFrameSpace(
      { frames: 600_000, ranges: [{ start: 500, count: 590_000 }] },
      { backing: 'sparse' },
    );
    const allocator = createBitmapAllocator(space, undefined, { metadataInFrames: true });
    expect(allocator.metadataFrames).toBe(19);
    expect(allocator.alloc()).toBe(519);
    expect(allocator.allocRun(512, { align: 512 })).toBe(1024);
    expect(allocator.allocRun(2, { below: 590_500 })).toBe(520);
    expect(allocator.allocRun(10, { align: 1024 })).toBe(2048);
    expect(allocator.allocRun(580_000)).toBe(2058);
    allocator.free(519);
    const base = 480;
    for (const pfn of [
      519, 520, 521, 522, 1023, 1024, 1535, 1536, 2047, 2048, 2058, 582_057, 582_058, 590_499,
    ]) {
      expect(storedBit(space, 500, base, pfn)).toBe(allocator.isFree(pfn));
    }
    // Two chunks of contents hold the bitmap; nothing else was materialised.
    expect(space.contentBytes()).toBe(2 * 512 * FRAME_SIZE);
  });

  it('gives a one-frame range entirely to its bitmap', () => {
    const space = createFrameSpace(
      {
        frames: 2048,
        ranges: [
          { start: 7, count: 1 },
          { start: 1024, count: 1024 },
        ],
      },
      { backing: 'dense' },
    );
    const allocator = createBitmapAllocator(space, undefined, { metadataInFrames: true });
    expect(allocator.metadataFrames).toBe(2);
    expect(allocator.stats().totalFrames).toBe(1023);
    expect(allocator.isFree(7)).toBe(false);
    expect(frameErrorCode(() => allocator.free(7))).toBe('NOT_USABLE');
    expect(allocator.alloc()).toBe(1025);
  });

  it('works on a shared space and refuses a space without contents, saying why', () => {
    const shared = createFrameSpace({ frames: 4096 }, { backing: 'shared' });
    expect(createBitmapAllocator(shared, undefined, { metadataInFrames: true }).alloc()).toBe(1);
    const bare = createFrameSpace({ frames: 4096 });
    let error: unknown;
    try {
      createBitmapAllocator(bare, undefined, { metadataInFrames: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FrameError);
    expect((error as FrameError).code).toBe('INVALID_REQUEST');
    expect((error as FrameError).message).toMatch(/needs a frame space with contents.*backing 'none'/);
  });
});
