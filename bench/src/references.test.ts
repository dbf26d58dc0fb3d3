/** The bench's checked references do the checks they stand for: a floor that skipped them would flatter every budget it is shown beside. */

import { createStackAllocator } from '@framekit/alloc-stack';
import { createFrameSpace } from '@framekit/core';
import { describe, expect, it } from 'vitest';
import { CountedStackCache } from './counted-stack';
import { CheckedClassStacks } from './heap-floor';
import { CheckedTypedArrayStack } from './plain-stack';
import { TranscribedBuddy } from './ref-buddy';

describe('ref:checked-stack', () => {
  it('hands frames out LIFO and refuses a double free, a foreign frame and a bad batch, changing nothing', () => {
    const stack = new CheckedTypedArrayStack(100);
    const a = stack.alloc();
    const b = stack.alloc();
    stack.free(a);
    expect(() => stack.free(a)).toThrow(/not allocated/);
    expect(() => stack.free(100)).toThrow(/not allocated/);
    expect(() => stack.free(1.5)).toThrow(/not allocated/);
    expect(() => stack.freeMany(Float64Array.of(b, b), 2)).toThrow(/not allocated/);
    // b is still allocated, a is still on top.
    expect(stack.alloc()).toBe(a);
    stack.free(b);
    expect(stack.alloc()).toBe(b);
  });
});

describe('ref:checked-classes', () => {
  it('serves each 16-byte class from frames of its own, LIFO, and refuses foreign, interior and freed addresses', () => {
    const heap = new CheckedClassStacks(16);
    const a = heap.malloc(20); // the 32-byte class
    const b = heap.malloc(30);
    const c = heap.malloc(100); // the 112-byte class: a frame of its own
    expect(b - a).toBe(32);
    expect(Math.floor(c / 4096)).not.toBe(Math.floor(a / 4096));
    heap.free(a);
    expect(() => heap.free(a)).toThrow(/not a live allocation/);
    expect(() => heap.free(b + 16)).toThrow(/not a live allocation/);
    expect(() => heap.free(16 * 4096)).toThrow(/not a live allocation/);
    expect(() => heap.malloc(4097)).toThrow(/not in \[1, 4096\]/);
    expect(() => heap.malloc(1.5)).toThrow(/not in \[1, 4096\]/);
    expect(heap.malloc(17)).toBe(a);
    // Stacks grow together past their first room, keeping every class's addresses.
    const many = Array.from({ length: 40 }, () => heap.malloc(16));
    for (const x of many) heap.free(x);
    heap.free(c);
    expect(heap.malloc(100)).toBe(c);
    expect(new Set(Array.from({ length: 40 }, () => heap.malloc(16)))).toEqual(new Set(many));
  });

  it('returns -1 when its frames are carved', () => {
    const heap = new CheckedClassStacks(1);
    expect(heap.malloc(4096)).toBe(0);
    expect(heap.malloc(4096)).toBe(-1);
  });
});

describe('ref:js-buddy', () => {
  it('is a buddy: smallest block first, split on allocation, merged on free, frees of free frames refused', () => {
    // 4 MiB blocks at 0 … 3072, then a block of 2 frames and one of 1 (the space's tail).
    const buddy = new TranscribedBuddy(4096 + 3);
    // The smallest block first, the lowest of its order: the tail's, then splits of the first 4 MiB.
    const taken = Array.from({ length: 5 }, () => buddy.alloc());
    expect(taken).toEqual([4098, 4096, 4097, 0, 1]);
    // A 2 MiB run: the order-9 half the splits left at 512.
    const run = buddy.allocRun(512, { align: 512 });
    expect(run).toBe(512);
    expect(buddy.allocRun(4, { align: 4 })).toBe(4);
    expect(() => buddy.free(2)).toThrow(/not allocated/);
    expect(() => buddy.free(4099)).toThrow(/not allocated/);
    expect(() => buddy.free(1.5)).toThrow(/not allocated/);
    expect(() => buddy.freeRun(510, 4)).toThrow(/not allocated/);
    buddy.freeRun(4, 4);
    buddy.freeRun(run, 512);
    for (const pfn of taken) buddy.free(pfn);
    expect(() => buddy.free(0)).toThrow(/not allocated/);
    // Everything merged back: four whole 4 MiB blocks, and the tail's two blocks.
    for (const head of [0, 1024, 2048, 3072]) expect(buddy.allocRun(1024, { align: 1024 })).toBe(head);
    expect(buddy.allocRun(2, { align: 2 })).toBe(4096);
    expect(buddy.alloc()).toBe(4098);
    // Out of frames: -1, not a throw.
    expect(buddy.alloc()).toBe(-1);
  });
});

describe('ref:counted-stack', () => {
  it("hands out the stack's frames, refuses a double free and a foreign frame, and counts what it holds", () => {
    const space = createFrameSpace({ frames: 100 });
    const cache = new CountedStackCache(createStackAllocator(space, space.ranges, { trusted: true }), 100);
    const a = cache.alloc();
    const b = cache.alloc();
    expect(a).not.toBe(b);
    cache.free(a);
    expect(() => cache.free(a)).toThrow(/not allocated/);
    expect(() => cache.free(100)).toThrow(/not allocated/);
    expect(() => cache.free(1.5)).toThrow(/not allocated/);
    expect(() => cache.free(-1)).toThrow(/not allocated/);
    // The refusals changed nothing: 99 frames are held (b is still out), then b comes back once.
    const out = new Float64Array(100);
    expect(cache.allocMany(out, 100)).toBe(false);
    expect(cache.allocMany(out, 99)).toBe(true);
    expect(cache.alloc()).toBe(-1);
    expect(new Set([...out.subarray(0, 99), b]).size).toBe(100);
    cache.free(b);
    expect(() => cache.free(b)).toThrow(/not allocated/);
    cache.freeMany(out, 99);
    expect(cache.allocMany(out, 100)).toBe(true);
  });
});
