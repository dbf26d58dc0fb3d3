import { createFrameSpace, type FrameErrorCode, type FrameRange, NO_FRAME } from '@framekit/core';
import { frameErrorCode } from '@framekit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attach, createLLFreeAllocator, FRAMES_PER_CHILD, type LLFreeAllocator } from './index';

/** Everything observable: every frame's state, the counts, the workers' counters and `verify()`. */
function snapshot(pmm: LLFreeAllocator): string {
  let bits = '';
  for (let f = 0; f < pmm.space.frameCount; f++) bits += pmm.isFree(f) ? '1' : '0';
  return JSON.stringify([pmm.stats(), pmm.contention(), pmm.verify(), bits]);
}

/** `fn` throws a FrameError with `code` and changes nothing observable. */
function expectMisuse(pmm: LLFreeAllocator, code: FrameErrorCode, fn: () => unknown): void {
  const before = snapshot(pmm);
  expect(frameErrorCode(fn)).toBe(code);
  expect(snapshot(pmm)).toBe(before);
}

function inRanges(ranges: readonly FrameRange[], pfn: number): boolean {
  return ranges.some((r) => pfn >= r.start && pfn < r.start + r.count);
}

/** The answer frame by frame: the first frame outside the ranges or free (`isFree`), else NO_FRAME. */
function reference(pmm: LLFreeAllocator, pfn: number, count: number): number {
  for (let f = pfn; f < pfn + count; f++) if (!inRanges(pmm.ranges, f) || pmm.isFree(f)) return f;
  return NO_FRAME;
}

/** Takes every free frame (one handle, so exactly all of them). */
function fill(pmm: LLFreeAllocator): void {
  const free = pmm.stats().freeFrames;
  expect(pmm.allocMany(new Float64Array(free), free)).toBe(true);
}

describe('firstNotAllocated', () => {
  it('skips a 2 MiB page handed out whole, whose bits stay clear', () => {
    const pmm = createLLFreeAllocator(createFrameSpace({ frames: 4 * FRAMES_PER_CHILD }));
    const page = pmm.allocRun(512, { align: 512 });
    expect(page).not.toBe(NO_FRAME);
    expect(pmm.firstNotAllocated(page, 512)).toBe(NO_FRAME);
    expect(pmm.firstNotAllocated(page + 37, 100)).toBe(NO_FRAME);
    // The frame right after the page is free.
    expect(pmm.firstNotAllocated(page, 513)).toBe(page + 512);
    // Every other frame taken too: the whole space, pages and single frames, is handed out.
    const second = pmm.allocRun(512, { align: 512 });
    fill(pmm);
    expect(pmm.firstNotAllocated(0, pmm.space.frameCount)).toBe(NO_FRAME);
    pmm.freeRun(second, 512);
    expect(pmm.firstNotAllocated(0, pmm.space.frameCount)).toBe(second);
    expect(pmm.firstNotAllocated(second + 511, 1)).toBe(second + 511);
  });

  it('finds a free frame at every word edge: bits 0, 31, 32, 511 of a child and the next child', () => {
    const pmm = createLLFreeAllocator(createFrameSpace({ frames: 2 * FRAMES_PER_CHILD }));
    fill(pmm);
    for (const pfn of [0, 31, 32, 63, 64, 480, 511, 512, 543, 544, 1023]) {
      pmm.free(pfn);
      expect(pmm.firstNotAllocated(0, 1024)).toBe(pfn);
      expect(pmm.firstNotAllocated(pfn, 1)).toBe(pfn);
      expect(pmm.firstNotAllocated(pfn, 1024 - pfn)).toBe(pfn);
      // The span just below it ends on that frame's word edge or inside its word.
      if (pfn > 0) expect(pmm.firstNotAllocated(0, pfn)).toBe(NO_FRAME);
      if (pfn > 0) expect(pmm.firstNotAllocated(pfn - 1, 1)).toBe(NO_FRAME);
      if (pfn < 1023) expect(pmm.firstNotAllocated(pfn + 1, 1023 - pfn)).toBe(NO_FRAME);
      expect(pmm.alloc()).toBe(pfn); // the only free frame: taken back
    }
    expect(pmm.firstNotAllocated(0, 1024)).toBe(NO_FRAME);
  });

  it('starts and ends a run inside a word', () => {
    const pmm = createLLFreeAllocator(createFrameSpace({ frames: FRAMES_PER_CHILD }));
    fill(pmm);
    pmm.free(70); // word 2, bit 6
    expect(pmm.firstNotAllocated(65, 5)).toBe(NO_FRAME); // frames 65 … 69
    expect(pmm.firstNotAllocated(65, 6)).toBe(70);
    expect(pmm.firstNotAllocated(71, 24)).toBe(NO_FRAME); // 71 … 94, in word 2
    expect(pmm.firstNotAllocated(71, 441)).toBe(NO_FRAME); // 71 … 511
    expect(pmm.firstNotAllocated(33, 37)).toBe(NO_FRAME); // word 1, bit 1 … word 2, bit 5
    expect(pmm.firstNotAllocated(33, 38)).toBe(70);
    pmm.free(69);
    expect(pmm.firstNotAllocated(65, 8)).toBe(69);
    expect(pmm.firstNotAllocated(70, 2)).toBe(70);
  });

  it('walks runs over several 2 MiB children and trees', () => {
    const tree = 32 * FRAMES_PER_CHILD; // 64 MiB: 32 children
    const frames = 2 * tree + 3 * FRAMES_PER_CHILD;
    const pmm = createLLFreeAllocator(createFrameSpace({ frames }));
    expect(pmm.stats().trees).toBe(3);
    fill(pmm);
    expect(pmm.firstNotAllocated(0, frames)).toBe(NO_FRAME);
    pmm.free(tree + 5); // tree 1, its first child, word 0, bit 5
    expect(pmm.firstNotAllocated(3, 2 * tree)).toBe(tree + 5);
    expect(pmm.firstNotAllocated(tree + 6, frames - tree - 6)).toBe(NO_FRAME);
    pmm.free(2 * tree + 1000); // tree 2, its second child
    expect(pmm.firstNotAllocated(tree + 6, frames - tree - 6)).toBe(2 * tree + 1000);
    expect(pmm.firstNotAllocated(tree - 3, 9)).toBe(tree + 5);
    expect(pmm.firstNotAllocated(tree - 3, 8)).toBe(NO_FRAME);
  });

  it('names the first hole: before, between and after the ranges, at a partial child’s edges, and past every child', () => {
    const space = createFrameSpace({ frames: 4096 });
    // Child 0 lacks frame 0, child 1 ends its range at 701; [1000, 1024) and [1024, 3024) touch
    // (one run of frames across two ranges and a child edge); child 5 ends at 3024, and frames
    // 3072 … 4095 are in no child at all. Frames outside the ranges are usable but not llfree's.
    const ranges = [
      { start: 1, count: 700 },
      { start: 1000, count: 24 },
      { start: 1024, count: 2000 },
    ];
    const pmm = createLLFreeAllocator(space, ranges);
    fill(pmm);
    expect(pmm.firstNotAllocated(0, 10)).toBe(0);
    expect(pmm.firstNotAllocated(1, 700)).toBe(NO_FRAME);
    expect(pmm.firstNotAllocated(600, 200)).toBe(701);
    expect(pmm.firstNotAllocated(800, 300)).toBe(800);
    expect(pmm.firstNotAllocated(1000, 2024)).toBe(NO_FRAME);
    expect(pmm.firstNotAllocated(1010, 2100)).toBe(3024);
    expect(pmm.firstNotAllocated(3100, 996)).toBe(3100);
    expect(pmm.firstNotAllocated(0, 4096)).toBe(0);
    // A free frame before a hole comes first; one after it does not.
    pmm.free(1500);
    expect(pmm.firstNotAllocated(1000, 2024)).toBe(1500);
    expect(pmm.firstNotAllocated(1000, 3000)).toBe(1500);
    pmm.free(650);
    expect(pmm.firstNotAllocated(600, 200)).toBe(650);
    expect(pmm.firstNotAllocated(651, 2000)).toBe(701);
  });

  it('sees what another handle over the same state handed out', () => {
    const a = createLLFreeAllocator(createFrameSpace({ frames: 2048 }));
    const b = attach(a.share());
    const page = b.allocRun(512, { align: 512 });
    const run = b.allocRun(32, { align: 32 });
    expect(a.firstNotAllocated(page, 512)).toBe(NO_FRAME);
    expect(a.firstNotAllocated(run, 32)).toBe(NO_FRAME);
    b.freeRun(run, 32);
    expect(a.firstNotAllocated(run, 32)).toBe(run);
    b.close();
  });

  it('throws as freeRun does for bad arguments, changing nothing', () => {
    const pmm = createLLFreeAllocator(createFrameSpace({ frames: 1024 }));
    const run = pmm.allocRun(8, { align: 8 });
    pmm.allocRun(512, { align: 512 });
    pmm.alloc();
    expectMisuse(pmm, 'INVALID_REQUEST', () => pmm.firstNotAllocated(run, 0));
    expectMisuse(pmm, 'INVALID_REQUEST', () => pmm.firstNotAllocated(run, 2.5));
    expectMisuse(pmm, 'INVALID_REQUEST', () => pmm.firstNotAllocated(run, -1));
    expectMisuse(pmm, 'INVALID_REQUEST', () => pmm.firstNotAllocated(0.5, 2));
    expectMisuse(pmm, 'INVALID_REQUEST', () => pmm.firstNotAllocated(Number.NaN, 2));
    expectMisuse(pmm, 'OUT_OF_RANGE', () => pmm.firstNotAllocated(1000, 25));
    expectMisuse(pmm, 'OUT_OF_RANGE', () => pmm.firstNotAllocated(1024, 1));
    expectMisuse(pmm, 'OUT_OF_RANGE', () => pmm.firstNotAllocated(-1, 2));
    // A good call changes nothing either.
    const before = snapshot(pmm);
    expect(pmm.firstNotAllocated(0, 1024)).toBe(reference(pmm, 0, 1024));
    expect(snapshot(pmm)).toBe(before);
  });

  it('agrees with isFree and the ranges, frame by frame, over random histories', () => {
    // Sorted ranges, some touching (a gap of 0), some long enough for 2 MiB pages.
    const rangesArb = fc
      .tuple(
        fc.array(
          fc.tuple(fc.oneof(fc.constant(0), fc.nat({ max: 600 })), fc.integer({ min: 1, max: 1600 })),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.nat({ max: 600 }),
      )
      .map(([parts, tail]) => {
        const ranges: FrameRange[] = [];
        let end = 0;
        for (const [gap, count] of parts) {
          ranges.push({ start: end + gap, count });
          end += gap + count;
        }
        return { ranges, frames: end + tail };
      });
    // An operation: its kind (0 … 9), a number choosing what to free, and one query.
    const opArb = fc.tuple(fc.integer({ min: 0, max: 9 }), fc.nat(), fc.nat(), fc.nat());
    const runSizes = [2, 4, 8, 16, 32];
    fc.assert(
      fc.property(rangesArb, fc.array(opArb, { maxLength: 120 }), ({ ranges, frames }, ops) => {
        const pmm = createLLFreeAllocator(createFrameSpace({ frames }), ranges);
        const held: { pfn: number; count: number }[] = [];
        const check = (pfn: number, count: number) => {
          expect(pmm.firstNotAllocated(pfn, count), `firstNotAllocated(${pfn}, ${count})`).toBe(
            reference(pmm, pfn, count),
          );
        };
        for (const [kind, pick, at, length] of ops) {
          if (kind <= 2) {
            const pfn = pmm.alloc();
            if (pfn !== NO_FRAME) held.push({ pfn, count: 1 });
          } else if (kind === 3) {
            const count = runSizes[pick % runSizes.length];
            const pfn = pmm.allocRun(count, { align: count });
            if (pfn !== NO_FRAME) held.push({ pfn, count });
          } else if (kind === 4) {
            const pfn = pmm.allocRun(512, { align: 512 });
            if (pfn !== NO_FRAME) held.push({ pfn, count: 512 });
          } else if (kind === 5) {
            // Take every free frame, so the frees after it leave lone free bits.
            const count = pmm.stats().freeFrames;
            const out = new Float64Array(count);
            expect(pmm.allocMany(out, count)).toBe(true);
            for (const pfn of out) held.push({ pfn, count: 1 });
          } else if (held.length > 0) {
            const [unit] = held.splice(pick % held.length, 1);
            if (unit.count === 1) pmm.free(unit.pfn);
            else pmm.freeRun(unit.pfn, unit.count);
          }
          // A query anywhere in the space: short (inside a word or two) or long.
          const pfn = at % frames;
          const room = frames - pfn;
          check(pfn, 1 + (length % 2 === 0 ? length % Math.min(room, 70) : length % room));
        }
        // Every unit held, alone and one frame wider on each side, and the whole space.
        for (const unit of held) {
          check(unit.pfn, unit.count);
          const from = Math.max(0, unit.pfn - 1);
          check(from, Math.min(frames, unit.pfn + unit.count + 1) - from);
        }
        check(0, frames);
      }),
      { numRuns: 100 },
    );
  });
});
