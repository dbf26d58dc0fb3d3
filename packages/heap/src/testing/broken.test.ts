import { describe, expect, it } from 'vitest';
import type { ByteAllocator, Heap, HeapStrategy } from '../api';
import { createHeap } from '../heap';
import { slabStrategy } from '../slab';
import { tlsfStrategy } from '../tlsf';
import { checkHeapConformance, HeapConformanceFailure } from './conformance';

/** A strategy whose allocators behave like `inner`'s except where `patch` says. */
function patched(inner: HeapStrategy, patch: (a: ByteAllocator) => Partial<ByteAllocator>): HeapStrategy {
  return {
    name: `broken ${inner.name}`,
    create(host) {
      const a = inner.create(host);
      const p = patch(a);
      return {
        get maxSize() {
          return a.maxSize;
        },
        get lastUsable() {
          return p.lastUsable ?? a.lastUsable;
        },
        get lastTag() {
          return a.lastTag;
        },
        fits: (size, align) => a.fits(size, align),
        hasBlock: (tag) => a.hasBlock(tag),
        allocate: p.allocate ?? ((size, align) => a.allocate(size, align)),
        release: p.release ?? ((address, tag) => a.release(address, tag)),
        usableSize: p.usableSize ?? ((address, tag) => a.usableSize(address, tag)),
        trim: () => a.trim(),
        usage: (into) => a.usage(into),
        metadataBytes: () => a.metadataBytes(),
      };
    },
  };
}

const fails = (make: (pmm: Parameters<typeof createHeap>[0]) => Heap) => {
  expect(() => checkHeapConformance(make, { runs: 40, setups: ['dense', 'tight'], seed: 7 })).toThrow(
    HeapConformanceFailure,
  );
};

describe('the heap conformance kit catches broken heaps', () => {
  it('passes a correct one', () => {
    checkHeapConformance((pmm) => createHeap(pmm, { strategy: 'slab' }), { runs: 10, seed: 7 });
  });

  it('a free that gives nothing back', () => {
    const strategy = patched(slabStrategy(), (a) => ({
      release: (address, tag) => a.usableSize(address, tag),
    }));
    fails((pmm) => createHeap(pmm, { strategy, cacheBytes: 0 }));
  });

  it('(not broken) a strategy that would take a double free: the live bits of the heap catch it first', () => {
    const strategy = patched(slabStrategy(), (a) => ({
      release: (address, tag) => {
        const usable = a.release(address, tag);
        return usable < 0 ? 16 : usable;
      },
    }));
    for (const cacheBytes of [0, 1024]) {
      checkHeapConformance((pmm) => createHeap(pmm, { strategy, cacheBytes }), {
        runs: 20,
        setups: ['dense', 'tight'],
        seed: 7,
      });
    }
  });

  it('an address handed out twice', () => {
    const strategy = patched(tlsfStrategy(), (a) => {
      let last = -1;
      let n = 0;
      return {
        allocate: (size, align) => {
          if (++n % 3 === 0 && last >= 0) return last;
          last = a.allocate(size, align);
          return last;
        },
      };
    });
    fails((pmm) => createHeap(pmm, { strategy }));
  });

  it('a usable size larger than the object', () => {
    const strategy = patched(tlsfStrategy(), (a) => ({
      get lastUsable() {
        return a.lastUsable + 64;
      },
      usableSize: (address, tag) => {
        const u = a.usableSize(address, tag);
        return u < 0 ? u : u + 64;
      },
    }));
    fails((pmm) => createHeap(pmm, { strategy }));
  });

  it('frames kept after dispose', () => {
    fails((pmm) => {
      const heap = createHeap(pmm, { strategy: 'first-fit' });
      return Object.assign(Object.create(heap) as Heap, {
        [Symbol.dispose]() {},
        malloc: (size: number, options?: object) => heap.malloc(size, options),
      });
    });
  });
});
