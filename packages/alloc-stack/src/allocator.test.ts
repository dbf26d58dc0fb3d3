import {
  createFrameSpace,
  type FrameError,
  type FrameErrorCode,
  type FrameSpace,
  isFrameError,
  NO_FRAME,
  TiB,
} from '@framekit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StackAllocator } from './api';
import { createStackAllocator, plugin } from './plugin';

const TIB_FRAMES = TiB / 4096;

/** Everything observable: stats, the stack's shape, every frame's state and, with contents, every byte. */
function snapshot(stack: StackAllocator, space: FrameSpace): string {
  let bits = '';
  for (let pfn = 0; pfn < space.frameCount; pfn++) bits += stack.isFree(pfn) ? '1' : '0';
  const bytes =
    space.backing === 'dense' ? Buffer.from(space.bytes(0, space.frameCount)).toString('base64') : '';
  return JSON.stringify([stack.stats(), stack.inspect(), bits, bytes]);
}

/** `fn` throws a FrameError with `code` and changes nothing observable; returns the error. */
function expectMisuse(stack: StackAllocator, code: FrameErrorCode, fn: () => unknown): FrameError {
  const before = snapshot(stack, stack.space);
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isFrameError(thrown), String(thrown)).toBe(true);
  expect((thrown as { code: string }).code).toBe(code);
  expect(snapshot(stack, stack.space)).toBe(before);
  return thrown as FrameError;
}

/** 160 frames: usable [2, 50) and [64, 128), holes elsewhere; dense contents so bytes are compared too. */
function holey(nodeEntries = 3) {
  const space = createFrameSpace(
    {
      frames: 160,
      ranges: [
        { start: 2, count: 48 },
        { start: 64, count: 64 },
      ],
    },
    { backing: 'dense' },
  );
  return { space, stack: createStackAllocator(space, undefined, { nodeEntries }) };
}

describe('lazy initialisation', () => {
  it('makes a fully usable 1 TiB space ready without touching its frames', () => {
    const space = createFrameSpace({ frames: TIB_FRAMES }, { backing: 'sparse' });
    const stack = createStackAllocator(space);
    expect(stack.stats()).toMatchObject({ totalFrames: TIB_FRAMES, freeFrames: TIB_FRAMES, usedFrames: 0 });
    expect(stack.inspect()).toMatchObject({ untouched: TIB_FRAMES, stacked: 0 });
    // The range's bump pointer; no bits until something is allocated.
    expect(stack.stats().metadataBytes).toBeLessThan(70_000);
    expect(space.contentBytes()).toBe(0);
    expect(stack.alloc()).toBe(0);
    expect(stack.isFree(TIB_FRAMES - 1)).toBe(true);
  });

  it('stays small on a 1 TiB space with a little memory in three places, and finds all of it', () => {
    const ranges = [
      { start: 0, count: 1024 },
      { start: TIB_FRAMES / 2 + 1, count: 1535 },
      { start: TIB_FRAMES - 2048, count: 2048 },
    ];
    const space = createFrameSpace({ frames: TIB_FRAMES, ranges }, { backing: 'sparse' });
    const stack = createStackAllocator(space);
    const all = new Float64Array(4607);
    expect(stack.allocMany(all, all.length)).toBe(true);
    expect(stack.alloc()).toBe(NO_FRAME);
    // Ascending carve order: each range's frames in turn.
    expect([all[0], all[1024], all[4606]]).toEqual([0, TIB_FRAMES / 2 + 1, TIB_FRAMES - 1]);
    // A sparse space keeps its used bits in chunks: three 4 KiB chunks (one per range), not 32 MiB of flat bits.
    expect(stack.stats().metadataBytes).toBeLessThan(70_000 + 3 * 4096);
    stack.freeMany(all, all.length);
    expect(stack.stats().freeFrames).toBe(4607);
    // The nodes live in five freed frames; only their 2 MiB chunks got contents.
    expect(stack.inspect().depth).toBe(5);
    expect(space.contentBytes()).toBeLessThanOrEqual(5 * 2 * 2 ** 20);
  });

  it('holds 1 bit per frame of metadata after a full churn of a dense space, and still catches double frees', () => {
    const frames = 2 ** 18; // 1 GiB
    const space = createFrameSpace({ frames }, { backing: 'sparse' });
    const stack = createStackAllocator(space);
    const all = new Float64Array(frames);
    expect(stack.allocMany(all, frames)).toBe(true);
    stack.freeMany(all, frames);
    // Bits for every frame plus the range's bump pointer and bookkeeping, nothing per frame beyond the bit.
    const bytes = stack.stats().metadataBytes;
    expect(bytes).toBeGreaterThanOrEqual(frames / 8);
    expect(bytes).toBeLessThan(frames / 8 + 1024);
    const pfn = stack.alloc();
    stack.free(pfn);
    expect(() => stack.free(pfn)).toThrow(expect.objectContaining({ code: 'DOUBLE_FREE' }));
    expect(stack.stats().freeFrames).toBe(frames);
  });

  it('hands out recycled frames before untouched ones, keeping the bottom node while untouched frames last', () => {
    const space = createFrameSpace({ frames: 100 });
    const stack = createStackAllocator(space);
    expect([stack.alloc(), stack.alloc(), stack.alloc()]).toEqual([0, 1, 2]);
    stack.free(1); // the bottom node
    stack.free(2); // an entry in it
    expect(stack.alloc()).toBe(2);
    // The bottom node stays, empty: the next free is an entry, not a new node in the freed frame.
    expect(stack.alloc()).toBe(3);
    expect(stack.inspect()).toEqual({ top: 1, entriesInTop: 0, depth: 1, stacked: 1, untouched: 96 });
    for (let i = 0; i < 5; i++) {
      stack.free(3);
      expect(stack.inspect()).toMatchObject({ top: 1, entriesInTop: 1, depth: 1 });
      expect(stack.alloc()).toBe(3);
    }
    // When nothing untouched is left, the bottom node's own frame is handed out last.
    const rest = new Float64Array(97);
    expect(stack.allocMany(rest, 97)).toBe(true);
    expect([rest[0], rest[95], rest[96]]).toEqual([4, 99, 1]);
    expect(stack.alloc()).toBe(NO_FRAME);
    expect(stack.inspect()).toEqual({ top: NO_FRAME, entriesInTop: 0, depth: 0, stacked: 0, untouched: 0 });
  });
});

describe('createEmpty: a cache that starts with nothing', () => {
  it('holds every managed frame as in use and takes back exactly those', () => {
    const { space } = holey();
    const stack = plugin.createEmpty!(space, undefined, { nodeEntries: 3 }) as StackAllocator;
    expect(stack.stats()).toMatchObject({ totalFrames: 112, freeFrames: 0, usedFrames: 112 });
    expect(stack.alloc()).toBe(NO_FRAME);
    expect(stack.isFree(2)).toBe(false);
    const runs: number[][] = [];
    stack.forEachFreeRun!((start, count) => runs.push([start, count]));
    expect(runs).toEqual([]);
    stack.free(49);
    stack.freeRun(64, 3);
    expect(stack.stats().freeFrames).toBe(4);
    const back = [stack.alloc(), stack.alloc(), stack.alloc(), stack.alloc()];
    expect(back.sort((a, b) => a - b)).toEqual([49, 64, 65, 66]);
    expect(stack.alloc()).toBe(NO_FRAME);
    expectMisuse(stack, 'NOT_USABLE', () => stack.free(50));
    stack.free(127);
    expectMisuse(stack, 'DOUBLE_FREE', () => stack.free(127));
  });

  it('is ready on a 1 TiB space in time and memory proportional to words, not frames', () => {
    const space = createFrameSpace({ frames: TIB_FRAMES }, { backing: 'sparse' });
    const stack = plugin.createEmpty!(space) as StackAllocator;
    expect(stack.stats()).toMatchObject({ freeFrames: 0, usedFrames: TIB_FRAMES });
    // One bit per frame, and no frame contents touched.
    expect(stack.stats().metadataBytes).toBeLessThan(TIB_FRAMES / 8 + 70_000);
    expect(space.contentBytes()).toBe(0);
    stack.free(TIB_FRAMES - 1);
    expect(stack.alloc()).toBe(TIB_FRAMES - 1);
  });

  it('checks options and ranges as create does', () => {
    const { space } = holey();
    expect(() => plugin.createEmpty!(space, undefined, { nodeEntries: -1 })).toThrowError(
      expect.objectContaining({ code: 'INVALID_REQUEST' }),
    );
    expect(() => plugin.createEmpty!(space, [{ start: 48, count: 4 }])).toThrowError(
      expect.objectContaining({ code: 'INVALID_REQUEST' }),
    );
  });
});

describe('batches are all or nothing', () => {
  it('allocMany that cannot be satisfied hands out nothing and writes nothing', () => {
    const { space, stack } = holey();
    const some = new Array<number>(100).fill(0);
    expect(stack.allocMany(some, 100)).toBe(true);
    stack.freeMany(some, 7); // 112 usable: 12 untouched and 7 on the stack
    const before = snapshot(stack, space);
    const out = new Array<number>(30).fill(-7);
    expect(stack.allocMany(out, 20)).toBe(false);
    expect(out.every((v) => v === -7)).toBe(true);
    expect(snapshot(stack, space)).toBe(before);
    expect(stack.allocMany(out, 19)).toBe(true);
    expect(out.slice(19)).toEqual(new Array(11).fill(-7));
    expect(stack.alloc()).toBe(NO_FRAME);
  });

  it('allocMany of zero frames succeeds and touches nothing', () => {
    const { space, stack } = holey();
    const before = snapshot(stack, space);
    expect(stack.allocMany([], 0)).toBe(true);
    expect(snapshot(stack, space)).toBe(before);
  });

  it('freeMany with one bad entry anywhere frees none of the others', () => {
    const { stack } = holey();
    const got = [stack.alloc(), stack.alloc(), stack.alloc(), stack.alloc()];
    const free = 60 + 64; // untouched, so free
    expectMisuse(stack, 'DOUBLE_FREE', () => stack.freeMany([got[0], got[1], free], 3));
    expectMisuse(stack, 'DOUBLE_FREE', () => stack.freeMany([got[0], got[1], got[2], got[1]], 4));
    expectMisuse(stack, 'NOT_USABLE', () => stack.freeMany([got[0], 55], 2));
    expectMisuse(stack, 'OUT_OF_RANGE', () => stack.freeMany([got[0], 160], 2));
    expectMisuse(stack, 'INVALID_REQUEST', () => stack.freeMany([got[0], 2.5], 2));
    expectMisuse(stack, 'INVALID_REQUEST', () => stack.freeMany([got[0]], 2));
    stack.freeMany(got, 4);
    expect(got.every((pfn) => stack.isFree(pfn))).toBe(true);
  });

  it('freeRun frees every frame of the run or none', () => {
    const { stack } = holey();
    const got = new Array<number>(10).fill(0);
    stack.allocMany(got, 10); // frames 2 … 11
    stack.free(7);
    expectMisuse(stack, 'NOT_ALLOCATED', () => stack.freeRun(4, 5));
    stack.freeRun(2, 5);
    const tail = new Array<number>(45).fill(0);
    stack.allocMany(tail, 45); // the rest of [2, 50) and the start of [64, 128)
    // Frames 45 … 49 are allocated, 50 … 63 a hole, 65 on free: the hole is named first.
    expectMisuse(stack, 'NOT_USABLE', () => stack.freeRun(45, 25));
    stack.freeRun(45, 5);
    expect(stack.isFree(45) && stack.isFree(49)).toBe(true);
  });
});

describe('misuse throws the documented code and changes nothing', () => {
  it('DOUBLE_FREE: freeing a free frame, handed out and returned or never handed out', () => {
    const { stack } = holey();
    const pfn = stack.alloc();
    stack.free(pfn);
    expectMisuse(stack, 'DOUBLE_FREE', () => stack.free(pfn));
    expectMisuse(stack, 'DOUBLE_FREE', () => stack.free(100));
  });

  it('DOUBLE_FREE for a node frame and for an entry while they sit on the stack', () => {
    const { stack } = holey(2);
    const got = [stack.alloc(), stack.alloc(), stack.alloc()];
    stack.freeMany(got, 3);
    const { top } = stack.inspect();
    expectMisuse(stack, 'DOUBLE_FREE', () => stack.free(top));
    expectMisuse(stack, 'DOUBLE_FREE', () => stack.free(got[2]));
  });

  it('NOT_ALLOCATED: freeRun over a frame that is free', () => {
    const { stack } = holey();
    const a = stack.alloc();
    expectMisuse(stack, 'NOT_ALLOCATED', () => stack.freeRun(a, 2));
  });

  it('OUT_OF_RANGE: frames outside the space', () => {
    const { stack } = holey();
    stack.alloc();
    expectMisuse(stack, 'OUT_OF_RANGE', () => stack.free(160));
    expectMisuse(stack, 'OUT_OF_RANGE', () => stack.free(-1));
    expectMisuse(stack, 'OUT_OF_RANGE', () => stack.freeRun(2, 200));
  });

  it('NOT_USABLE: holes, and usable frames another allocator manages', () => {
    const { space, stack } = holey();
    stack.alloc();
    expectMisuse(stack, 'NOT_USABLE', () => stack.free(0));
    expectMisuse(stack, 'NOT_USABLE', () => stack.free(50));
    const zone = createStackAllocator(space, [{ start: 64, count: 64 }]);
    zone.alloc();
    expectMisuse(zone, 'NOT_USABLE', () => zone.free(10));
    expect(zone.isFree(10)).toBe(false);
    expect(zone.stats().totalFrames).toBe(64);
  });

  it('INVALID_REQUEST: numbers that are not frames, bad counts and arrays too short', () => {
    const { stack } = holey();
    const pfn = stack.alloc();
    for (const bad of [pfn + 0.5, Number.NaN, Number.POSITIVE_INFINITY, String(pfn) as unknown as number]) {
      expectMisuse(stack, 'INVALID_REQUEST', () => stack.free(bad));
    }
    expectMisuse(stack, 'INVALID_REQUEST', () => stack.allocMany([0], 2));
    expectMisuse(stack, 'INVALID_REQUEST', () => stack.allocMany([0], -1));
    expectMisuse(stack, 'INVALID_REQUEST', () => stack.freeRun(pfn, 0));
    expectMisuse(stack, 'INVALID_REQUEST', () => stack.allocRun(0));
    expectMisuse(stack, 'INVALID_REQUEST', () => stack.allocRun(2, { align: 3 }));
    expect(stack.isFree(pfn + 0.5)).toBe(false);
  });

  it('UNSUPPORTED: contiguous runs are not a stack operation', () => {
    const { stack } = holey();
    expect(stack.capabilities).toEqual({ runs: 'none', below: false, freeRunPiecewise: true });
    expectMisuse(stack, 'UNSUPPORTED', () => stack.allocRun(1));
    expectMisuse(stack, 'UNSUPPORTED', () => stack.allocRun(8, { align: 8, below: 100 }));
  });
});

describe('forEachFreeRun', () => {
  it('reports exactly the maximal runs that isFree sees, in ascending order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.nat()), { maxLength: 300 }),
        fc.constantFrom(1, 1022),
        (steps, nodeEntries) => {
          const ranges = [
            { start: 1, count: 40 },
            { start: 41, count: 30 }, // touches the one before: one run across both
            { start: 100, count: 129 },
          ];
          const space = createFrameSpace({ frames: 260, ranges });
          const stack = createStackAllocator(space, ranges, { nodeEntries });
          const live: number[] = [];
          for (const [alloc, k] of steps) {
            if (alloc || live.length === 0) {
              const pfn = stack.alloc();
              if (pfn !== NO_FRAME) live.push(pfn);
            } else stack.free(live.splice(k % live.length, 1)[0]);
          }
          const expected: [number, number][] = [];
          for (let pfn = 0; pfn < 260; pfn++) {
            if (!stack.isFree(pfn)) continue;
            const last = expected[expected.length - 1];
            if (last && last[0] + last[1] === pfn) last[1]++;
            else expected.push([pfn, 1]);
          }
          const seen: [number, number][] = [];
          stack.forEachFreeRun((start, count) => seen.push([start, count]));
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('skips untouched chunks of a 1 TiB space', () => {
    const space = createFrameSpace({ frames: TIB_FRAMES });
    const stack = createStackAllocator(space);
    stack.alloc();
    stack.alloc();
    stack.free(0);
    const seen: [number, number][] = [];
    stack.forEachFreeRun((start, count) => seen.push([start, count]));
    expect(seen).toEqual([
      [0, 1],
      [2, TIB_FRAMES - 2],
    ]);
  });
});

describe('plugin', () => {
  it('is named stack, states its capabilities and validates options', () => {
    expect(plugin.name).toBe('stack');
    expect(plugin.capabilities.runs).toBe('none');
    const space = createFrameSpace({ frames: 64 });
    expect(plugin.create(space).name).toBe('stack');
    for (const options of [
      { nodeEntries: 0 },
      { nodeEntries: 1.5 },
      { nodeEntries: 5000 },
      { nodesInframes: true },
    ]) {
      expect(() => plugin.create(space, undefined, options as never)).toThrow(
        /INVALID_REQUEST.*stack: invalid options/,
      );
    }
    expect(() => createStackAllocator(space, [{ start: 60, count: 10 }])).toThrow(/INVALID_REQUEST/);
  });

  it('keeps the nodes in an array when the space has no contents', () => {
    const stack = createStackAllocator(createFrameSpace({ frames: 64 }));
    expect(stack.nodesInFrames).toBe(false);
    expect(stack.nodeEntries).toBe(1022);
    expect(stack.entryWords).toBe(1);
  });
});

describe('trusted (a router checks every free)', () => {
  it('keeps no used bits, starts empty without marking frames, and still reports free frames', () => {
    const space = createFrameSpace({ frames: 4096, ranges: [{ start: 16, count: 2000 }] });
    const empty = plugin.createEmpty!(space, space.ranges, { trusted: true }) as StackAllocator;
    expect(empty.trusted).toBe(true);
    const checked = plugin.createEmpty!(space, space.ranges, {});
    expect(empty.stats().metadataBytes).toBeLessThan(checked.stats().metadataBytes);
    expect(empty.alloc()).toBe(-1);
    empty.freeRun(100, 4);
    empty.free(500);
    expect(empty.isFree(101)).toBe(true);
    expect(empty.isFree(499)).toBe(false);
    const runs: number[] = [];
    empty.forEachFreeRun((s, c) => runs.push(s, c));
    expect(runs).toEqual([100, 4, 500, 1]);
    expect(empty.stats().freeFrames).toBe(5);
    const full = plugin.create(space, space.ranges, { trusted: true, nodeEntries: 2 });
    const out = new Float64Array(10);
    full.allocMany(out, 10);
    full.freeMany(out, 10);
    const seen: number[] = [];
    full.forEachFreeRun!((s, c) => seen.push(s, c));
    expect(seen).toEqual([16, 2000]);
    expect(full.isFree(20)).toBe(true);
    expect(full.isFree(2500)).toBe(false);
  });
});

describe('the used bits a single-frame alloc and free set and clear directly', () => {
  // 200,000 frames: the flat used bits start at 32,768 frames and are replaced (grown) three
  // times as untouched frames are handed out. `alloc` and `free` work on the words as they are
  // last read: words kept from before a growth would lose every bit set or cleared in them.
  const FRAMES = 200_000;

  function churned(take: (stack: StackAllocator, n: number) => number[]) {
    const space = createFrameSpace({ frames: FRAMES });
    const stack = createStackAllocator(space);
    // A first frame reads the smallest flat words; the rest grow them.
    const first = stack.alloc();
    const rest = take(stack, FRAMES - 1);
    return { space, stack, held: [first, ...rest] };
  }

  const oneByOne = (stack: StackAllocator, n: number) => Array.from({ length: n }, () => stack.alloc());
  const inBatches = (stack: StackAllocator, n: number) => {
    const out = new Float64Array(1000);
    const held: number[] = [];
    for (let left = n; left > 0; left -= Math.min(1000, left)) {
      expect(stack.allocMany(out, Math.min(1000, left))).toBe(true);
      held.push(...out.subarray(0, Math.min(1000, left)));
    }
    return held;
  };

  for (const [name, take] of [
    ['alloc', oneByOne],
    ['allocMany', inBatches],
  ] as const) {
    it(`follows the words as ${name} grows them, low frames and high alike`, () => {
      const { stack, held } = churned(take);
      expect(stack.alloc()).toBe(NO_FRAME);
      for (const pfn of [0, 1, 40_000, FRAMES - 1]) {
        stack.free(pfn);
        expect(stack.isFree(pfn)).toBe(true);
        expectMisuse(stack, 'DOUBLE_FREE', () => stack.free(pfn));
      }
      // Off the stack again (most recent first): handed out, and freeable once more.
      for (const pfn of [FRAMES - 1, 40_000, 1, 0]) {
        expect(stack.alloc()).toBe(pfn);
        expect(stack.isFree(pfn)).toBe(false);
      }
      for (const pfn of held) stack.free(pfn);
      expect(stack.stats().freeFrames).toBe(FRAMES);
      const runs: number[] = [];
      stack.forEachFreeRun((s, c) => runs.push(s, c));
      expect(runs).toEqual([0, FRAMES]);
    });
  }

  it('still refuses non-frames, frames outside the space and frames never handed out', () => {
    const space = createFrameSpace({ frames: 4096, ranges: [{ start: 16, count: 2000 }] });
    const stack = createStackAllocator(space);
    const pfn = stack.alloc();
    for (const bad of [pfn + 0.5, -1, Number.NaN, 2 ** 32 + pfn]) {
      expect(() => stack.free(bad)).toThrow();
    }
    expect(stack.isFree(pfn)).toBe(false);
    expectMisuse(stack, 'DOUBLE_FREE', () => stack.free(1000));
    expectMisuse(stack, 'NOT_USABLE', () => stack.free(3000));
    stack.free(pfn);
    expectMisuse(stack, 'DOUBLE_FREE', () => stack.free(pfn));
  });
});

describe('freeRun refusals', () => {
  it('NOT_ALLOCATED when the free frame of the run is frame 0', () => {
    const stack = createStackAllocator(createFrameSpace({ frames: 64 }));
    const out = new Float64Array(4);
    expect(stack.allocMany(out, 4)).toBe(true);
    expect([...out]).toEqual([0, 1, 2, 3]);
    stack.free(0);
    expect(expectMisuse(stack, 'NOT_ALLOCATED', () => stack.freeRun(0, 4)).details).toMatchObject({ pfn: 0 });
    stack.freeRun(1, 3);
    expect(stack.stats().usedFrames).toBe(0);
  });

  it('NOT_USABLE naming the hole, even when a free managed frame comes before it in the run', () => {
    const space = createFrameSpace({
      frames: 160,
      ranges: [
        { start: 2, count: 48 },
        { start: 64, count: 64 },
      ],
    });
    const stack = createStackAllocator(space);
    const out = new Float64Array(48);
    expect(stack.allocMany(out, 48)).toBe(true); // frames 2 … 49
    stack.free(42);
    expect(expectMisuse(stack, 'NOT_USABLE', () => stack.freeRun(40, 15)).details).toMatchObject({ pfn: 50 });
    expect(expectMisuse(stack, 'NOT_ALLOCATED', () => stack.freeRun(40, 10)).details).toMatchObject({
      pfn: 42,
    });
  });
});

describe('firstNotAllocated (a router checks a run across zones with it)', () => {
  it('names the lowest frame of a run not handed out here (free, a hole, past the ranges), a word at a time', () => {
    const { space, stack } = holey();
    const out = new Float64Array(112);
    expect(stack.allocMany(out, 112)).toBe(true);
    expect(stack.firstNotAllocated(2, 48)).toBe(NO_FRAME);
    expect(stack.firstNotAllocated(64, 64)).toBe(NO_FRAME);
    // A hole before, between and after the ranges.
    expect(stack.firstNotAllocated(0, 10)).toBe(0);
    expect(stack.firstNotAllocated(40, 30)).toBe(50);
    expect(stack.firstNotAllocated(100, 60)).toBe(128);
    // A free frame past the first word of the run.
    stack.free(97);
    expect(stack.firstNotAllocated(64, 64)).toBe(97);
    expect(stack.firstNotAllocated(98, 30)).toBe(NO_FRAME);
    expectMisuse(stack, 'INVALID_REQUEST', () => stack.firstNotAllocated(64, 0));
    expectMisuse(stack, 'INVALID_REQUEST', () => stack.firstNotAllocated(0.5, 2));
    expectMisuse(stack, 'OUT_OF_RANGE', () => stack.firstNotAllocated(150, 20));
    expect(space.frameCount).toBe(160);
  });

  it('is UNSUPPORTED on a trusted stack, which keeps no used bits', () => {
    const space = createFrameSpace({ frames: 64 });
    const stack = createStackAllocator(space, undefined, { trusted: true });
    expect(stack.alloc()).toBe(0);
    expectMisuse(stack, 'UNSUPPORTED', () => stack.firstNotAllocated(0, 4));
  });
});
