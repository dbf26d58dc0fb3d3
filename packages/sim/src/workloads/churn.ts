import { Rng } from '../rng';
import type { TraceOp } from '../trace';
import type { Workload, WorkloadParams } from './api';
import { LiveSet } from './live-set';

/** How full the working set gets: a share of memory, but reachable within the run's operations. */
export function workingSetTarget(params: WorkloadParams, share: number): number {
  return Math.max(1, Math.floor(Math.min(params.frames * share, params.ops * 0.4)));
}

/** Steady churn of single frames around a working set of about 60% of memory. */
export const churn: Workload = {
  name: 'churn',
  description: 'single 4 KiB frames allocated and freed at random around a steady working set',
  *generate(params) {
    const rng = new Rng(params.seed);
    const live = new LiveSet();
    const target = workingSetTarget(params, 0.6);
    let next = 0;
    for (let i = 0; i < params.ops; i++) {
      const allocate = live.size === 0 || (live.size < target ? rng.chance(0.7) : rng.chance(0.5));
      if (allocate) {
        live.add(next);
        yield { op: 'alloc', id: next++ } satisfies TraceOp;
      } else {
        yield { op: 'free', ref: { id: live.takeRandom(rng), i: 0 } };
      }
    }
  },
};
