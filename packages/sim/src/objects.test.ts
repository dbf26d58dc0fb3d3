import { describe, expect, it } from 'vitest';
import {
  formatObjectTrace,
  type HeapLike,
  OBJECT_WORKLOADS,
  type ObjectOp,
  parseObjectTrace,
  runObjects,
} from './objects';

/** A heap that never fails: addresses are ids, bytes held follow the live bytes. */
function modelHeap(): HeapLike & { live: Map<number, { size: number; owner: number }> } {
  const live = new Map<number, { size: number; owner: number }>();
  let next = 0;
  return {
    live,
    malloc: (size, options) => {
      live.set(next, { size, owner: options?.owner ?? 0 });
      return next++;
    },
    free: (addr) => {
      if (!live.delete(addr)) throw new Error(`double free of ${addr}`);
    },
    releaseOwner: (owner) => {
      for (const [addr, o] of live) if (o.owner === owner) live.delete(addr);
    },
    bytesHeld: () => [...live.values()].reduce((s, o) => s + o.size, 0),
  };
}

describe('object workloads', () => {
  for (const workload of OBJECT_WORKLOADS) {
    it(`${workload.name}: the same seed gives the same ops, every free names a live object`, () => {
      const a = [...workload.generate({ seed: 5, ops: 5000 })];
      const b = [...workload.generate({ seed: 5, ops: 5000 })];
      expect(a).toEqual(b);
      expect([...workload.generate({ seed: 6, ops: 5000 })]).not.toEqual(a);
      expect(a).toHaveLength(5000);
      const live = new Map<number, number>();
      for (const op of a) {
        if (op.op === 'malloc') live.set(op.id, op.owner);
        else if (op.op === 'free') expect(live.delete(op.id)).toBe(true);
        else for (const [id, owner] of live) if (owner === op.owner) live.delete(id);
      }
    });
  }

  it('runObjects frees what each free names and releases an exiting owner', () => {
    const heap = modelHeap();
    const ops = [...OBJECT_WORKLOADS[2].generate({ seed: 1, ops: 40_000 })];
    expect(ops.some((op) => op.op === 'exit')).toBe(true);
    const result = runObjects(heap, ops, { totalOps: ops.length, samples: 10 });
    expect(result.failed).toBe(0);
    expect(result.ops).toBe(40_000);
    expect(result.samples.length).toBeGreaterThanOrEqual(10);
    expect(result.samples.at(-1)?.liveBytes).toBe(heap.bytesHeld());
  });

  it('traces round-trip as JSON Lines and bad lines are refused with their number', () => {
    const ops: ObjectOp[] = [...OBJECT_WORKLOADS[0].generate({ seed: 2, ops: 300 })];
    expect(parseObjectTrace(formatObjectTrace(ops))).toEqual(ops);
    expect(() => parseObjectTrace('{"op":"malloc","id":1,"size":-4,"owner":0}')).toThrow(/line 1/);
    expect(() => parseObjectTrace('\n\nnot json')).toThrow(/line 3: not JSON/);
  });
});
