import * as stack from '@framekit/alloc-stack';
import { createFrameSpace } from '@framekit/core';
import { describe, expect, it } from 'vitest';
import type { ByteStrategy, Heap } from './api';
import { createHeap } from './heap';
import { slab } from './slab';
import { checkHeapConformance, describeHeapConformance, HeapConformanceFailure } from './testing/index';

describe('every strategy passes the heap conformance kit', () => {
  for (const strategy of ['slab', 'first-fit', 'tlsf'] as const) {
    describeHeapConformance(strategy, (pmm) => createHeap(pmm, { strategy }));
    describeHeapConformance(`${strategy} with memm headers`, (pmm) =>
      createHeap(pmm, { strategy, headers: true }),
    );
    describeHeapConformance(
      `${strategy} over a stack (single frames only)`,
      (pmm) => createHeap(pmm, { strategy }),
      {
        pmm: (space) => stack.plugin.create(space),
        maxSize: 4096,
      },
    );
    describeHeapConformance(`${strategy} with no cache of empty slabs or spans`, (pmm) =>
      createHeap(pmm, { strategy, cachedEmpty: 0, spanFrames: 2 }),
    );
  }
  describeHeapConformance('slab on a space that runs out', (pmm) => createHeap(pmm), {
    frames: 24,
    maxOps: 120,
  });
});

/** Heaps that each break one rule, wrapped around a correct one. */
function broken(change: (heap: Heap) => Partial<Heap>): (pmm: Parameters<typeof createHeap>[0]) => Heap {
  return (pmm) => {
    const heap = createHeap(pmm);
    const overrides = change(heap);
    return new Proxy(heap, {
      get(target, key) {
        if (key in overrides) return (overrides as Record<PropertyKey, unknown>)[key];
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
}

describe('the kit catches broken heaps', () => {
  const cases: Record<string, (pmm: Parameters<typeof createHeap>[0]) => Heap> = {
    'hands out overlapping objects': broken((heap) => {
      let last = -1;
      return {
        malloc: (size, options) => {
          const addr = heap.malloc(size, options);
          if (last >= 0 && size > 0 && size <= 16 && heap.usableSize(last) >= 16) return last;
          last = addr;
          return addr;
        },
      };
    }),
    'ignores alignment': broken((heap) => ({
      malloc: (size, options) => heap.malloc(size, { owner: options?.owner }),
    })),
    'frees silently on a double free': broken((heap) => ({
      free: (addr) => {
        try {
          heap.free(addr);
        } catch {}
      },
    })),
    'throws the wrong code for a foreign address': broken((heap) => ({
      free: (addr) => {
        try {
          heap.free(addr);
        } catch (error) {
          throw Object.assign(error as Error, { code: 'DOUBLE_FREE' });
        }
      },
    })),
    'forgets the owner': broken((_heap) => ({ ownerOf: () => 0 })),
    'keeps frames after dispose': broken((_heap) => ({ [Symbol.dispose]: () => {} }) as Partial<Heap>),
  };
  for (const [name, factory] of Object.entries(cases)) {
    it(name, () => {
      expect(() => checkHeapConformance(factory, { numRuns: 200, seed: 7 })).toThrow(HeapConformanceFailure);
    });
  }
  it('a custom strategy object is accepted', () => {
    const custom: ByteStrategy = { ...slab, name: 'my-slab' };
    const heap = createHeap(createStackPmm(), { strategy: custom });
    expect(heap.strategy).toBe('my-slab');
  });
});

function createStackPmm() {
  return stack.plugin.create(createFrameSpace({ frames: 64 }, { backing: 'dense' }));
}
