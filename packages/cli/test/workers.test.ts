import { WORKLOADS } from '@framekit/sim';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETUP } from '../src/shared/compare';
import { runOnWorkers, splitByOwner } from '../src/shared/workers';

describe('compare --workers', () => {
  it('splits a workload by owner, each owner whole and in order, frees with their allocation', () => {
    const ops = [...WORKLOADS.processes.generate({ seed: 5, ops: 5000, frames: 65536 })];
    const parts = splitByOwner(ops, 3);
    expect(parts.reduce((n, p) => n + p.length, 0)).toBe(ops.length);
    const ownerPart = new Map<number, number>();
    const idPart = new Map<number, number>();
    parts.forEach((part, p) => {
      for (const op of part) {
        if (op.op === 'free' || op.op === 'freeRun' || op.op === 'freeMany') {
          const ref = op.op === 'freeMany' ? op.refs[0] : op.ref;
          if ('id' in ref) expect(idPart.get(ref.id)).toBe(p);
          continue;
        }
        const owner = op.owner ?? -1;
        expect(ownerPart.get(owner) ?? p).toBe(p);
        ownerPart.set(owner, p);
        if ('id' in op) idPart.set(op.id, p);
      }
    });
    expect(new Set(ownerPart.values()).size).toBe(3);
    // Within a part, the ops keep the trace's order.
    for (const part of parts) {
      const indices = part.map((op) => ops.indexOf(op));
      expect(indices).toEqual([...indices].sort((a, b) => a - b));
    }
  });

  it('runs the split on worker threads over one llfree allocator and reports scaling', {
    timeout: 60_000,
  }, () => {
    const rows = runOnWorkers({ ...DEFAULT_SETUP, workload: 'processes', ops: 6000, seed: 2 }, [2]);
    expect(rows.map((r) => r.workers)).toEqual([1, 2]);
    for (const r of rows) {
      expect(r.ops).toBe(6000);
      expect(r.opsPerSecond).toBeGreaterThan(0);
      expect(r.verified).toBe(true);
    }
    expect(rows[0].scaling).toBe(1);
  });

  it('refuses workloads that run processes in address spaces', () => {
    expect(() => runOnWorkers({ ...DEFAULT_SETUP, workload: 'fork-exec' }, [2])).toThrow(/address spaces/);
  });
});
