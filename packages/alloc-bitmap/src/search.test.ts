import { createFrameSpace, type FrameRange, NO_FRAME } from '@framekit/core';
import { FreeRunList } from '@framekit/core/plugin';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BitmapAllocator } from './api';
import { createBitmapAllocator } from './index';

/*
 * The search against an exact model on arenas big enough for a four-level summary tree
 * (the conformance kit's spaces fit in one or two levels). Every answer must be the model's
 * first fit, frame for frame, with the summaries refreshed lazily in between.
 */

const FRAMES = 1_400_000;
const RANGES: FrameRange[] = [
  { start: 3, count: 1_200_000 }, // odd start, 1172 blocks: four levels
  { start: 1_300_001, count: 70_000 },
  { start: 1_370_001, count: 7 }, // touches the previous range: one arena, runs may cross
  { start: 1_370_100, count: 29_000 },
];

/** The lowest free run of `count` frames at a multiple of `align`, at or after `from`, ending by `below`. */
function modelFit(free: FreeRunList, count: number, align: number, below: number, from: number): number {
  for (let i = 0; i < free.length; i++) {
    const end = free.starts[i] + free.counts[i];
    if (end <= from) continue;
    const start = Math.ceil(Math.max(free.starts[i], from) / align) * align;
    if (start + count > below) return NO_FRAME;
    if (start + count <= end) return start;
  }
  return NO_FRAME;
}

function take(free: FreeRunList, pfn: number, count: number): void {
  free.take(free.find(pfn), pfn, count);
}

function runsOf(allocator: BitmapAllocator): [number, number][] {
  const out: [number, number][] = [];
  allocator.forEachFreeRun((start, count) => out.push([start, count]));
  return out;
}

type Op =
  | { t: 'run'; n: number; alignLog: number; below?: number }
  | { t: 'one' }
  | { t: 'ones'; n: number }
  | { t: 'punch'; k: number; a: number; b: number }
  | { t: 'release'; k: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      {
        t: fc.constant('run' as const),
        n: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 5000 }), fc.constant(512)),
        alignLog: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 12 })),
        below: fc.integer({ min: 0, max: FRAMES }),
      },
      { requiredKeys: ['t', 'n', 'alignLog'] },
    ),
  },
  { weight: 2, arbitrary: fc.constant({ t: 'one' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('ones' as const), n: fc.integer({ min: 1, max: 300 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant('punch' as const), k: fc.nat(), a: fc.nat(), b: fc.nat() }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('release' as const), k: fc.nat() }) },
);

function runSequence(ops: readonly Op[], nextFit: boolean): void {
  const space = createFrameSpace({ frames: FRAMES, ranges: RANGES });
  const allocator = createBitmapAllocator(space, undefined, { nextFit });
  const free = new FreeRunList(space.ranges);
  const live: { start: number; count: number }[] = [];
  let rover = 0;
  const firstFit = (count: number, align: number, below: number): number => {
    const fit = nextFit ? modelFit(free, count, align, below, rover) : NO_FRAME;
    return fit !== NO_FRAME ? fit : modelFit(free, count, align, below, 0);
  };
  for (const op of ops) {
    if (op.t === 'run' || op.t === 'one') {
      const count = op.t === 'run' ? op.n : 1;
      const align = op.t === 'run' ? 2 ** op.alignLog : 1;
      const below = op.t === 'run' ? (op.below ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
      const expected = firstFit(count, align, below);
      const got =
        op.t === 'one'
          ? allocator.alloc()
          : allocator.allocRun(count, op.below === undefined ? { align } : { align, below });
      expect(got).toBe(expected);
      if (got !== NO_FRAME) {
        take(free, got, count);
        live.push({ start: got, count });
        rover = got + count;
      }
    } else if (op.t === 'ones') {
      const out = new Float64Array(op.n);
      const ok = allocator.allocMany(out, op.n);
      expect(ok).toBe(free.frames >= op.n);
      if (ok) {
        for (const pfn of out) {
          expect(pfn).toBe(firstFit(1, 1, Number.POSITIVE_INFINITY));
          take(free, pfn, 1);
          live.push({ start: pfn, count: 1 });
          rover = pfn + 1;
        }
      }
    } else if (live.length > 0) {
      const index = op.k % live.length;
      const unit = live[index];
      // 'release' frees the whole unit; 'punch' frees a piece of it, leaving holes.
      const from = op.t === 'punch' ? op.a % unit.count : 0;
      const count = op.t === 'punch' ? 1 + (op.b % (unit.count - from)) : unit.count;
      if (count === 1 && (op.t === 'release' || op.b % 2 === 0)) allocator.free(unit.start + from);
      else allocator.freeRun(unit.start + from, count);
      free.insert(unit.start + from, count);
      live.splice(index, 1);
      if (from > 0) live.push({ start: unit.start, count: from });
      const tail = unit.count - from - count;
      if (tail > 0) live.push({ start: unit.start + from + count, count: tail });
    }
    expect(allocator.stats().freeFrames).toBe(free.frames);
  }
  expect(runsOf(allocator)).toEqual(free.starts.map((s, i) => [s, free.counts[i]]));
  expect(allocator.largestFreeRun()).toBe(free.largest());
}

describe('run search on a four-level summary tree', () => {
  it('is the exact first fit, with align, below and touching ranges', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.array(opArbitrary, { maxLength: 80 }), (ops) => runSequence(ops, false)),
      { numRuns: 30 },
    );
  });

  it('is the exact next fit from the rover, wrapping around once', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.array(opArbitrary, { maxLength: 80 }), (ops) => runSequence(ops, true)),
      { numRuns: 20 },
    );
  });

  it('finds aligned runs by absolute frame number in an arena that starts at an odd frame', () => {
    const space = createFrameSpace({ frames: 10_000, ranges: [{ start: 1001, count: 8000 }] });
    const allocator = createBitmapAllocator(space);
    expect(allocator.allocRun(1, { align: 1024 })).toBe(1024);
    expect(allocator.allocRun(512, { align: 512 })).toBe(1536);
    expect(allocator.allocRun(3, { align: 8 })).toBe(1008);
    expect(allocator.allocRun(2000, { align: 2048 })).toBe(2048);
    expect(allocator.allocRun(4096, { align: 4096 })).toBe(4096);
    expect(allocator.allocRun(4096, { align: 4096 })).toBe(NO_FRAME);
    expect(allocator.alloc()).toBe(1001);
  });

  it('lets a run cross ranges that touch, but never a hole', () => {
    const space = createFrameSpace({ frames: 4096, ranges: [{ start: 100, count: 100 }] });
    // Two touching ranges given by a zone split: one arena.
    const joined = createBitmapAllocator(space, [
      { start: 100, count: 50 },
      { start: 150, count: 50 },
    ]);
    expect(joined.allocRun(100)).toBe(100);
    const holes = createFrameSpace({
      frames: 4096,
      ranges: [
        { start: 100, count: 50 },
        { start: 151, count: 50 },
      ],
    });
    const split = createBitmapAllocator(holes);
    expect(split.allocRun(51)).toBe(NO_FRAME);
    expect(split.allocRun(50)).toBe(100);
    expect(split.allocRun(50)).toBe(151);
  });

  it('honours below to the frame, and a failed search changes nothing', () => {
    const space = createFrameSpace({ frames: 8192, ranges: [{ start: 5, count: 8000 }] });
    const allocator = createBitmapAllocator(space);
    const pinned = allocator.allocRun(10, { align: 1024 });
    expect(pinned).toBe(1024);
    const before = runsOf(allocator);
    const stats = allocator.stats();
    expect(allocator.allocRun(1020, { below: 1024 })).toBe(NO_FRAME); // [5, 1024) has 1019
    expect(allocator.allocRun(1019, { below: 1023 })).toBe(NO_FRAME);
    expect(allocator.allocRun(7000, {})).toBe(NO_FRAME);
    expect(allocator.allocRun(2048, { align: 4096 })).toBe(4096);
    allocator.freeRun(4096, 2048);
    expect(allocator.allocRun(1, { align: 16384 })).toBe(NO_FRAME);
    expect(runsOf(allocator)).toEqual(before);
    expect(allocator.stats()).toEqual(stats);
    expect(allocator.allocRun(1019, { below: 1024 })).toBe(5);
    expect(allocator.allocRun(1, { below: 1034 })).toBe(NO_FRAME);
    expect(allocator.allocRun(1, { below: 1035 })).toBe(1034);
  });
});
