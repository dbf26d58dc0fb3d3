import { describeHeapConformance } from '@framekit/heap/testing/vitest';
import { firstFitStrategy } from './first-fit';
import { createHeap } from './index';
import { slabStrategy } from './slab';
import { tlsfStrategy } from './tlsf';

/** `HEAP_CONFORMANCE_RUNS=500 npx vitest run packages/heap` for a long soak. */
const runs = Number(process.env.HEAP_CONFORMANCE_RUNS ?? 25);

for (const strategy of ['slab', 'first-fit', 'tlsf'] as const) {
  describeHeapConformance(strategy, (pmm) => createHeap(pmm, { strategy }), { runs });
  describeHeapConformance(`${strategy} with headers`, (pmm) => createHeap(pmm, { strategy, headers: true }), {
    runs: Math.ceil(runs / 2),
  });
}

// Strategy objects with their options at the edges: nothing cached, one-frame spans.
describeHeapConformance(
  'slab without a cache',
  (pmm) => createHeap(pmm, { strategy: slabStrategy({ emptySlabs: 0 }) }),
  {
    runs: Math.ceil(runs / 2),
    setups: ['dense', 'tight', 'sparse-high'],
  },
);
describeHeapConformance(
  'slab without an object cache',
  (pmm) => createHeap(pmm, { strategy: 'slab', cacheBytes: 0, frameCache: 0 }),
  { runs: Math.ceil(runs / 2), setups: ['dense', 'tight', 'no-runs'] },
);
describeHeapConformance(
  'tlsf with a small object cache',
  (pmm) => createHeap(pmm, { strategy: 'tlsf', cacheBytes: 600, frameCache: 1 }),
  { runs: Math.ceil(runs / 2), setups: ['dense', 'tight', 'sparse-high'] },
);
describeHeapConformance(
  'first-fit with one-frame spans',
  (pmm) => createHeap(pmm, { strategy: firstFitStrategy({ spanFrames: 1, emptySpans: 0 }) }),
  { runs: Math.ceil(runs / 2), setups: ['dense', 'tight', 'shared-holes'] },
);
describeHeapConformance(
  'tlsf with 2 MiB spans',
  (pmm) => createHeap(pmm, { strategy: tlsfStrategy({ spanFrames: 512, emptySpans: 2 }) }),
  { runs: Math.ceil(runs / 2), setups: ['dense', 'sparse-high'] },
);
