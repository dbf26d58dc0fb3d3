import { DMA_LIMIT_PFN } from '@framekit/core';
import { Rng } from '../rng';
import type { TraceOp } from '../trace';
import type { Workload } from './api';
import { workingSetTarget } from './churn';
import { LiveSet } from './live-set';

/** Single-frame churn with bursts of contiguous buffers below 16 MiB, as a driver sets up DMA rings. */
export const dmaBursts: Workload = {
  name: 'dma-bursts',
  description: 'single-frame churn with bursts of 1–32-frame runs below 16 MiB (ISA DMA)',
  *generate(params) {
    const rng = new Rng(params.seed);
    const small = new LiveSet();
    const buffers: { id: number; count: number }[] = [];
    const target = workingSetTarget(params, 0.5);
    let next = 0;
    let emitted = 0;
    const emit = function* (op: TraceOp) {
      emitted++;
      yield op;
    };
    while (emitted < params.ops) {
      if (rng.chance(0.01)) {
        // A burst: set up a handful of buffers, then tear down the previous burst's.
        for (const old of buffers.splice(0)) {
          if (emitted >= params.ops) return;
          yield* emit({ op: 'freeRun', ref: { id: old.id, i: 0 }, count: old.count });
        }
        const n = rng.int(4, 16);
        for (let k = 0; k < n && emitted < params.ops; k++) {
          const count = rng.int(1, 32);
          const align = count >= 16 ? 16 : 1;
          buffers.push({ id: next, count });
          yield* emit({ op: 'allocRun', id: next++, count, align, below: DMA_LIMIT_PFN });
        }
      } else if (small.size === 0 || (small.size < target ? rng.chance(0.7) : rng.chance(0.5))) {
        small.add(next);
        yield* emit({ op: 'alloc', id: next++ });
      } else {
        yield* emit({ op: 'free', ref: { id: small.takeRandom(rng), i: 0 } });
      }
    }
  },
};
