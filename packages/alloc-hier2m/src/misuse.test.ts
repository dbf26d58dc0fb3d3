import { createFrameSpace, type FrameError, type FrameErrorCode, isFrameError } from '@framekit/core';
import { describe, expect, it } from 'vitest';
import { holeySpace } from './__fixtures__/holey-space';
import { createHier2mAllocator, type Hier2mAllocator } from './index';

/**
 * Three whole entries from frame 1024, a partial entry with a hole at [600, 700), and a
 * zone boundary: frames [2560, 3072) are usable but given to another allocator.
 */
function setup() {
  const space = holeySpace();
  const ranges = [
    { start: 512, count: 88 },
    { start: 700, count: 1860 },
  ];
  const a = createHier2mAllocator(space, ranges, { lowLimit: 0 });
  return { space, a };
}

/** Everything observable: counters, every frame, every entry's fields, summaries and links. */
function snapshot(a: Hier2mAllocator): string {
  const frames: number[] = [];
  for (let p = 0; p < a.space.frameCount; p++) frames.push(a.isFree(p) ? 1 : 0);
  const entries = [0, 1, 2, 3, 4, 5].map((e) => a.inspectEntry(e * 512 + 511));
  const lists = (['high4k', 'high2m', 'low4k', 'low2m'] as const).map((l) => a.listEntries(l));
  return JSON.stringify({ stats: a.stats(), frames: frames.join(''), entries, lists });
}

function expectMisuse(
  a: Hier2mAllocator,
  codes: FrameErrorCode | FrameErrorCode[],
  fn: () => unknown,
): FrameError {
  const before = snapshot(a);
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isFrameError(thrown), `expected a FrameError, got ${String(thrown)}`).toBe(true);
  expect([codes].flat()).toContain((thrown as { code: string }).code);
  expect(snapshot(a)).toBe(before);
  return thrown as FrameError;
}

describe('misuse throws the documented FrameError and changes nothing', () => {
  it('double free of a 4 KiB frame, and freeing a frame that was never handed out', () => {
    const { a } = setup();
    const p = a.alloc();
    a.free(p);
    expectMisuse(a, 'DOUBLE_FREE', () => a.free(p));
    expectMisuse(a, 'DOUBLE_FREE', () => a.free(2000)); // inside a whole free entry
    expectMisuse(a, 'DOUBLE_FREE', () => a.free(1030));
  });

  it('freeing a 4 KiB frame inside a 2 MiB page, its first frame included', () => {
    const { a } = setup();
    const page = a.allocRun(512, { align: 512 });
    expect(page).toBe(1024);
    expectMisuse(a, 'NOT_ALLOCATED', () => a.free(page + 100));
    expectMisuse(a, 'NOT_ALLOCATED', () => a.free(page));
    expectMisuse(a, 'NOT_ALLOCATED', () => a.freeMany([page + 1], 1));
    expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(page + 3, 1));
    a.freeRun(page, 512);
  });

  it('freeing a 2 MiB entry that was split into 4 KiB frames', () => {
    const { space } = setup();
    const a = createHier2mAllocator(space, [{ start: 1024, count: 1024 }], { lowLimit: 0 });
    const one = a.alloc(); // splits entry 2
    expect(one).toBe(1024);
    expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(1024, 512));
    // Even with every frame of the entry handed out one by one, it was never a 2 MiB page.
    const rest: number[] = [];
    for (let i = 1; i < 512; i++) rest.push(a.alloc());
    expect(Math.max(...rest)).toBe(1535);
    expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(1024, 512));
    a.free(one);
    a.freeMany(rest, rest.length);
    expect(a.free2MiBEntries()).toBe(2);
  });

  it('freeing a split 2 MiB block as a page names its lowest free frame, or the block when none is free', () => {
    const { space } = setup();
    const a = createHier2mAllocator(space, [{ start: 1024, count: 1024 }], { lowLimit: 0 });
    expect(a.alloc()).toBe(1024); // splits entry 2: frame 1025 is its lowest free frame
    expect(expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(1024, 512)).details).toEqual({
      op: 'freeRun',
      pfn: 1025,
    });
    for (let i = 1; i < 512; i++) a.alloc();
    expect(a.inspectEntry(1024)!.hasPages).toBe(0);
    // Every frame handed out one by one: the error names the block and its length.
    expect(expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(1024, 512)).details).toEqual({
      op: 'freeRun',
      pfn: 1024,
      count: 512,
    });
    // The only free frame in the last page field (frames 1504 … 1535).
    a.free(1530);
    expect(expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(1024, 512)).details).toEqual({
      op: 'freeRun',
      pfn: 1530,
    });
  });

  it('a run that ends on our last frame is NOT_ALLOCATED; one that goes past it is NOT_USABLE', () => {
    const { a } = setup();
    // Our frames end at 2560; [2560, 3072) is usable but another allocator's.
    expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(2557, 3));
    expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(590, 10)); // ends where the hole at 600 starts
    expect(expectMisuse(a, 'NOT_USABLE', () => a.freeRun(2559, 2)).details).toMatchObject({ pfn: 2560 });
    expect(expectMisuse(a, 'NOT_USABLE', () => a.freeRun(595, 10)).details).toMatchObject({ pfn: 600 });
    // 512 frames that do not start a 2 MiB block: checked like any other run.
    expect(expectMisuse(a, 'NOT_USABLE', () => a.freeRun(2100, 512)).details).toMatchObject({ pfn: 2560 });
    expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(1500, 512));
  });

  it('ranges that touch are one stretch of our frames: a run across the join is ours', () => {
    const space = createFrameSpace({ frames: 2048 });
    const ranges = [
      { start: 0, count: 700 },
      { start: 700, count: 1000 },
    ];
    const a = createHier2mAllocator(space, ranges, { lowLimit: 0 });
    expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(690, 20));
    expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(100, 1600));
    expect(expectMisuse(a, 'NOT_USABLE', () => a.freeRun(1690, 20)).details).toMatchObject({ pfn: 1700 });
  });

  it('freeing a 2 MiB page twice, or a run shape never handed out', () => {
    const { a } = setup();
    const page = a.allocRun(512, { align: 512 });
    a.freeRun(page, 512);
    expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(page, 512));
    const again = a.allocRun(512, { align: 512 });
    expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(again + 1, 512));
    expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(again, 256));
    expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(again, 3));
    const single = a.alloc();
    expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(single, 2));
  });

  it('frames outside the space, negative or not integers', () => {
    const { a } = setup();
    for (const bad of [3072, 3073, 2 ** 40]) expectMisuse(a, 'OUT_OF_RANGE', () => a.free(bad));
    expectMisuse(a, 'OUT_OF_RANGE', () => a.free(-1));
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectMisuse(a, ['INVALID_REQUEST', 'OUT_OF_RANGE'], () => a.free(bad));
    }
    expectMisuse(a, 'OUT_OF_RANGE', () => a.freeRun(2560, 1024));
    expectMisuse(a, 'INVALID_REQUEST', () => a.freeRun(1024, 0));
  });

  it('holes, reserved frames and frames of another zone are NOT_USABLE', () => {
    const { a } = setup();
    expectMisuse(a, 'NOT_USABLE', () => a.free(0)); // below the first range, no entry at all
    expectMisuse(a, 'NOT_USABLE', () => a.free(650)); // a hole inside a partial entry
    expectMisuse(a, 'NOT_USABLE', () => a.free(2600)); // usable, but another allocator's
    expectMisuse(a, 'NOT_USABLE', () => a.freeRun(512, 512)); // a partial entry is never a 2 MiB page
    expectMisuse(a, 'NOT_USABLE', () => a.freeRun(2048, 1024)); // runs into the other zone
  });

  it('freeMany is all or nothing', () => {
    const { a } = setup();
    const p = a.alloc();
    const q = a.alloc();
    expectMisuse(a, 'DOUBLE_FREE', () => a.freeMany([p, q, p], 3));
    expectMisuse(a, 'DOUBLE_FREE', () => a.freeMany([p, 2000], 2));
    expectMisuse(a, 'NOT_USABLE', () => a.freeMany([p, 650], 2));
    expectMisuse(a, 'INVALID_REQUEST', () => a.freeMany([p], 2));
    a.freeMany([p, q], 2);
  });

  it('checks allocRun’s arguments before its shape', () => {
    const { a } = setup();
    for (const count of [0, -1, 2.5, Number.NaN]) {
      expectMisuse(a, 'INVALID_REQUEST', () => a.allocRun(count, { align: 512 }));
    }
    for (const align of [0, 3, -512, 1.5, 768])
      expectMisuse(a, 'INVALID_REQUEST', () => a.allocRun(512, { align }));
    for (const below of [-1, 2.5, Number.NaN]) {
      expectMisuse(a, 'INVALID_REQUEST', () => a.allocRun(512, { align: 512, below }));
      expectMisuse(a, 'INVALID_REQUEST', () => a.allocRun(3, { below }));
    }
    expectMisuse(a, 'INVALID_REQUEST', () => a.allocMany([0, 0], 3));
  });

  it('any run but a 2 MiB page is UNSUPPORTED', () => {
    const { a } = setup();
    expectMisuse(a, 'UNSUPPORTED', () => a.allocRun(3));
    expectMisuse(a, 'UNSUPPORTED', () => a.allocRun(1));
    expectMisuse(a, 'UNSUPPORTED', () => a.allocRun(512));
    expectMisuse(a, 'UNSUPPORTED', () => a.allocRun(512, { align: 256 }));
    expectMisuse(a, 'UNSUPPORTED', () => a.allocRun(512, { align: 1024 }));
    expectMisuse(a, 'UNSUPPORTED', () => a.allocRun(1024, { align: 512 }));
    expect(a.capabilities).toEqual({ runs: 'huge', below: true, freeRunPiecewise: false });
  });

  it('allocBelow checks its bound', () => {
    const { a } = setup();
    for (const below of [-1, 0.5, Number.NaN]) expectMisuse(a, 'INVALID_REQUEST', () => a.allocBelow(below));
  });

  it('freeRun(pfn, 1) is a single-frame free', () => {
    const { a } = setup();
    const p = a.alloc();
    a.freeRun(p, 1);
    expect(a.isFree(p)).toBe(true);
    expectMisuse(a, 'NOT_ALLOCATED', () => a.freeRun(p, 1));
  });
});
