import { createFrameSpace } from '@framekit/core';
import { describe, expect, it } from 'vitest';
import type { StackAllocator } from './api';
import { createStackAllocator, plugin } from './plugin';

describe('the flat used bits', () => {
  it('are not kept for single-frame checks when the ranges reach past 2^32 frames', () => {
    // Dense enough for flat bits over [0, 2^33), but flat words hold frames below 2^32 only.
    const high = 2 ** 32;
    const space = createFrameSpace({
      frames: 2 ** 33,
      ranges: [
        { start: 0, count: 64 },
        { start: high, count: high },
      ],
    });
    const stack = createStackAllocator(space);
    const low = new Float64Array(64);
    expect(stack.allocMany(low, 64)).toBe(true); // the flat words now exist
    expect(stack.alloc()).toBe(high);
    expect(stack.alloc()).toBe(high + 1);
    stack.free(high + 1); // the bottom node
    stack.free(high); // an entry in it
    expect(stack.isFree(high)).toBe(true);
    expect(stack.alloc()).toBe(high); // off the stack, marked used again
    expect(stack.isFree(high)).toBe(false);
    expect(stack.isFree(0)).toBe(false);
    stack.free(0);
    expect(stack.isFree(0)).toBe(true);
    expect(stack.isFree(high)).toBe(false);
    stack.free(high);
    expect(stack.isFree(high)).toBe(true);
    expect(stack.stats().usedFrames).toBe(63);
  });

  it('follow the words after an untouched frame grows them past a batch that read them first', () => {
    const stack = createStackAllocator(createFrameSpace({ frames: 100_000 }));
    const first = new Float64Array(1);
    expect(stack.allocMany(first, 1)).toBe(true); // frame 0; the flat words are read here
    const taken: number[] = [];
    for (let i = 1; i < 40_000; i++) taken.push(stack.alloc()); // the words grow past 32,768 frames
    expect(taken[taken.length - 1]).toBe(39_999);
    stack.free(0);
    expect(stack.isFree(0)).toBe(true);
    expect(() => stack.free(0)).toThrow(expect.objectContaining({ code: 'DOUBLE_FREE' }));
    stack.free(39_999);
    expect(stack.alloc()).toBe(39_999);
    expect(stack.isFree(39_999)).toBe(false);
    expect(() => stack.free(1)).not.toThrow();
    expect(stack.isFree(1)).toBe(true);
    expect(stack.stats().usedFrames).toBe(39_998);
  });
});

describe('trusted: no used bits, free frames found by walking the stack and the carver', () => {
  it('counts a frame handed out from the untouched part as used', () => {
    const space = createFrameSpace({ frames: 4096, ranges: [{ start: 16, count: 2000 }] });
    const stack = plugin.create(space, space.ranges, { trusted: true }) as StackAllocator;
    expect(stack.alloc()).toBe(16);
    expect(stack.isFree(16)).toBe(false);
    expect(stack.isFree(17)).toBe(true);
    const runs: number[] = [];
    stack.forEachFreeRun((s, c) => runs.push(s, c));
    expect(runs).toEqual([17, 1999]);
  });

  it('walks past a node whose frame number has all ones in its low 32 bits', () => {
    // Frame 2^32 - 1 becomes the bottom node; its low link word then equals the "no link" word.
    const last = 2 ** 32 - 1;
    const space = createFrameSpace({ frames: 2 ** 32, ranges: [{ start: last - 15, count: 16 }] });
    const stack = plugin.createEmpty!(space, space.ranges, {
      trusted: true,
      nodeEntries: 1,
    }) as StackAllocator;
    stack.free(last); // the bottom node
    stack.free(last - 1); // its entry
    stack.free(last - 2); // a new top node, linked to frame 2^32 - 1
    expect(stack.inspect()).toMatchObject({ top: last - 2, depth: 2, stacked: 3 });
    expect(stack.isFree(last)).toBe(true);
    expect(stack.isFree(last - 1)).toBe(true);
    const runs: number[] = [];
    stack.forEachFreeRun((s, c) => runs.push(s, c));
    expect(runs).toEqual([last - 2, 3]);
  });
});

describe('nodes in a typed array', () => {
  it('halve the array only when three quarters of it are empty, not at half', () => {
    // No contents: the nodes live in an array of slots (one node per slot, at least 4 slots).
    const space = createFrameSpace({ frames: 64 }, { backing: 'none' });
    const stack = createStackAllocator(space, undefined, { nodeEntries: 1 });
    const out = new Float64Array(10);
    expect(stack.allocMany(out, 10)).toBe(true);
    stack.freeMany(out, 10); // 5 nodes of one entry each: 8 slots
    expect(stack.inspect()).toMatchObject({ depth: 5, stacked: 10 });
    const grown = stack.stats().metadataBytes;
    // Down to 4 nodes (half the slots): the array stays, and back up to 5 nothing is copied.
    stack.alloc();
    stack.alloc();
    expect(stack.inspect().depth).toBe(4);
    expect(stack.stats().metadataBytes).toBe(grown);
    // Down to 2 nodes (a quarter): the array halves.
    for (let i = 0; i < 4; i++) stack.alloc();
    expect(stack.inspect().depth).toBe(2);
    expect(stack.stats().metadataBytes).toBeLessThan(grown);
  });
});
