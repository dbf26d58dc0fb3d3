import { createFrameSpace, NO_FRAME } from '@framekit/core';
import { frameErrorCode } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createLLFreeAllocator, type LLFreeAllocator } from './index';
import { H_TREES, HEADER_WORDS, TREE_WORDS } from './layout';

/** Every frame's state and the counts, to show that a refused call changed nothing. */
function snapshot(pmm: LLFreeAllocator): string {
  let bits = '';
  for (let f = 0; f < pmm.space.frameCount; f++) bits += pmm.isFree(f) ? '1' : '0';
  return `${JSON.stringify(pmm.stats())} ${bits}`;
}

describe('llfree runs', () => {
  it('hands out naturally aligned runs of 2 … 32 frames inside one word', () => {
    const pmm = createLLFreeAllocator(createFrameSpace({ frames: 2048 }));
    for (const n of [2, 4, 8, 16, 32]) {
      const pfn = pmm.allocRun(n, { align: n });
      expect(pfn % n).toBe(0);
      expect(Math.floor(pfn / 32)).toBe(Math.floor((pfn + n - 1) / 32));
      for (let f = pfn; f < pfn + n; f++) expect(pmm.isFree(f)).toBe(false);
    }
    const one = pmm.allocRun(1, { align: 1 });
    expect(pmm.isFree(one)).toBe(false);
    pmm.free(one);
    expect(pmm.stats().usedFrames).toBe(2 + 4 + 8 + 16 + 32);
    expect(pmm.verify().ok).toBe(true);
  });

  it('takes a run back only whole, with freeRun of its start and size', () => {
    const pmm = createLLFreeAllocator(createFrameSpace({ frames: 1024 }));
    const run = pmm.allocRun(8, { align: 8 });
    const single = pmm.alloc();
    const before = snapshot(pmm);
    expect(frameErrorCode(() => pmm.free(run))).toBe('NOT_ALLOCATED'); // its first frame
    expect(frameErrorCode(() => pmm.free(run + 3))).toBe('NOT_ALLOCATED'); // inside
    expect(frameErrorCode(() => pmm.freeRun(run, 4))).toBe('NOT_ALLOCATED'); // a piece
    expect(frameErrorCode(() => pmm.freeRun(run + 4, 4))).toBe('NOT_ALLOCATED');
    expect(frameErrorCode(() => pmm.freeRun(run, 16))).toBe('NOT_ALLOCATED'); // more than the run
    expect(frameErrorCode(() => pmm.freeRun(run, 3))).toBe('NOT_ALLOCATED'); // a shape never handed out
    expect(frameErrorCode(() => pmm.freeMany([single, run + 1], 2))).toBe('NOT_ALLOCATED');
    expect(snapshot(pmm)).toBe(before);
    pmm.freeRun(run, 8);
    expect(frameErrorCode(() => pmm.freeRun(run, 8))).toBe('NOT_ALLOCATED');
    pmm.free(single);
    expect(pmm.stats().usedFrames).toBe(0);
    expect(pmm.verify().ok).toBe(true);
  });

  it('tells two adjacent runs from one run twice their size', () => {
    const pmm = createLLFreeAllocator(createFrameSpace({ frames: 512 }));
    const runs: number[] = [];
    for (let i = 0; i < 64; i++) runs.push(pmm.allocRun(8, { align: 8 }));
    expect(pmm.allocRun(8, { align: 8 })).toBe(NO_FRAME);
    const a = runs.find((p) => p % 16 === 0) as number;
    expect(runs).toContain(a + 8);
    expect(frameErrorCode(() => pmm.freeRun(a, 16))).toBe('NOT_ALLOCATED');
    pmm.freeRun(a, 8);
    pmm.freeRun(a + 8, 8);
    const big = pmm.allocRun(16, { align: 16 });
    expect(big).toBe(a);
    expect(frameErrorCode(() => pmm.freeRun(big, 8))).toBe('NOT_ALLOCATED');
    pmm.freeRun(big, 16);
  });

  it('drops a tree it reserved for a run and could not use', () => {
    // Three trees, all taken; then trees 0 and 2 get every other frame back (no aligned pair
    // there), tree 1 all of them. This handle last reserved tree 2, so a pair tries tree 2,
    // then reserves tree 0, fails there too, and must drop it before it takes tree 1.
    const tree = 16384;
    const pmm = createLLFreeAllocator(createFrameSpace({ frames: 3 * tree }));
    const taken = new Float64Array(3 * tree);
    expect(pmm.allocMany(taken, taken.length)).toBe(true);
    for (const pfn of taken) {
      const inMiddle = pfn >= tree && pfn < 2 * tree;
      if (inMiddle || pfn % 2 === 0) pmm.free(pfn);
    }
    const pair = pmm.allocRun(2, { align: 2 });
    expect(pair).toBeGreaterThanOrEqual(tree);
    expect(pair).toBeLessThan(2 * tree);
    expect(pmm.verify().problems).toEqual([]);
  });

  it('refuses other shapes with UNSUPPORTED and bad arguments with INVALID_REQUEST', () => {
    const pmm = createLLFreeAllocator(createFrameSpace({ frames: 2048 }));
    const before = snapshot(pmm);
    expect(frameErrorCode(() => pmm.allocRun(3))).toBe('UNSUPPORTED');
    expect(frameErrorCode(() => pmm.allocRun(64, { align: 64 }))).toBe('UNSUPPORTED');
    expect(frameErrorCode(() => pmm.allocRun(4, { align: 8 }))).toBe('UNSUPPORTED');
    expect(frameErrorCode(() => pmm.allocRun(1024, { align: 512 }))).toBe('UNSUPPORTED');
    expect(frameErrorCode(() => pmm.allocRun(512, { align: 1024 }))).toBe('UNSUPPORTED');
    expect(frameErrorCode(() => pmm.allocRun(512, { align: 512, below: 4096 }))).toBe('UNSUPPORTED');
    expect(frameErrorCode(() => pmm.allocRun(4, { align: 3 }))).toBe('INVALID_REQUEST');
    expect(frameErrorCode(() => pmm.allocRun(0))).toBe('INVALID_REQUEST');
    expect(frameErrorCode(() => pmm.allocRun(512, { align: 512, below: -1 }))).toBe('INVALID_REQUEST');
    expect(snapshot(pmm)).toBe(before);
  });

  it('hands out 2 MiB pages as whole children and takes them back only whole', () => {
    const pmm = createLLFreeAllocator(
      createFrameSpace({ frames: 2048, ranges: [{ start: 1, count: 2047 }] }),
    );
    const a = pmm.allocRun(512, { align: 512 });
    const b = pmm.allocRun(512, { align: 512 });
    const c = pmm.allocRun(512, { align: 512 });
    expect([a, b, c].sort((x, y) => x - y)).toEqual([512, 1024, 1536]);
    expect(pmm.allocRun(512, { align: 512 })).toBe(NO_FRAME); // child 0 lacks frame 0
    const before = snapshot(pmm);
    expect(frameErrorCode(() => pmm.free(a))).toBe('NOT_ALLOCATED');
    expect(frameErrorCode(() => pmm.free(a + 100))).toBe('NOT_ALLOCATED');
    expect(frameErrorCode(() => pmm.freeRun(a + 32, 32))).toBe('NOT_ALLOCATED');
    expect(frameErrorCode(() => pmm.freeRun(0, 512))).toBe('NOT_USABLE');
    expect(snapshot(pmm)).toBe(before);
    expect(pmm.stats().hugePages).toBe(3);
    for (const p of [a, b, c]) pmm.freeRun(p, 512);
    expect(frameErrorCode(() => pmm.freeRun(a, 512))).toBe('NOT_ALLOCATED');
    // A child split into single frames is not a 2 MiB page, even when every frame is taken.
    const all = new Float64Array(2047);
    expect(pmm.allocMany(all, all.length)).toBe(true);
    expect(frameErrorCode(() => pmm.freeRun(512, 512))).toBe('NOT_ALLOCATED');
    pmm.freeMany(all, all.length);
    expect(pmm.verify()).toEqual({ ok: true, freeFrames: 2047, problems: [] });
  });
});

describe('llfree verify and recover', () => {
  it('finds counters that disagree with the bits, and rebuilds them', () => {
    const pmm = createLLFreeAllocator(createFrameSpace({ frames: 65536 }));
    const frames = Array.from({ length: 100 }, () => pmm.alloc());
    const page = pmm.allocRun(512, { align: 512 });
    expect(pmm.verify().ok).toBe(true);
    // What a worker killed between taking the counts and setting a bit leaves behind:
    // counters one lower than the bits say. Simulate it through the shared state.
    const state = new Int32Array(pmm.share().state);
    const trees = HEADER_WORDS; // tree 0's entry
    const childWord = trees + state[H_TREES] * TREE_WORDS; // child 0's entry
    Atomics.sub(state, childWord, 1);
    Atomics.sub(state, trees, 1);
    const report = pmm.verify();
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/child 0 .*counts/);
    expect(pmm.stats().freeFrames).toBe(65536 - 100 - 512 - 1); // the lost frame
    const recovery = pmm.recover();
    expect(recovery).toMatchObject({ children: 1, trees: 1, freeFrames: 65536 - 100 - 512 });
    expect(recovery.reservations).toBe(1); // this handle's tree; it reserves again on demand
    expect(pmm.verify().ok).toBe(true);
    for (const f of frames) pmm.free(f);
    pmm.freeRun(page, 512);
    expect(pmm.alloc()).not.toBe(NO_FRAME);
    expect(pmm.verify().ok).toBe(true);
  });
});
