/**
 * `framekit compare --heap`: byte heaps (`@framekit/heap`'s strategies, and `@thi.ng/malloc`'s
 * MemPool as the peer) on one seeded object workload, over the same bytes of memory.
 */

import * as bitmap from '@framekit/alloc-bitmap';
import { createFrameSpace } from '@framekit/core';
import { createHeap } from '@framekit/heap';
import { type HeapLike, OBJECT_WORKLOADS, type ObjectRunResult, runObjects } from '@framekit/sim';
import { MemPool } from '@thi.ng/malloc';

/** Memory each heap runs in: 256 MiB (dense frame contents, or MemPool's ArrayBuffer). */
export const HEAP_BYTES = 256 * 2 ** 20;

export interface HeapStrategy {
  readonly name: string;
  readonly description: string;
  create(): HeapLike;
}

function framekitHeap(strategy: 'slab' | 'first-fit' | 'tlsf', headers = false): () => HeapLike {
  return () => {
    const space = createFrameSpace({ frames: HEAP_BYTES / 4096 }, { backing: 'dense' });
    const heap = createHeap(bitmap.plugin.create(space), { strategy, headers });
    return {
      malloc: (size, options) => heap.malloc(size, options),
      free: (addr) => heap.free(addr),
      releaseOwner: (owner) => heap.releaseOwner(owner),
      bytesHeld: () => heap.stats().bytesHeld,
      fragmentation: () => {
        const s = heap.stats();
        return { internal: s.internalFragmentation, external: s.externalFragmentation };
      },
    };
  };
}

export const HEAP_STRATEGIES: readonly HeapStrategy[] = [
  {
    name: 'slab',
    description: 'SLUB-style size classes 16 B – 2 KiB, larger as frame runs',
    create: framekitHeap('slab'),
  },
  {
    name: 'first-fit',
    description: "memm's first fit over 64 KiB spans with boundary tags",
    create: framekitHeap('first-fit'),
  },
  {
    name: 'tlsf',
    description: 'two-level segregated fit over the same spans: O(1)',
    create: framekitHeap('tlsf'),
  },
  {
    name: 'slab+headers',
    description: "the slab with memm's 16-byte header before each object instead of the frame table",
    create: framekitHeap('slab', true),
  },
  {
    name: 'peer:MemPool',
    description: "@thi.ng/malloc's MemPool over one 256 MiB ArrayBuffer (owners are not kept apart)",
    create: () => {
      const pool = new MemPool({ size: HEAP_BYTES, align: 8 });
      return {
        malloc: (size) => {
          const addr = pool.malloc(Math.max(size, 1));
          return addr === 0 ? -1 : addr;
        },
        free: (addr) => {
          pool.free(addr);
        },
        bytesHeld: () => pool.stats().top,
      };
    },
  },
];

export const DEFAULT_HEAP_SETUP = {
  workload: 'mixed-buffers',
  strategies: ['slab', 'first-fit', 'tlsf', 'peer:MemPool'],
  ops: 200_000,
  seed: 1,
} as const;

export interface HeapCompareSetup {
  readonly workload: string;
  readonly strategies: readonly string[];
  readonly ops: number;
  readonly seed: number;
}

export interface HeapCompareResult extends ObjectRunResult {
  readonly strategy: string;
}

/** Runs the workload on each strategy; throws an Error naming what is unknown. */
export function compareHeaps(setup: HeapCompareSetup): HeapCompareResult[] {
  const workload = OBJECT_WORKLOADS.find((w) => w.name === setup.workload);
  if (!workload) {
    throw new Error(
      `unknown heap workload '${setup.workload}' (${OBJECT_WORKLOADS.map((w) => w.name).join(', ')})`,
    );
  }
  const strategies = setup.strategies.map((name) => {
    const found = HEAP_STRATEGIES.find((s) => s.name === name);
    if (!found)
      throw new Error(`unknown heap strategy '${name}' (${HEAP_STRATEGIES.map((s) => s.name).join(', ')})`);
    return found;
  });
  return strategies.map((strategy) => ({
    strategy: strategy.name,
    ...runObjects(strategy.create(), workload.generate({ seed: setup.seed, ops: setup.ops }), {
      totalOps: setup.ops,
    }),
  }));
}
