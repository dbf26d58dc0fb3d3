import { createFrameSpace, NO_FRAME } from '@framekit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEmptyHier2mAllocator, createHier2mAllocator, type Hier2mAllocator } from './index';

/** A space with a hole, a partial entry at each end, and low memory (below the 8 MiB low limit). */
const space = () =>
  createFrameSpace({
    frames: 6000,
    ranges: [
      { start: 300, count: 1700 },
      { start: 2100, count: 3800 },
    ],
  });

describe('allocMany', () => {
  it('hands out the frames that as many alloc() calls would, in the same order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 700 })), {
          maxLength: 40,
        }),
        fc.boolean(),
        (steps, empty) => {
          // The same history on two allocators; then one takes a batch, the other one frame at a time.
          const make = (): Hier2mAllocator => {
            if (!empty) return createHier2mAllocator(space(), undefined, { lowLimit: 1024 });
            const a = createEmptyHier2mAllocator(space(), undefined, { lowLimit: 1024 });
            // Filled as a router fills a cache: whole 2 MiB entries as pages, the rest frame by frame.
            for (const r of space().ranges) {
              for (let pfn = r.start; pfn < r.start + r.count; ) {
                if (pfn % 512 === 0 && pfn + 512 <= r.start + r.count) {
                  a.freeRun(pfn, 512);
                  pfn += 512;
                } else a.free(pfn++);
              }
            }
            return a;
          };
          const batched = make();
          const single = make();
          const held: number[] = [];
          for (const [kind, n] of steps) {
            if (kind === 0 && held.length > 0) {
              // Free some of what is held, from anywhere in it.
              for (let i = 0; i < Math.min(n, held.length); i++) {
                const [pfn] = held.splice((i * 7919) % held.length, 1);
                batched.free(pfn);
                single.free(pfn);
              }
              continue;
            }
            if (kind === 1) {
              const a = batched.allocRun(512, { align: 512 });
              expect(single.allocRun(512, { align: 512 })).toBe(a);
              if (a !== NO_FRAME) {
                batched.freeRun(a, 512);
                single.freeRun(a, 512);
              }
              continue;
            }
            const out = new Float64Array(n);
            const ok = batched.allocMany(out, n);
            const free = single.stats().freeFrames;
            expect(ok).toBe(n <= free);
            if (!ok) continue;
            for (let i = 0; i < n; i++) expect(single.alloc(), `frame ${i} of ${n}`).toBe(out[i]);
            held.push(...out);
            expect(batched.stats()).toEqual(single.stats());
          }
          for (let pfn = 0; pfn < 6000; pfn++) expect(batched.isFree(pfn)).toBe(single.isFree(pfn));
        },
      ),
      { numRuns: 60 },
    );
  });
});
