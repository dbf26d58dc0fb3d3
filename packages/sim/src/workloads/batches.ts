import { Rng } from '../rng';
import type { Workload } from './api';
import { workingSetTarget } from './churn';
import { LiveSet } from './live-set';

const BATCH = 64;

/** 64-frame batches in and out, as a kernel refills and drains per-CPU page lists. */
export const batches: Workload = {
  name: 'batches',
  description: '64-frame batches allocated and freed (allocMany / freeMany)',
  *generate(params) {
    const rng = new Rng(params.seed);
    const live = new LiveSet();
    const target = Math.max(1, Math.floor(workingSetTarget(params, 0.6) / BATCH));
    let next = 0;
    for (let i = 0; i < params.ops; i++) {
      if (live.size === 0 || (live.size < target ? rng.chance(0.7) : rng.chance(0.5))) {
        live.add(next);
        yield { op: 'allocMany', id: next++, count: BATCH };
      } else {
        const id = live.takeRandom(rng);
        yield { op: 'freeMany', refs: Array.from({ length: BATCH }, (_, i) => ({ id, i })) };
      }
    }
  },
};
