import { describe, expect, it, vi } from 'vitest';
import type { FrameAllocator } from '../api';
import { type FrameErrorCode, isFrameError } from '../errors';
import { createFrameSpace } from '../frame-space';
import { FrameU32 } from '../per-frame/u32';
import { Rng } from '../rng';
import { TEST_PLUGINS } from '../router/__fixtures__/plugins';
import { routerPresets } from '../router/presets';
import { createRouter } from '../router/router';
import { createBaselineAllocator } from '../testing/baseline';
import { describeAllocatorConformance } from '../testing/describe';
import { OwnerTable } from './owner-table';
import { KERNEL_OWNER, withOwners } from './owners';

describeAllocatorConformance(
  'withOwners(baseline), the kernel view',
  (space) => withOwners(createBaselineAllocator(space)),
  {
    backings: ['none', 'sparse'],
  },
);
describeAllocatorConformance('withOwners(baseline), a process view', (space) =>
  withOwners(createBaselineAllocator(space)).forOwner(7),
);
describeAllocatorConformance(
  'withOwners over a router that takes runs back only whole',
  (space) => withOwners(createRouter(space, routerPresets.z903, TEST_PLUGINS)).forOwner(3),
  { shapes: ['ranges-with-holes', 'large-sparse'] },
);
describeAllocatorConformance(
  'withOwners, not strict',
  (space) => withOwners(createBaselineAllocator(space), { strict: false }),
  { shapes: ['odd-starts'] },
);

function thrown(fn: () => unknown): { code: FrameErrorCode; message: string } {
  try {
    fn();
  } catch (error) {
    if (isFrameError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('did not throw');
}

function snapshot(a: FrameAllocator): string {
  let bits = '';
  for (let pfn = 0; pfn < a.space.frameCount; pfn++) bits += a.isFree(pfn) ? '1' : '0';
  return `${JSON.stringify(a.stats())} ${bits}`;
}

describe('withOwners', () => {
  it('tags allocations with the owner of the view that made them', () => {
    const kernel = withOwners(createBaselineAllocator(createFrameSpace({ frames: 256 })));
    const p1 = kernel.forOwner(1);
    const p2 = kernel.forOwner(2);
    expect(kernel.owner).toBe(KERNEL_OWNER);
    expect(kernel.forOwner(1)).toBe(p1);
    const a = p1.alloc();
    const out = [0, 0, 0];
    p1.allocMany(out, 3);
    const run = p1.allocRun(5, { align: 8 });
    const b = p2.alloc();
    const k = kernel.alloc();
    expect(kernel.ownerOf(a)).toBe(1);
    expect(kernel.ownerOf(run + 4)).toBe(1);
    expect(p2.ownerOf(b)).toBe(2);
    expect(kernel.ownerOf(k)).toBe(0);
    expect(kernel.ownerOf(200)).toBe(-1);
    expect(kernel.framesOf(1)).toBe(9);
    expect(kernel.owners()).toEqual([
      { owner: 0, frames: 1 },
      { owner: 1, frames: 9 },
      { owner: 2, frames: 1 },
    ]);
    p1.freeRun(run, 5);
    expect(kernel.framesOf(1)).toBe(4);
    expect(kernel.ownerOf(run)).toBe(-1);
  });

  it('releases everything an owner holds when it exits, and nothing else', () => {
    const base = createBaselineAllocator(createFrameSpace({ frames: 4096 }));
    const kernel = withOwners(base);
    const p1 = kernel.forOwner(1);
    const p2 = kernel.forOwner(2);
    const mine: number[] = [];
    for (let i = 0; i < 20; i++) {
      mine.push(p1.alloc());
      p2.alloc();
    }
    p1.allocRun(600, { align: 512 });
    p1.free(mine[3]);
    expect(kernel.framesOf(1)).toBe(619);
    expect(kernel.releaseOwner(1)).toBe(619);
    expect(kernel.framesOf(1)).toBe(0);
    expect(kernel.owners()).toEqual([{ owner: 2, frames: 20 }]);
    expect(base.stats().usedFrames).toBe(20);
    expect(kernel.releaseOwner(1)).toBe(0);
    expect(p2.releaseOwner(2)).toBe(20);
    expect(base.stats().usedFrames).toBe(0);
  });

  it('releases whole runs whole where the allocator takes them back only whole', () => {
    const router = createRouter(createFrameSpace({ frames: 4096 }), routerPresets.z903, TEST_PLUGINS);
    const kernel = withOwners(router);
    const p = kernel.forOwner(9);
    const first = p.allocRun(512, { align: 512 });
    const second = p.allocRun(512, { align: 512 });
    expect(second).toBe(first + 512); // neighbours, but two runs
    p.alloc();
    p.alloc();
    expect(thrown(() => p.free(first + 1)).code).toBe('NOT_ALLOCATED');
    expect(kernel.releaseOwner(9)).toBe(1026);
    expect(router.stats().usedFrames).toBe(0);
  });

  it('in strict mode refuses to free another owner’s frame, naming the holder, and changes nothing', () => {
    const kernel = withOwners(createBaselineAllocator(createFrameSpace({ frames: 64 })));
    const p1 = kernel.forOwner(1);
    const p2 = kernel.forOwner(2);
    const a = p1.alloc();
    const b = p2.alloc();
    const before = snapshot(kernel);
    const e = thrown(() => p2.free(a));
    expect(e.code).toBe('NOT_ALLOCATED');
    expect(e.message).toContain(`frame ${a} belongs to owner 1, not owner 2`);
    expect(thrown(() => p2.freeMany([b, a], 2)).code).toBe('NOT_ALLOCATED');
    expect(thrown(() => p2.freeRun(a, 2)).code).toBe('NOT_ALLOCATED');
    expect(thrown(() => kernel.free(a)).code).toBe('NOT_ALLOCATED');
    expect(snapshot(kernel)).toBe(before);
    expect(kernel.framesOf(2)).toBe(1);
  });

  it('reports the allocator’s own codes before ownership', () => {
    const kernel = withOwners(
      createBaselineAllocator(createFrameSpace({ frames: 64, ranges: [{ start: 0, count: 32 }] })),
    );
    const p1 = kernel.forOwner(1);
    const free = 10;
    expect(thrown(() => p1.free(free)).code).toBe('DOUBLE_FREE');
    expect(thrown(() => p1.free(40)).code).toBe('NOT_USABLE');
    expect(thrown(() => p1.free(64)).code).toBe('OUT_OF_RANGE');
    expect(thrown(() => p1.free(1.5)).code).toBe('INVALID_REQUEST');
    const a = p1.alloc();
    expect(thrown(() => p1.freeMany([a, a], 2)).code).toBe('DOUBLE_FREE');
    expect(thrown(() => p1.freeRun(a, 2)).code).toBe('NOT_ALLOCATED');
  });

  it('refuses frames allocated around the wrapper when strict, and frees them when not', () => {
    const base = createBaselineAllocator(createFrameSpace({ frames: 64 }));
    const strict = withOwners(base);
    const direct = base.alloc();
    expect(thrown(() => strict.free(direct)).message).toContain('was not allocated through withOwners');
    const loose = withOwners(base, { strict: false });
    const a = loose.forOwner(4).alloc();
    loose.forOwner(5).free(a);
    loose.free(direct);
    expect(loose.framesOf(4)).toBe(0);
    expect(base.stats().usedFrames).toBe(0);
  });

  it('refuses owner ids that are not 32-bit ids', () => {
    const kernel = withOwners(createBaselineAllocator(createFrameSpace({ frames: 8 })));
    for (const bad of [-1, 1.5, 2 ** 32 - 1, Number.NaN]) {
      expect(thrown(() => kernel.forOwner(bad)).code).toBe('INVALID_REQUEST');
      expect(thrown(() => kernel.releaseOwner(bad)).code).toBe('INVALID_REQUEST');
    }
    expect(kernel.forOwner(2 ** 32 - 2).owner).toBe(2 ** 32 - 2);
  });

  it('costs only the 512-frame chunks it touches on a 1 TiB space', () => {
    const frames = 2 ** 28;
    const base = createBaselineAllocator(
      createFrameSpace({ frames, ranges: [{ start: frames - 4096, count: 4096 }] }),
    );
    const kernel = withOwners(base);
    const before = kernel.stats().metadataBytes;
    kernel.forOwner(1).allocRun(1000);
    expect(kernel.stats().metadataBytes - before).toBeLessThanOrEqual(2 * 512 * 4 + 64);
    expect(kernel.releaseOwner(1)).toBe(1000);
  });

  it('costs what it holds, not where it sits: stats and releaseOwner near frame 2^40 touch one chunk', () => {
    const at = (frames: number) => {
      const space = createFrameSpace(
        { frames, ranges: [{ start: frames - 4096, count: 4096 }] },
        { backing: 'sparse' },
      );
      const kernel = withOwners(createBaselineAllocator(space));
      const p = kernel.forOwner(5);
      const run = p.allocRun(64);
      const single = p.alloc();
      kernel.alloc();
      return { kernel, run, single, bytes: kernel.stats().metadataBytes - space.ranges.length * 0 };
    };
    const low = at(2 ** 36);
    const high = at(2 ** 40);
    expect(high.run).toBeGreaterThan(2 ** 40 - 4097);
    // The table holds the same few chunks at 2^36 and 2^40: its size (and so the cost of every
    // walk over it: stats, owners, releaseOwner) does not grow with the frame numbers.
    expect(high.bytes - high.kernel.inner.stats().metadataBytes).toBe(
      low.bytes - low.kernel.inner.stats().metadataBytes,
    );
    expect(high.kernel.owners()).toEqual([
      { owner: 0, frames: 1 },
      { owner: 5, frames: 65 },
    ]);
    expect(high.kernel.releaseOwner(5)).toBe(65);
    expect(high.kernel.ownerOf(high.single)).toBe(-1);
    expect(high.kernel.inner.stats().usedFrames).toBe(1);
  });
});

/**
 * Runs `fn` and returns how many callbacks the tag table's walks made (`forEachNonZero` calls
 * one per frame, `forEachStretch` one per stretch): what a release costs in calls, not time.
 */
function walkCallbacks(fn: () => void): number {
  const proto = FrameU32.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const names = ['forEachNonZero', 'forEachStretch'].filter((name) => typeof proto[name] === 'function');
  const originals = names.map((name) => proto[name]);
  let calls = 0;
  names.forEach((name, i) => {
    proto[name] = function (this: unknown, ...args: unknown[]) {
      const counted = args.map((a) =>
        typeof a === 'function'
          ? (...x: unknown[]) => {
              calls++;
              return (a as (...y: unknown[]) => unknown)(...x);
            }
          : a,
      );
      return originals[i].apply(this, counted);
    };
  });
  try {
    fn();
  } finally {
    names.forEach((name, i) => {
      proto[name] = originals[i];
    });
  }
  return calls;
}

describe('releaseOwner over 2 MiB pages', () => {
  const pages = 16;

  it('makes O(pages) calls where runs go back only whole (z903): one freeRun per page, no per-frame walk', () => {
    const router = createRouter(
      createFrameSpace({ frames: (2 * pages + 2) * 512 }),
      routerPresets.z903,
      TEST_PLUGINS,
    );
    const kernel = withOwners(router);
    // Two processes take turns, so each holds every other page.
    for (let i = 0; i < pages; i++) {
      expect(kernel.forOwner(1).allocRun(512, { align: 512 })).not.toBe(-1);
      expect(kernel.forOwner(2).allocRun(512, { align: 512 })).not.toBe(-1);
    }
    // And two neighbouring pages of process 3: two runs, each back whole.
    const a = kernel.forOwner(3).allocRun(512, { align: 512 });
    const b = kernel.forOwner(3).allocRun(512, { align: 512 });
    expect(b).toBe(a + 512);
    const free = vi.spyOn(router, 'free');
    const freeRun = vi.spyOn(router, 'freeRun');
    const calls = walkCallbacks(() => expect(kernel.releaseOwner(1)).toBe(pages * 512));
    expect(calls).toBeLessThanOrEqual(pages);
    expect(freeRun).toHaveBeenCalledTimes(pages);
    for (const [, count] of freeRun.mock.calls) expect(count).toBe(512);
    expect(free).not.toHaveBeenCalled();
    freeRun.mockClear();
    expect(walkCallbacks(() => expect(kernel.releaseOwner(3)).toBe(1024))).toBeLessThanOrEqual(2);
    expect(freeRun.mock.calls).toEqual([
      [a, 512],
      [b, 512],
    ]);
    expect(kernel.owners()).toEqual([{ owner: 2, frames: pages * 512 }]);
    expect(router.stats().usedFrames).toBe(pages * 512);
  });

  it('makes O(pages) calls where runs go back piecewise: one freeRun per stretch held', () => {
    const base = createBaselineAllocator(createFrameSpace({ frames: 2 * pages * 512 }));
    const kernel = withOwners(base);
    for (let i = 0; i < pages; i++) {
      kernel.forOwner(1).allocRun(512, { align: 512 });
      kernel.forOwner(2).allocRun(512, { align: 512 });
    }
    const freeRun = vi.spyOn(base, 'freeRun');
    const free = vi.spyOn(base, 'free');
    const calls = walkCallbacks(() => expect(kernel.releaseOwner(2)).toBe(pages * 512));
    expect(calls).toBeLessThanOrEqual(pages);
    expect(freeRun).toHaveBeenCalledTimes(pages);
    expect(free).not.toHaveBeenCalled();
    expect(base.stats().usedFrames).toBe(pages * 512);
  });
});

/**
 * What `heldBy` listed when it walked the tags frame by frame (the table as it was): for each
 * frame of `owner` in `[from, to)`, ascending, a run recorded at it (skipping the run), a single
 * frame, or, where runs go back piecewise, the frame joined to the stretch before it.
 */
function heldFrameByFrame(table: OwnerTable, owner: number, from: number, to: number, whole: boolean) {
  const starts: number[] = [];
  const counts: number[] = [];
  let skipUntil = -1;
  for (let pfn = from; pfn < to; pfn++) {
    if (table.ownerOf(pfn) !== owner) continue;
    if (whole) {
      if (pfn < skipUntil) continue;
      const length = table.runLengthAt(pfn);
      starts.push(pfn);
      counts.push(length > 0 ? length : 1);
      if (length > 0) skipUntil = pfn + length;
      continue;
    }
    const last = starts.length - 1;
    if (last >= 0 && starts[last] + counts[last] === pfn) counts[last]++;
    else {
      starts.push(pfn);
      counts.push(1);
    }
  }
  return { starts, counts };
}

describe('OwnerTable.heldBy', () => {
  for (const whole of [false, true]) {
    it(`lists what the frame-by-frame walk listed (${whole ? 'runs back only whole' : 'piecewise'}), across chunks far above 2^32`, () => {
      const inner = {
        capabilities: { runs: 'any', below: true, freeRunPiecewise: !whole },
      } as FrameAllocator;
      const table = new OwnerTable(inner);
      const base = 2 ** 36 - 1500;
      const span = 5000;
      const rng = new Rng(whole ? 3 : 4);
      // What is tagged, as tagged: each item is untagged whole (a run must go back whole).
      const items: { pfn: number; count: number }[] = [];
      for (let step = 0; step < 400; step++) {
        if (items.length > 0 && rng.chance(0.35)) {
          const [item] = items.splice(rng.int(0, items.length - 1), 1);
          table.untag(item.pfn, item.count);
        } else {
          const count = rng.chance(0.3) ? rng.int(100, 700) : rng.int(1, 12);
          const pfn = base + rng.int(0, span - count);
          let clear = true;
          for (let i = pfn; i < pfn + count && clear; i++) clear = table.ownerOf(i) < 0;
          if (!clear) continue;
          const run = count > 1 || rng.chance(0.5);
          table.tag(pfn, count, rng.int(1, 3), run);
          items.push({ pfn, count });
        }
        if (step % 20 === 0 || step === 399) {
          for (const owner of [1, 2, 3]) {
            expect(table.heldBy(owner)).toEqual(heldFrameByFrame(table, owner, base, base + span, whole));
          }
        }
      }
    });
  }
});
