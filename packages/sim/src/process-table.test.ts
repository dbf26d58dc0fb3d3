import { createFrameSpace, NO_FRAME } from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import { Outcome } from './outcome';
import { ProcessTable } from './process-table';
import { PROGRAM } from './program';
import { Replayer } from './replay';
import { WORKLOADS } from './workloads/index';

const PAGE = 4096;
const heapVa = (page: number) => PROGRAM.heap.start + page * PAGE;

function setUp(frames = 8192) {
  const space = createFrameSpace({ frames }, { backing: 'sparse' });
  const allocator = createBaselineAllocator(space);
  return { space, allocator, table: new ProcessTable(allocator), free0: allocator.stats().freeFrames };
}

describe('ProcessTable', () => {
  it('forks copy-on-write: one frame until the child writes, then a copy with the same bytes', () => {
    const { table } = setUp();
    expect(table.spawn(1)).toBe(Outcome.Done);
    expect(table.touch(1, 'stack', 255, true)).toBe(Outcome.Done);
    const parent = table.addressSpace(1)!;
    const top = PROGRAM.stack.start + 255 * PAGE;
    parent.write(top, Uint8Array.of(7, 8, 9));
    expect(table.fork(2, 1)).toBe(Outcome.Done);
    const child = table.addressSpace(2)!;
    const shared = parent.translate(top)!.pa;
    expect(child.translate(top)!.pa).toBe(shared);

    expect(table.touch(2, 'stack', 255, true)).toBe(Outcome.Done);
    expect(child.translate(top)!.pa).not.toBe(shared);
    expect([...child.read(top, 3)]).toEqual([7, 8, 9]);
    expect(parent.translate(top)!.pa).toBe(shared);
  });

  it('shares the program text through one page cache, across spawns and execs', () => {
    const { table } = setUp();
    table.spawn(1);
    table.spawn(2);
    table.touch(1, 'text', 3, false);
    table.touch(2, 'text', 3, false);
    const va = PROGRAM.text.start + 3 * PAGE;
    const frame = table.addressSpace(1)!.translate(va)!.pa;
    expect(table.addressSpace(2)!.translate(va)!.pa).toBe(frame);
    table.exec(2);
    expect(table.addressSpace(2)!.translate(va)).toBeNull();
    table.touch(2, 'text', 3, false);
    expect(table.addressSpace(2)!.translate(va)!.pa).toBe(frame);
  });

  it('exec replaces the image: the old pages go back, the new heap starts empty', () => {
    const { table, allocator, free0 } = setUp();
    table.spawn(1);
    table.touch(1, 'text', 0, false); // the page cache keeps this page
    for (let p = 0; p < 40; p++) table.touch(1, 'heap', p, true);
    expect(allocator.stats().freeFrames).toBeLessThan(free0 - 40);
    table.exec(1);
    expect(table.addressSpace(1)!.translate(heapVa(0))).toBeNull();
    // In use now: the new root table and the cached text page; the old image all came back.
    expect(allocator.stats().freeFrames).toBe(free0 - 2);
  });

  it('gives back every frame when the processes exit and the table is disposed', () => {
    const { table, allocator, free0 } = setUp();
    const replayer = new Replayer(allocator);
    for (const op of WORKLOADS['fork-exec'].generate({ seed: 5, ops: 5000, frames: 8192 })) {
      expect(replayer.apply(op)).not.toBe(Outcome.Error);
    }
    expect(replayer.processes.size).toBeGreaterThan(0);
    expect(allocator.stats().freeFrames).toBeLessThan(free0);
    replayer.processes[Symbol.dispose]();
    expect(allocator.stats().freeFrames).toBe(free0);
    table[Symbol.dispose]();
  });

  it('reports exhaustion as a failure and changes nothing, then works once memory is back', () => {
    // 64 frames: the root tables and a few pages, then nothing.
    const { table, allocator } = setUp(64);
    table.spawn(1);
    const hog: number[] = [];
    for (let pfn = allocator.alloc(); pfn !== NO_FRAME; pfn = allocator.alloc()) hog.push(pfn);
    expect(table.touch(1, 'heap', 0, true)).toBe(Outcome.Failed);
    expect(table.fork(2, 1)).toBe(Outcome.Failed);
    expect(table.spawn(3)).toBe(Outcome.Failed);
    expect(table.has(2) || table.has(3)).toBe(false);
    expect(allocator.stats().freeFrames).toBe(0);
    for (const pfn of hog) allocator.free(pfn);
    expect(table.touch(1, 'heap', 0, true)).toBe(Outcome.Done);
  });

  it('skips processes that do not exist, and rejects misuse with a FrameError', () => {
    const { table } = setUp();
    expect(table.touch(9, 'heap', 0, true)).toBe(Outcome.Skipped);
    expect(table.fork(10, 9)).toBe(Outcome.Skipped);
    expect(table.exec(9)).toBe(Outcome.Skipped);
    expect(table.exit(9)).toBe(false);
    table.spawn(1);
    const invalid = expect.objectContaining({ code: 'INVALID_REQUEST' });
    expect(() => table.spawn(1)).toThrowError(invalid);
    expect(() => table.fork(1, 1)).toThrowError(invalid);
    expect(() => table.touch(1, 'text', 0, true)).toThrowError(
      expect.objectContaining({
        code: 'INVALID_REQUEST',
        message: expect.stringContaining("protection 'rx'"),
      }),
    );
    expect(() => table.touch(1, 'data', PROGRAM.data.pages, false)).toThrowError(invalid);
  });

  it('needs a frame space with contents', () => {
    const allocator = createBaselineAllocator(createFrameSpace({ frames: 1024 }));
    expect(() => new ProcessTable(allocator).spawn(1)).toThrowError(
      expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringContaining("backing: 'sparse'") }),
    );
  });
});
