import { createFrameSpace, NO_FRAME } from '@framekit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHier2mAllocator, type Hier2mAllocator } from './index';

/** Maximal free runs by asking `isFree` about every frame: the slow, obvious answer. */
function runsByScan(a: Hier2mAllocator): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  for (let p = 0; p <= a.space.frameCount; p++) {
    const free = p < a.space.frameCount && a.isFree(p);
    if (free && start < 0) start = p;
    if (!free && start >= 0) {
      out.push([start, p - start]);
      start = -1;
    }
  }
  return out;
}

function runsByVisit(a: Hier2mAllocator): [number, number][] {
  const out: [number, number][] = [];
  a.forEachFreeRun((start, count) => out.push([start, count]));
  return out;
}

const space = createFrameSpace({
  frames: 5000,
  ranges: [
    { start: 1, count: 158 },
    { start: 256, count: 1 },
    { start: 300, count: 1748 }, // ends exactly where the next starts after a one-frame gap
    { start: 2049, count: 1535 },
    { start: 3584, count: 1416 },
  ],
});

describe('forEachFreeRun', () => {
  it('reports maximal free runs in ascending order, across entries, fields and 2 MiB pages', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('alloc', 'page', 'free', 'freePage'),
            fc.nat(),
            fc.integer({ min: 1, max: 200 }),
          ),
          {
            maxLength: 30,
          },
        ),
        (ops) => {
          const a = createHier2mAllocator(space, space.ranges, { lowLimit: 1024 });
          const singles: number[] = [];
          const pages: number[] = [];
          expect(runsByVisit(a)).toEqual(runsByScan(a));
          for (const [op, k, times] of ops) {
            for (let i = 0; i < times; i++) {
              if (op === 'alloc') {
                const p = a.alloc();
                if (p !== NO_FRAME) singles.push(p);
              } else if (op === 'page') {
                const p = a.allocRun(512, { align: 512 });
                if (p !== NO_FRAME) pages.push(p);
              } else if (op === 'free' && singles.length > 0) {
                a.free(singles.splice((k + i) % singles.length, 1)[0]);
              } else if (op === 'freePage' && pages.length > 0) {
                a.freeRun(pages.splice(k % pages.length, 1)[0], 512);
              }
            }
            expect(runsByVisit(a)).toEqual(runsByScan(a));
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('joins adjacent entries into one run and splits at holes', () => {
    const a = createHier2mAllocator(space, space.ranges, { lowLimit: 0 });
    expect(runsByVisit(a)).toEqual([
      [1, 158],
      [256, 1],
      [300, 1748],
      [2049, 2951],
    ]);
    const page = a.allocRun(512, { align: 512 });
    expect(page).toBe(512);
    expect(runsByVisit(a)).toEqual([
      [1, 158],
      [256, 1],
      [300, 212],
      [1024, 1024],
      [2049, 2951],
    ]);
  });
});
