import { describe, expect, it } from 'vitest';
import { DMA_LIMIT_FRAMES } from './api';
import { WORKLOADS } from './index';

describe('workloads', () => {
  it('are deterministic for a seed and differ between seeds', () => {
    for (const w of Object.values(WORKLOADS)) {
      const a = [...w.generate({ seed: 1, ops: 500, frames: 10_000 })];
      const b = [...w.generate({ seed: 1, ops: 500, frames: 10_000 })];
      const c = [...w.generate({ seed: 2, ops: 500, frames: 10_000 })];
      expect(a, w.name).toEqual(b);
      expect(a, w.name).not.toEqual(c);
      expect(a.length, w.name).toBe(500);
    }
  });

  it('free only what they allocated, once', () => {
    for (const w of Object.values(WORKLOADS)) {
      const live = new Set<number>();
      for (const op of w.generate({ seed: 3, ops: 5000, frames: 2000 })) {
        if (op.op === 'alloc' || op.op === 'allocRun' || op.op === 'allocMany') live.add(op.id);
        if (op.op === 'free' || op.op === 'freeRun') {
          expect('id' in op.ref && live.delete(op.ref.id), w.name).toBe(true);
        }
        if (op.op === 'freeMany') {
          const id = (op.refs[0] as { id: number }).id;
          expect(live.delete(id), w.name).toBe(true);
        }
      }
    }
  });

  it('shape requests as their names say', () => {
    const huge = [...WORKLOADS['hugepage-mix'].generate({ seed: 1, ops: 2000, frames: 100_000 })];
    expect(huge.some((op) => op.op === 'allocRun' && op.count === 512 && op.align === 512)).toBe(true);
    const dma = [...WORKLOADS['dma-bursts'].generate({ seed: 1, ops: 5000, frames: 100_000 })];
    const runs = dma.filter((op) => op.op === 'allocRun');
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((op) => op.op === 'allocRun' && op.below === DMA_LIMIT_FRAMES && op.count <= 32)).toBe(
      true,
    );
    const batch = [...WORKLOADS.batches.generate({ seed: 1, ops: 100, frames: 100_000 })];
    expect(batch.every((op) => (op.op === 'allocMany' ? op.count === 64 : op.op === 'freeMany'))).toBe(true);
    const procs = [...WORKLOADS.processes.generate({ seed: 1, ops: 5000, frames: 100_000 })];
    expect(procs.some((op) => op.op === 'exit')).toBe(true);
  });
});
