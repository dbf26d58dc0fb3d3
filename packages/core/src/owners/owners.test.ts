import { describe, expect, it } from 'vitest';
import type { FrameAllocator } from '../api';
import { type FrameErrorCode, isFrameError } from '../errors';
import { createFrameSpace } from '../frame-space';
import { TEST_PLUGINS } from '../router/__fixtures__/plugins';
import { routerPresets } from '../router/presets';
import { createRouter } from '../router/router';
import { createBaselineAllocator } from '../testing/baseline';
import { describeAllocatorConformance } from '../testing/describe';
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
