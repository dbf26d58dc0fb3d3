import { createFrameSpace, FrameError, measureFragmentation } from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import { runWorkload, type Sample } from './runner';
import type { TraceOp } from './trace';
import { WORKLOADS } from './workloads/index';

describe('runWorkload', () => {
  const space = createFrameSpace({
    frames: 8192,
    ranges: [
      { start: 0, count: 4096 },
      { start: 4608, count: 3584 },
    ],
  });

  it('samples metrics over the run and ends with the allocator state', () => {
    const ops = [...WORKLOADS['hugepage-mix'].generate({ seed: 5, ops: 4000, frames: space.usableFrames })];
    const allocator = createBaselineAllocator(space);
    const progress: number[] = [];
    const result = runWorkload(allocator, ops, { sampleEvery: 500, onProgress: (f) => progress.push(f) });
    expect(result.ops).toBe(4000);
    expect(result.samples.map((s) => s.op)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000]);
    const f = measureFragmentation(allocator);
    expect(result.final).toMatchObject({
      freeFrames: allocator.stats().freeFrames,
      largestFreeRun: f.largestFreeRun,
      free2MiBBlocks: f.free2MiBBlocks,
      unusableIndex: f.unusableIndex[9],
      fragmentationIndex: f.fragmentationIndex[9],
    });
    expect(result.errors).toEqual([]);
    expect(progress[progress.length - 1]).toBe(1);
    expect(result.allocations + result.failed).toBe(ops.filter((op) => op.op.startsWith('alloc')).length);
  });

  it('is deterministic apart from time', () => {
    const ops = [...WORKLOADS.processes.generate({ seed: 2, ops: 3000, frames: space.usableFrames })];
    const a = runWorkload(createBaselineAllocator(space), ops);
    const b = runWorkload(createBaselineAllocator(space), ops);
    const untimed = (s: Sample) => ({ ...s, opsPerSecond: 0 });
    expect(a.samples.map(untimed)).toEqual(b.samples.map(untimed));
  });

  it('measures the throughput of each stretch between samples', () => {
    const ops = [...WORKLOADS.churn.generate({ seed: 4, ops: 20_000, frames: space.usableFrames })];
    const { samples } = runWorkload(createBaselineAllocator(space), ops, { sampleEvery: 5000 });
    expect(samples[0].opsPerSecond).toBe(0);
    for (const s of samples.slice(1)) expect(s.opsPerSecond, `at op ${s.op}`).toBeGreaterThan(0);
  });

  it('stops when asked, and at the first error when told to', () => {
    const ops = [...WORKLOADS.churn.generate({ seed: 1, ops: 5000, frames: space.usableFrames })];
    const stopped = runWorkload(createBaselineAllocator(space), ops, { shouldStop: () => true });
    expect(stopped.stopped).toBe(true);
    expect(stopped.ops).toBeLessThan(5000);
    const broken = runWorkload(
      createBaselineAllocator(space),
      [
        { op: 'alloc', id: 0 },
        { op: 'free', ref: { pfn: 9000 } },
        { op: 'alloc', id: 1 },
      ],
      { stopOnError: true },
    );
    expect(broken.ops).toBe(2);
    expect(broken.errors).toMatchObject([{ index: 1, code: 'OUT_OF_RANGE' }]);
  });

  it('consumes a workload stream one operation at a time, reporting progress from the start', () => {
    let pulled = 0;
    const stream = (function* () {
      for (const op of WORKLOADS['hugepage-mix'].generate({
        seed: 3,
        ops: 6000,
        frames: space.usableFrames,
      })) {
        pulled++;
        yield op;
      }
    })();
    const progress: number[] = [];
    const seen: number[] = [];
    const result = runWorkload(createBaselineAllocator(space), stream, {
      totalOps: 6000,
      sampleEvery: 1000,
      onProgress: (f) => progress.push(f),
      onSample: (s) => seen.push(pulled - s.op),
    });
    expect(result.ops).toBe(6000);
    // At every sample, exactly the operations done so far have been read from the stream.
    expect(seen).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(progress[0]).toBe(0);
    expect(progress[progress.length - 1]).toBe(1);
  });

  it('counts requests of a shape the strategy cannot serve as unsupported, within failed', () => {
    const ops = [...WORKLOADS['hugepage-mix'].generate({ seed: 1, ops: 3000, frames: space.usableFrames })];
    const base = createBaselineAllocator(space);
    const stackLike = new Proxy(base, {
      get(target, key) {
        if (key === 'allocRun') {
          return () => {
            throw new FrameError('UNSUPPORTED', 'no runs');
          };
        }
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const result = runWorkload(stackLike, ops);
    const runs = ops.filter((op) => op.op === 'allocRun').length;
    expect(result.unsupported).toBe(runs);
    expect(result.failed).toBeGreaterThanOrEqual(runs);
    expect(result.errors).toEqual([]);
  });

  it('replays traces much longer than the live set without keeping released allocations', () => {
    // Ids only grow; a frame freed and its id reused by nothing must not stay resolvable.
    const ops: TraceOp[] = [];
    for (let id = 0; id < 50_000; id++) ops.push({ op: 'alloc', id }, { op: 'free', ref: { id, i: 0 } });
    ops.push({ op: 'free', ref: { id: 7, i: 0 } });
    const result = runWorkload(createBaselineAllocator(space), ops);
    expect(result.allocations).toBe(50_000);
    // The stale free of a released allocation is skipped, not a double free.
    expect(result.skipped).toBe(1);
    expect(result.errors).toEqual([]);
    expect(result.final.freeFrames).toBe(space.usableFrames);
  });
});
