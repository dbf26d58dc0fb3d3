import { isFrameError } from '@framekit/core';
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

/**
 * A heap that behaves like `heap` except where `patch` says. Every other method is called on
 * `heap` itself (a heap's private fields are not reachable through `Object.create(heap)`).
 */
function wrapped(heap: Heap, patch: Partial<Heap>): Heap {
  return new Proxy(heap, {
    get(target, key) {
      if (Object.hasOwn(patch, key)) return patch[key as keyof Heap];
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

type Pmm = Parameters<typeof createHeap>[0];

/** The kit must fail `make`'s heaps, for the reason `why` names (a misuse kind or a check's words). */
const fails = (make: (pmm: Pmm) => Heap, why?: RegExp) => {
  let failure: unknown;
  try {
    checkHeapConformance(make, { runs: 40, setups: ['dense', 'tight'], seed: 7 });
  } catch (error) {
    failure = error;
  }
  expect(failure).toBeInstanceOf(HeapConformanceFailure);
  // Not a crash of the kit or of the wrapper: one of the kit's own checks.
  expect((failure as Error).message).not.toMatch(/private member|is not a function|Cannot read properties/);
  if (why) expect((failure as Error).message).toMatch(why);
};

const isNotAllocated = (error: unknown) => isFrameError(error, 'NOT_ALLOCATED');

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
    fails(
      (pmm) => wrapped(createHeap(pmm, { strategy: 'first-fit' }), { [Symbol.dispose]() {} }),
      /dispose left frames taken|but the heap took/,
    );
  });

  it('a free that finds an address in any heap over the same frame allocator (one table for all)', () => {
    const heapsOf = new Map<Pmm, Set<Heap>>();
    fails((pmm) => {
      const heaps = heapsOf.get(pmm) ?? new Set<Heap>();
      heapsOf.set(pmm, heaps);
      const heap = createHeap(pmm, { strategy: 'slab' });
      const shared = wrapped(heap, {
        free(address: number) {
          try {
            heap.free(address);
          } catch (error) {
            if (!isNotAllocated(error)) throw error;
            for (const other of heaps) {
              if (other === shared) continue;
              try {
                other.free(address);
                return;
              } catch {}
            }
            throw error;
          }
        },
        [Symbol.dispose]() {
          heap[Symbol.dispose]();
          heaps.delete(shared);
        },
      });
      heaps.add(shared);
      return shared;
    }, /\(free-other-heap\) free: did not throw/);
  });

  it('a realloc that takes a freed address for a new allocation (a stale pointer as realloc(NULL))', () => {
    fails((pmm) => {
      const heap = createHeap(pmm, { strategy: 'tlsf' });
      const freed = new Set<number>();
      const handed = (address: number) => {
        freed.delete(address);
        return address;
      };
      return wrapped(heap, {
        malloc: (size, options) => handed(heap.malloc(size, options)),
        calloc: (count, size, options) => handed(heap.calloc(count, size, options)),
        mallocAs(type, count, options) {
          const view = heap.mallocAs(type, count, options);
          if (view) handed(heap.addressOf(view));
          return view;
        },
        free(address) {
          heap.free(address);
          freed.add(address);
        },
        realloc(address, size, options) {
          if (freed.has(address)) return handed(heap.malloc(size, options));
          const moved = heap.realloc(address, size, options);
          if (moved !== address && moved >= 0) freed.add(address);
          return handed(moved);
        },
      });
    }, /\(realloc-double\): did not throw/);
  });

  it('a realloc that clears the object before it refuses a bad size (stats unchanged, contents not)', () => {
    fails((pmm) => {
      const heap = createHeap(pmm, { strategy: 'first-fit' });
      return wrapped(heap, {
        realloc(address, size, options) {
          if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) {
            try {
              heap.bytes(address).fill(0);
            } catch {}
          }
          return heap.realloc(address, size, options);
        },
      });
    }, /\(realloc-size-[a-z]+\): threw INVALID_REQUEST but changed the heap: the contents of the live object at \d+ changed/);
  });

  it('numeric strings taken as numbers', () => {
    fails((pmm) => {
      const heap = createHeap(pmm, { strategy: 'slab' });
      const number = (n: number) => (typeof n === 'string' ? Number(n) : n);
      return wrapped(heap, {
        malloc: (size, options) => heap.malloc(number(size), options),
        free: (address) => heap.free(number(address)),
      });
    }, /\((size|free)-string\)/);
  });

  it('a releaseOwner that takes an owner past the limit as an owner holding nothing', () => {
    fails((pmm) => {
      const heap = createHeap(pmm, { strategy: 'slab' });
      return wrapped(heap, {
        releaseOwner: (owner) => (owner === 2 ** 32 - 1 ? 0 : heap.releaseOwner(owner)),
      });
    }, /\(release-owner-too-big\): did not throw/);
  });
});
