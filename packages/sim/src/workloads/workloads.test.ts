import { DMA_LIMIT_PFN } from '@framekit/core';
import { describe, expect, it } from 'vitest';
import { PROGRAM } from '../program';
import { TraceOpSchema } from '../trace';
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
    expect(runs.every((op) => op.op === 'allocRun' && op.below === DMA_LIMIT_PFN && op.count <= 32)).toBe(
      true,
    );
    const batch = [...WORKLOADS.batches.generate({ seed: 1, ops: 100, frames: 100_000 })];
    expect(batch.every((op) => (op.op === 'allocMany' ? op.count === 64 : op.op === 'freeMany'))).toBe(true);
    const procs = [...WORKLOADS.processes.generate({ seed: 1, ops: 5000, frames: 100_000 })];
    expect(procs.some((op) => op.op === 'exit')).toBe(true);
  });

  it('fork-exec: processes fork from live parents, exec and exit only while alive, and mostly exec', () => {
    const ops = [...WORKLOADS['fork-exec'].generate({ seed: 4, ops: 20_000, frames: 16_384 })];
    expect(WORKLOADS['fork-exec'].needsContents).toBe(true);
    const live = new Set<number>();
    const count: Record<string, number> = {};
    let heapTop = 0;
    for (const op of ops) {
      expect(TraceOpSchema.safeParse(op).success).toBe(true);
      count[op.op] = (count[op.op] ?? 0) + 1;
      switch (op.op) {
        case 'spawn':
          expect(live.has(op.owner)).toBe(false);
          live.add(op.owner);
          break;
        case 'fork':
          expect(live.has(op.parent) && !live.has(op.owner)).toBe(true);
          live.add(op.owner);
          break;
        case 'exec':
        case 'touch':
          expect(live.has(op.owner)).toBe(true);
          if (op.op === 'touch' && op.region === 'heap') heapTop = Math.max(heapTop, op.page);
          expect(op.op !== 'touch' || op.region !== 'text' || !op.write).toBe(true);
          break;
        case 'exit':
          expect(live.delete(op.owner)).toBe(true);
          break;
        default:
          throw new Error(`fork-exec emitted ${op.op}`);
      }
    }
    expect(count.spawn).toBe(1);
    expect(count.fork).toBeGreaterThan(50);
    expect(count.exec / count.fork).toBeGreaterThan(0.6);
    expect(count.exit).toBeGreaterThan(count.fork / 2);
    // A quarter of 16384 frames over 24 processes: heaps stay within 170 pages.
    expect(heapTop).toBeLessThan(171);
    expect(heapTop).toBeLessThan(PROGRAM.heap.pages);
  });
});
