import { Rng } from '../rng';
import type { Workload } from './api';
import { workingSetTarget } from './churn';
import { LiveSet } from './live-set';

/**
 * 4 KiB churn with 2 MiB requests mixed in: long-lived small pages scattered through memory
 * break up the 2 MiB blocks, the classic pattern that makes huge-page allocation fail.
 */
export const hugepageMix: Workload = {
  name: 'hugepage-mix',
  description: '4 KiB churn with 2 MiB (512-frame, aligned) requests mixed in',
  *generate(params) {
    const rng = new Rng(params.seed);
    const small = new LiveSet();
    const huge = new LiveSet();
    const target = workingSetTarget(params, 0.6);
    // 2 MiB pages held: about 30% of memory, so that with the small pages it is ~90% full.
    const hugeTarget = Math.max(1, Math.floor((params.frames * 0.3) / 512));
    let next = 0;
    for (let i = 0; i < params.ops; i++) {
      const r = rng.next();
      if (r < 0.04) {
        if (huge.size === 0 || (huge.size < hugeTarget ? rng.chance(0.6) : rng.chance(0.4))) {
          huge.add(next);
          yield { op: 'allocRun', id: next++, count: 512, align: 512 };
        } else {
          yield { op: 'freeRun', ref: { id: huge.takeRandom(rng), i: 0 }, count: 512 };
        }
      } else if (small.size === 0 || (small.size < target ? rng.chance(0.7) : rng.chance(0.5))) {
        small.add(next);
        yield { op: 'alloc', id: next++ };
      } else {
        yield { op: 'free', ref: { id: small.takeRandom(rng), i: 0 } };
      }
    }
  },
};
