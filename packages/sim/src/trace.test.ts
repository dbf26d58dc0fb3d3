import { createFrameSpace, isFrameError } from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import { recordTrace } from './record';
import { Outcome, Replayer } from './replay';
import { formatTrace, parseTrace, type TraceOp } from './trace';
import { WORKLOADS } from './workloads/index';

describe('trace format', () => {
  it('round-trips every workload through JSON Lines', () => {
    for (const workload of Object.values(WORKLOADS)) {
      const ops = [...workload.generate({ seed: 7, ops: 300, frames: 4096 })];
      expect(parseTrace(formatTrace(ops))).toEqual(ops);
    }
  });

  it('names the line and the reason of a bad line', () => {
    const text = '{"op":"alloc","id":0}\n\n# a comment\n{"op":"alloc","id":-1}\n';
    let error: unknown;
    try {
      parseTrace(text);
    } catch (e) {
      error = e;
    }
    expect(isFrameError(error, 'INVALID_REQUEST')).toBe(true);
    expect((error as Error).message).toMatch(/trace line 4: id: /);
    expect(() => parseTrace('{"op":"alloc"')).toThrow(/trace line 1: not JSON/);
    expect(() => parseTrace('{"op":"teleport","id":1}')).toThrow(/trace line 1/);
  });

  it('checks process operations: regions by name, pages inside them', () => {
    const ok = [
      '{"op":"spawn","owner":1}',
      '{"op":"fork","owner":2,"parent":1}',
      '{"op":"touch","owner":2,"region":"heap","page":3,"write":true}',
      '{"op":"exec","owner":2}',
      '{"op":"exit","owner":2}',
    ];
    expect(parseTrace(ok.join('\n')).map((op) => op.op)).toEqual(['spawn', 'fork', 'touch', 'exec', 'exit']);
    expect(() => parseTrace('{"op":"touch","owner":1,"region":"text","page":256,"write":false}')).toThrow(
      /trace line 1: page: past the end of the region/,
    );
    expect(() => parseTrace('{"op":"touch","owner":1,"region":"bss","page":0,"write":false}')).toThrow(
      /trace line 1: region: /,
    );
    expect(() => parseTrace('{"op":"fork","owner":2}')).toThrow(/trace line 1: parent: /);
  });
});

describe('record and replay', () => {
  const space = createFrameSpace({
    frames: 256,
    ranges: [
      { start: 0, count: 100 },
      { start: 128, count: 128 },
    ],
  });

  it('replays a recorded session on another allocator with the same frames in use', () => {
    const rec = recordTrace(createBaselineAllocator(space));
    const a = rec.allocator;
    const x = a.alloc();
    const run = a.allocRun(8, { align: 8 });
    const batch = [0, 0, 0];
    a.allocMany(batch, 3);
    a.free(x);
    a.freeRun(run + 2, 3);
    a.freeMany([batch[1]], 1);
    const trace = parseTrace(formatTrace(rec.ops));

    const other = createBaselineAllocator(space);
    const replayer = new Replayer(other);
    for (const op of trace) expect(replayer.apply(op)).toBe(Outcome.Done);
    expect(other.stats().usedFrames).toBe(a.stats().usedFrames);
    expect(replayer.errors).toEqual([]);
  });

  it('reproduces a failing run exactly: the double free is in the trace', () => {
    const rec = recordTrace(createBaselineAllocator(space));
    const pfn = rec.allocator.alloc();
    rec.allocator.free(pfn);
    expect(() => rec.allocator.free(pfn)).toThrow(/DOUBLE_FREE/);
    const replayer = new Replayer(createBaselineAllocator(space));
    const outcomes = parseTrace(formatTrace(rec.ops)).map((op) => replayer.apply(op));
    expect(outcomes).toEqual([Outcome.Done, Outcome.Done, Outcome.Error]);
    expect(replayer.errors[0]).toMatchObject({ index: 2, code: 'DOUBLE_FREE' });
  });

  it('skips operations on allocations that failed, and frees everything an owner holds on exit', () => {
    const small = createFrameSpace({ frames: 4 });
    const replayer = new Replayer(createBaselineAllocator(small));
    const ops: TraceOp[] = [
      { op: 'allocRun', id: 0, count: 3, owner: 1 },
      { op: 'allocRun', id: 1, count: 3, owner: 2 },
      { op: 'alloc', id: 2, owner: 1 },
      { op: 'free', ref: { id: 1, i: 0 } },
      { op: 'exit', owner: 1 },
    ];
    expect(ops.map((op) => replayer.apply(op))).toEqual([
      Outcome.Done,
      Outcome.Failed,
      Outcome.Done,
      Outcome.Skipped,
      Outcome.Done,
    ]);
    expect(replayer.allocator.stats().usedFrames).toBe(0);
  });
});
