import { Rng } from '../rng';
import type { Workload } from './api';

interface Process {
  owner: number;
  /** Operations left before it exits. */
  life: number;
}

/**
 * Processes come and go: each allocates frames (and the odd 8-frame run) while it lives, then
 * exits and releases everything at once, like the owner-tagged allocators of a kernel's memm.
 */
export const processes: Workload = {
  name: 'processes',
  description: 'processes allocate while they live, then exit and release everything they own',
  *generate(params) {
    const rng = new Rng(params.seed);
    const running: Process[] = [];
    const maxRunning = 32;
    // Lifetimes sized so the working set stays near half of memory.
    const meanLife = Math.max(
      8,
      Math.floor(Math.min(params.frames * 0.5, params.ops * 0.4) / (maxRunning / 2)),
    );
    let nextOwner = 1;
    let next = 0;
    let emitted = 0;
    while (emitted < params.ops) {
      if (running.length < maxRunning && (running.length === 0 || rng.chance(0.02))) {
        running.push({ owner: nextOwner++, life: rng.int(meanLife / 2, meanLife * 2) });
        continue;
      }
      const k = Math.floor(rng.next() * running.length);
      const p = running[k];
      if (p.life-- <= 0) {
        running[k] = running[running.length - 1];
        running.pop();
        emitted++;
        yield { op: 'exit', owner: p.owner };
      } else if (rng.chance(0.05)) {
        emitted++;
        yield { op: 'allocRun', id: next++, count: 8, owner: p.owner };
      } else {
        emitted++;
        yield { op: 'alloc', id: next++, owner: p.owner };
      }
    }
  },
};
