import { createFrameSpace, GiB, NO_FRAME, withRefCounts } from '@framekit/core';
import { createBaselineAllocator, frameErrorCode } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createStackAllocator } from './plugin';

/*
 * Scenarios from PatchworkOS's physical memory manager (see the peer scenarios), in our own
 * words. PatchworkOS keeps memory below a limit in a bitmap for bounded, contiguous
 * requests and everything above it in the free-page stack; a usable range that straddles
 * the limit is split between the two. Here the stack gets the part above the limit.
 */

const LIMIT = (4 * GiB) / 4096; // frame 2^20: PatchworkOS's bitmap covers memory below 4 GiB
const straddling = { start: LIMIT - 300, count: 800 };

function split() {
  const space = createFrameSpace({ frames: LIMIT + 1024, ranges: [straddling] }, { backing: 'sparse' });
  const below = { start: straddling.start, count: LIMIT - straddling.start };
  const above = { start: LIMIT, count: straddling.start + straddling.count - LIMIT };
  const bitmap = createBaselineAllocator(space, [below]);
  const stack = createStackAllocator(space, [above]);
  return { space, bitmap, stack, below, above };
}

describe('PatchworkOS scenarios', () => {
  it('single-frame allocations never return frames of the bitmap share of a straddling range', () => {
    const { stack, above } = split();
    const got: number[] = [];
    for (let pfn = stack.alloc(); pfn !== NO_FRAME; pfn = stack.alloc()) got.push(pfn);
    expect(got.length).toBe(above.count);
    expect(Math.min(...got)).toBe(LIMIT);
    expect(Math.max(...got)).toBe(above.start + above.count - 1);
    // Recycled through the stack, still only its own frames.
    stack.freeMany(got, got.length);
    const again = new Array<number>(above.count).fill(0);
    expect(stack.allocMany(again, above.count)).toBe(true);
    expect(again.every((pfn) => pfn >= LIMIT)).toBe(true);
  });

  it('a free that straddles the split is refused whole; each side takes back its own part', () => {
    const { stack, bitmap, below } = split();
    const low = bitmap.allocRun(below.count);
    const high = new Array<number>(10).fill(0);
    stack.allocMany(high, 10);
    const before = stack.stats();
    // The run reaches into the bitmap's share: the stack must not take any of it.
    expect(frameErrorCode(() => stack.freeRun(LIMIT - 5, 15))).toBe('NOT_USABLE');
    expect(stack.stats()).toEqual(before);
    expect(frameErrorCode(() => stack.free(LIMIT - 1))).toBe('NOT_USABLE');
    stack.freeRun(LIMIT, 10);
    bitmap.freeRun(low, below.count);
    expect(stack.stats().usedFrames).toBe(0);
    expect(bitmap.stats().usedFrames).toBe(0);
  });

  it('bounded, aligned contiguous requests are the bitmap job: the stack refuses them', () => {
    const { stack, bitmap } = split();
    expect(stack.capabilities.runs).toBe('none');
    expect(frameErrorCode(() => stack.allocRun(4, { below: LIMIT, align: 4 }))).toBe('UNSUPPORTED');
    const run = bitmap.allocRun(4, { below: LIMIT, align: 4 });
    expect(run % 4).toBe(0);
    expect(run + 4).toBeLessThanOrEqual(LIMIT);
  });

  it('a batch larger than what is free allocates nothing (pmm_alloc_pages)', () => {
    const { stack, above } = split();
    const some = new Array<number>(100).fill(0);
    stack.allocMany(some, 100);
    stack.freeMany(some, 40);
    const shape = stack.inspect();
    const out = new Array<number>(above.count).fill(-1);
    expect(stack.allocMany(out, above.count - 59)).toBe(false);
    expect(out.every((v) => v === -1)).toBe(true);
    expect(stack.inspect()).toEqual(shape);
    expect(stack.allocMany(out, above.count - 60)).toBe(true);
  });

  it('the stack costs no memory of its own: nodes are the free pages themselves', () => {
    const space = createFrameSpace({ frames: 1 << 16 }, { backing: 'dense' });
    const stack = createStackAllocator(space);
    const all = new Float64Array(1 << 16);
    stack.allocMany(all, all.length);
    const drained = stack.stats().metadataBytes;
    stack.freeMany(all, all.length);
    expect(stack.inspect().stacked).toBe(1 << 16);
    expect(stack.stats().metadataBytes).toBe(drained);
  });

  it('with reference counts, a page returns to the stack only when its last reference drops', () => {
    const { stack } = split();
    const pmm = withRefCounts(stack);
    const pfn = pmm.alloc();
    expect(pmm.refCount(pfn)).toBe(1);
    expect(pmm.ref(pfn)).toBe(2);
    pmm.free(pfn);
    expect(stack.isFree(pfn)).toBe(false);
    expect(stack.inspect().stacked).toBe(0);
    pmm.free(pfn);
    expect(stack.isFree(pfn)).toBe(true);
    expect(stack.inspect()).toMatchObject({ top: pfn, stacked: 1 });
    expect(frameErrorCode(() => pmm.ref(pfn))).toBe('NOT_ALLOCATED');
    expect(frameErrorCode(() => pmm.free(pfn))).toBe('DOUBLE_FREE');
  });
});
