import {
  createFrameSpace,
  type FrameErrorCode,
  type FrameRange,
  type FrameSpace,
  NO_FRAME,
} from '@framekit/core';
import { frameErrorCode } from '@framekit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { holeySpace } from './__fixtures__/holey-space';
import { createEmptyHier2mAllocator, createHier2mAllocator, type Hier2mAllocator } from './index';

/** Everything observable: counters, every frame, every entry (fields, summaries, links) and the lists. */
function snapshot(a: Hier2mAllocator): string {
  const frames: number[] = [];
  for (let p = 0; p < a.space.frameCount; p++) frames.push(a.isFree(p) ? 1 : 0);
  const entries: unknown[] = [];
  for (let first = 0; first < a.space.frameCount; first += 512) entries.push(a.inspectEntry(first + 511));
  const lists = (['high4k', 'high2m', 'low4k', 'low2m'] as const).map((l) => a.listEntries(l));
  return JSON.stringify({ stats: a.stats(), frames: frames.join(''), entries, lists });
}

/** `fn` throws a FrameError with `code`, and the allocator is as it was. */
function expectMisuse(a: Hier2mAllocator, code: FrameErrorCode, fn: () => unknown): void {
  const before = snapshot(a);
  expect(frameErrorCode(fn)).toBe(code);
  expect(snapshot(a)).toBe(before);
}

/** Hands out every free frame, one at a time (whole entries are split). */
function allocAll(a: Hier2mAllocator): void {
  const free = a.stats().freeFrames;
  const out = new Float64Array(free);
  expect(a.allocMany(out, free)).toBe(true);
}

/** One allocator over global entries 2 and 3 (frames 1024 … 2047), nothing below or above. */
function twoEntries() {
  const space = createFrameSpace({ frames: 3072 });
  return createHier2mAllocator(space, [{ start: 1024, count: 1024 }], { lowLimit: 0 });
}

/**
 * Usable frames [512, 600) and [700, 3072); ours [512, 600) and [700, 2700). Entry 1 (512 …
 * 1023) is partial with a hole at [600, 700); entries 2–4 are whole; entry 5 (2560 … 3071) is
 * partial: [2700, 3072) is usable but another allocator's. Frames [0, 512) are in no entry.
 */
function holes(empty = false) {
  const space = holeySpace();
  const ranges = [
    { start: 512, count: 88 },
    { start: 700, count: 2000 },
  ];
  const create = empty ? createEmptyHier2mAllocator : createHier2mAllocator;
  return create(space, ranges, { lowLimit: 0 });
}

describe('firstNotAllocated on whole entries', () => {
  it('answers a wholly free entry with the run’s first frame, wherever the run starts', () => {
    const a = twoEntries();
    expect(a.firstNotAllocated(1024, 512)).toBe(1024);
    expect(a.firstNotAllocated(1100, 10)).toBe(1100);
    expect(a.firstNotAllocated(2047, 1)).toBe(2047);
    expect(a.inspectEntry(1024)!.is2m).toBe(true);
  });

  it('skips an entry handed out as a 2 MiB page, and answers at the next free one', () => {
    const a = twoEntries();
    expect(a.allocRun(512, { align: 512 })).toBe(1024);
    expect(a.firstNotAllocated(1024, 512)).toBe(NO_FRAME);
    expect(a.firstNotAllocated(1030, 100)).toBe(NO_FRAME);
    expect(a.firstNotAllocated(1535, 1)).toBe(NO_FRAME);
    expect(a.firstNotAllocated(1024, 513)).toBe(1536);
    expect(a.firstNotAllocated(1500, 548)).toBe(1536);
    expect(a.allocRun(512, { align: 512 })).toBe(1536);
    expect(a.firstNotAllocated(1024, 1024)).toBe(NO_FRAME);
    // The frames after our last entry are in no entry: not handed out here.
    expect(a.firstNotAllocated(1024, 1025)).toBe(2048);
    expect(a.firstNotAllocated(1000, 30)).toBe(1000);
  });
});

describe('firstNotAllocated on split entries, a field word at a time', () => {
  it.each([0, 1, 30, 31, 32, 33, 63, 64, 255, 256, 480, 510, 511])(
    'finds a lone free frame at bit %i of the entry, and nothing outside it',
    (bit) => {
      const a = twoEntries();
      allocAll(a);
      const pfn = 1024 + bit;
      a.free(pfn);
      expect(a.firstNotAllocated(1024, 1024)).toBe(pfn);
      expect(a.firstNotAllocated(1024, 512)).toBe(pfn);
      expect(a.firstNotAllocated(pfn, 1)).toBe(pfn);
      // Runs that end just before it, or start just after it.
      if (bit > 0) expect(a.firstNotAllocated(1024, bit)).toBe(NO_FRAME);
      if (bit > 0) expect(a.firstNotAllocated(pfn - 1, 1)).toBe(NO_FRAME);
      expect(a.firstNotAllocated(pfn + 1, 2048 - pfn - 1)).toBe(NO_FRAME);
      // A run from inside the same word, and one from the word before.
      expect(a.firstNotAllocated(pfn - (bit & 31), 32)).toBe(pfn);
      if (bit >= 32) expect(a.firstNotAllocated(pfn - 32, 33)).toBe(pfn);
      expect(a.alloc()).toBe(pfn);
      expect(a.firstNotAllocated(1024, 1024)).toBe(NO_FRAME);
    },
  );

  it('names the lowest of several free frames, past masked-off ones before the run', () => {
    const a = twoEntries();
    allocAll(a);
    for (const pfn of [1024 + 31, 1024 + 32, 1024 + 511, 1536 + 0, 1536 + 300]) a.free(pfn);
    expect(a.firstNotAllocated(1024, 1024)).toBe(1055);
    expect(a.firstNotAllocated(1056, 992)).toBe(1056);
    expect(a.firstNotAllocated(1057, 991)).toBe(1535);
    expect(a.firstNotAllocated(1057, 478)).toBe(NO_FRAME);
    expect(a.firstNotAllocated(1536, 512)).toBe(1536);
    expect(a.firstNotAllocated(1537, 511)).toBe(1836);
    expect(a.firstNotAllocated(1537, 299)).toBe(NO_FRAME);
  });

  it('spans several entries: a 2 MiB page, two split entries all used, then a free frame or entry', () => {
    const space = createFrameSpace({ frames: 2048 });
    const a = createHier2mAllocator(space, space.ranges, { lowLimit: 0 });
    expect(a.allocRun(512, { align: 512 })).toBe(0);
    const out = new Float64Array(1024);
    expect(a.allocMany(out, 1024)).toBe(true); // entries 1 and 2, split
    expect(out[0]).toBe(512);
    expect(out[1023]).toBe(1535);
    expect(a.firstNotAllocated(0, 2048)).toBe(1536);
    expect(a.firstNotAllocated(0, 1536)).toBe(NO_FRAME);
    expect(a.firstNotAllocated(300, 1500)).toBe(1536);
    a.free(1000);
    expect(a.firstNotAllocated(0, 2048)).toBe(1000);
    expect(a.firstNotAllocated(1001, 1047)).toBe(1536);
    expect(a.firstNotAllocated(999, 2)).toBe(1000);
    expect(a.firstNotAllocated(990, 10)).toBe(NO_FRAME);
  });
});

describe('firstNotAllocated counts frames that are not ours as not handed out', () => {
  it('holes before, between and after the ranges, and another allocator’s frames in a partial entry', () => {
    const a = holes();
    allocAll(a);
    expect(a.firstNotAllocated(512, 88)).toBe(NO_FRAME);
    expect(a.firstNotAllocated(700, 2000)).toBe(NO_FRAME);
    // In no entry at all.
    expect(a.firstNotAllocated(0, 600)).toBe(0);
    expect(a.firstNotAllocated(511, 2)).toBe(511);
    // The hole inside partial entry 1.
    expect(a.firstNotAllocated(512, 89)).toBe(600);
    expect(a.firstNotAllocated(590, 200)).toBe(600);
    expect(a.firstNotAllocated(650, 10)).toBe(650);
    expect(a.firstNotAllocated(699, 2)).toBe(699);
    // Partial entry 5: ours up to 2700, then usable frames of another allocator.
    expect(a.firstNotAllocated(2560, 140)).toBe(NO_FRAME);
    expect(a.firstNotAllocated(2600, 101)).toBe(2700);
    expect(a.firstNotAllocated(2699, 1)).toBe(NO_FRAME);
    expect(a.firstNotAllocated(2700, 1)).toBe(2700);
    expect(a.firstNotAllocated(3000, 72)).toBe(3000);
    expect(a.firstNotAllocated(700, 2372)).toBe(2700);
  });

  it('a free frame before a hole wins, a hole before a free frame wins', () => {
    const a = holes();
    allocAll(a);
    a.free(800);
    a.free(2650);
    expect(a.firstNotAllocated(590, 300)).toBe(600);
    expect(a.firstNotAllocated(700, 200)).toBe(800);
    expect(a.firstNotAllocated(801, 2000)).toBe(2650);
    expect(a.firstNotAllocated(2651, 100)).toBe(2700);
    a.free(513);
    expect(a.firstNotAllocated(512, 200)).toBe(513);
    expect(a.firstNotAllocated(514, 200)).toBe(600);
  });

  it('on an empty start: chunks without slots, whole entries handed out as pages', () => {
    const a = holes(true);
    expect(a.firstNotAllocated(512, 88)).toBe(NO_FRAME);
    expect(a.firstNotAllocated(700, 2000)).toBe(NO_FRAME);
    expect(a.firstNotAllocated(512, 200)).toBe(600);
    expect(a.firstNotAllocated(700, 2100)).toBe(2700);
    a.free(2561);
    expect(a.firstNotAllocated(700, 2000)).toBe(2561);
    a.freeRun(1536, 512);
    expect(a.firstNotAllocated(700, 2000)).toBe(1536);
    expect(a.firstNotAllocated(1600, 1000)).toBe(1600);
  });

  it('ranges that touch are one: their meeting point is not a hole', () => {
    const space = createFrameSpace({ frames: 2048 });
    const a = createHier2mAllocator(
      space,
      [
        { start: 0, count: 700 },
        { start: 700, count: 300 },
      ],
      { lowLimit: 0 },
    );
    allocAll(a);
    expect(a.firstNotAllocated(600, 400)).toBe(NO_FRAME);
    expect(a.firstNotAllocated(600, 401)).toBe(1000);
  });
});

describe('firstNotAllocated misuse', () => {
  it('throws as freeRun does and changes nothing', () => {
    const a = holes();
    allocAll(a);
    a.free(800);
    expectMisuse(a, 'INVALID_REQUEST', () => a.firstNotAllocated(700, 0));
    expectMisuse(a, 'INVALID_REQUEST', () => a.firstNotAllocated(700, 2.5));
    expectMisuse(a, 'INVALID_REQUEST', () => a.firstNotAllocated(700, -1));
    expectMisuse(a, 'INVALID_REQUEST', () => a.firstNotAllocated(700.5, 2));
    expectMisuse(a, 'INVALID_REQUEST', () => a.firstNotAllocated(Number.NaN, 2));
    expectMisuse(a, 'OUT_OF_RANGE', () => a.firstNotAllocated(-1, 2));
    expectMisuse(a, 'OUT_OF_RANGE', () => a.firstNotAllocated(3072, 1));
    expectMisuse(a, 'OUT_OF_RANGE', () => a.firstNotAllocated(3000, 73));
    expect(a.firstNotAllocated(3000, 72)).toBe(3000);
  });
});

// ---- against a frame-by-frame reference ----------------------------------------------------

/**
 * Usable [3, 1203), [1536, 1537), [2048, 6144). Ours: the first two, and [2048, 5000) as two
 * touching ranges, so [5000, 6144) is another allocator's (entry 9 partial).
 */
const SPACE = createFrameSpace({
  frames: 6144,
  ranges: [
    { start: 3, count: 1200 },
    { start: 1536, count: 1 },
    { start: 2048, count: 4096 },
  ],
});
const RANGES: readonly FrameRange[] = [
  { start: 3, count: 1200 },
  { start: 1536, count: 1 },
  { start: 2048, count: 2560 },
  { start: 4608, count: 392 },
];

/** Per frame: 1 when it is not handed out here (not usable, not ours, or free), by `isFree`. */
function notAllocatedByFrame(
  a: Hier2mAllocator,
  space: FrameSpace,
  ranges: readonly FrameRange[],
): Uint8Array {
  const ours = new Uint8Array(space.frameCount);
  for (const r of ranges) ours.fill(1, r.start, r.start + r.count);
  const out = new Uint8Array(space.frameCount);
  for (let p = 0; p < space.frameCount; p++) {
    out[p] = !space.isUsable(p) || ours[p] === 0 || a.isFree(p) ? 1 : 0;
  }
  return out;
}

/** `firstNotAllocated(pfn, count)` the slow way: the first marked frame of the run. */
function expected(marks: Uint8Array, pfn: number, count: number): number {
  for (let p = pfn; p < pfn + count; p++) if (marks[p] === 1) return p;
  return NO_FRAME;
}

type Op =
  | { t: 'alloc'; times: number }
  | { t: 'allocRun' }
  | { t: 'allocBelow'; below: number }
  | { t: 'free'; k: number; times: number }
  | { t: 'freeRun'; k: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('alloc' as const), times: fc.integer({ min: 1, max: 600 }) }),
  fc.record({ t: fc.constant('allocRun' as const) }),
  fc.record({ t: fc.constant('allocBelow' as const), below: fc.integer({ min: 0, max: 6144 }) }),
  fc.record({ t: fc.constant('free' as const), k: fc.nat(), times: fc.integer({ min: 1, max: 600 }) }),
  fc.record({ t: fc.constant('freeRun' as const), k: fc.nat() }),
);

/** What was handed out: single frames and 2 MiB pages. */
interface Held {
  singles: number[];
  pages: number[];
}

/** What an empty start has handed out: every whole entry of ours a page, every other frame of ours alone. */
function heldAtEmptyStart(ranges: readonly FrameRange[]): Held {
  const perEntry = new Map<number, number>();
  const singles: number[] = [];
  for (const r of ranges) {
    for (let p = r.start; p < r.start + r.count; p++) perEntry.set(p >> 9, (perEntry.get(p >> 9) ?? 0) + 1);
  }
  const pages = [...perEntry].filter(([, n]) => n === 512).map(([g]) => g * 512);
  for (const r of ranges) {
    for (let p = r.start; p < r.start + r.count; p++) if (perEntry.get(p >> 9) !== 512) singles.push(p);
  }
  return { singles, pages };
}

function apply(a: Hier2mAllocator, held: Held, op: Op): void {
  switch (op.t) {
    case 'alloc':
      for (let i = 0; i < op.times; i++) {
        const p = a.alloc();
        if (p !== NO_FRAME) held.singles.push(p);
      }
      return;
    case 'allocRun': {
      const p = a.allocRun(512, { align: 512 });
      if (p !== NO_FRAME) held.pages.push(p);
      return;
    }
    case 'allocBelow': {
      const p = a.allocBelow(op.below);
      if (p !== NO_FRAME) held.singles.push(p);
      return;
    }
    case 'free':
      for (let i = 0; i < op.times && held.singles.length > 0; i++) {
        const [p] = held.singles.splice((op.k + i * 7919) % held.singles.length, 1);
        a.free(p);
      }
      return;
    case 'freeRun': {
      if (held.pages.length === 0) return;
      const [p] = held.pages.splice(op.k % held.pages.length, 1);
      a.freeRun(p, 512);
      return;
    }
  }
}

describe('firstNotAllocated agrees with isFree and the ranges, frame by frame', () => {
  it.each([
    ['a full start', false],
    ['an empty start', true],
  ])('over random histories from %s', (_name, empty) => {
    const frames = SPACE.frameCount;
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 20 }),
        fc.array(fc.tuple(fc.nat(frames - 1), fc.nat(frames)), { minLength: 20, maxLength: 40 }),
        (ops, queries) => {
          const create = empty ? createEmptyHier2mAllocator : createHier2mAllocator;
          const a = create(SPACE, RANGES, { lowLimit: 1024 });
          const held = empty ? heldAtEmptyStart(RANGES) : { singles: [], pages: [] };
          for (const op of ops) {
            apply(a, held, op);
            const marks = notAllocatedByFrame(a, SPACE, RANGES);
            const before = snapshot(a);
            // Random runs, and from every frame a run of one and a run to the end of the space.
            for (const [pfn, n] of queries) {
              const count = 1 + (n % (frames - pfn));
              const got = a.firstNotAllocated(pfn, count);
              const want = expected(marks, pfn, count);
              if (got !== want)
                expect.fail(`firstNotAllocated(${pfn}, ${count}) is ${got}, expected ${want}`);
            }
            let next = NO_FRAME;
            for (let pfn = frames - 1; pfn >= 0; pfn--) {
              if (marks[pfn] === 1) next = pfn;
              const one = a.firstNotAllocated(pfn, 1);
              const toEnd = a.firstNotAllocated(pfn, frames - pfn);
              if (one !== (marks[pfn] === 1 ? pfn : NO_FRAME) || toEnd !== next) {
                expect.fail(`firstNotAllocated from ${pfn}: ${one} and ${toEnd}, expected ${next}`);
              }
            }
            expect(snapshot(a)).toBe(before);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
