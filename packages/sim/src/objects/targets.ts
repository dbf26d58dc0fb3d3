import type { FrameAllocator, RunOptions } from '@framekit/core';
import type { Heap, HeapStats } from '@framekit/heap';

/** What an object workload runs on: a framekit heap, or a peer such as @thi.ng/malloc's MemPool. */
export interface HeapTarget {
  readonly name: string;
  /** What `malloc` returns when memory is exhausted (`NO_ADDRESS` = -1 for framekit, 0 for MemPool). */
  readonly noAddress: number;
  malloc(size: number, owner: number, align: number | undefined): number;
  free(address: number): void;
  /**
   * The new address (the old one is then gone), or `noAddress` (the old one stays); `align` as
   * `realloc`'s option (undefined: none asked).
   */
  realloc(address: number, size: number, align?: number): number;
  /** Frees everything `owner` holds in one call; absent: the runner frees the owner's objects one by one. */
  releaseOwner?(owner: number): void;
  measure(): TargetMeasure;
}

export interface TargetMeasure {
  /** Bytes the target holds now: frames × 4096 for a heap, MemPool's top above its start. */
  readonly heldBytes: number;
  /** The most it has held so far (seen at every allocation). */
  readonly peakHeldBytes: number;
  /** Bytes held that a later malloc could reuse. */
  readonly freeBytes: number;
  /** Bookkeeping outside the memory it manages. */
  readonly metadataBytes: number;
}

/** `pmm` with a count of the frames it has handed out and the peak of that count. */
export function countingFrames(pmm: FrameAllocator): { pmm: FrameAllocator; used(): number; peak(): number } {
  let used = 0;
  let peak = 0;
  const take = (n: number) => {
    used += n;
    if (used > peak) peak = used;
  };
  const wrapped = Object.assign(Object.create(pmm) as FrameAllocator, {
    alloc() {
      const pfn = pmm.alloc();
      if (pfn !== -1) take(1);
      return pfn;
    },
    allocRun(count: number, options?: RunOptions) {
      const pfn = pmm.allocRun(count, options);
      if (pfn !== -1) take(count);
      return pfn;
    },
    free(pfn: number) {
      pmm.free(pfn);
      used--;
    },
    freeRun(pfn: number, count: number) {
      pmm.freeRun(pfn, count);
      used -= count;
    },
  });
  return { pmm: wrapped, used: () => used, peak: () => peak };
}

/**
 * A framekit heap as a target. Build it over `countingFrames(pmm).pmm` and pass the counter,
 * so the peak of frames held is exact, not sampled.
 */
export function heapTarget(name: string, heap: Heap, frames: { used(): number; peak(): number }): HeapTarget {
  const byOwner = new Map<number, { owner: number; align?: number }>();
  const options = (owner: number, align: number | undefined) => {
    if (align !== undefined) return { owner, align };
    let o = byOwner.get(owner);
    if (o === undefined) {
      o = { owner };
      byOwner.set(owner, o);
    }
    return o;
  };
  return {
    name,
    noAddress: -1,
    malloc: (size, owner, align) =>
      owner === 0 && align === undefined ? heap.malloc(size) : heap.malloc(size, options(owner, align)),
    free: (address) => heap.free(address),
    realloc: (address, size, align) =>
      align === undefined ? heap.realloc(address, size) : heap.realloc(address, size, { align }),
    releaseOwner: (owner) => {
      heap.releaseOwner(owner);
    },
    measure() {
      const s: HeapStats = heap.stats();
      return {
        heldBytes: frames.used() * 4096,
        peakHeldBytes: frames.peak() * 4096,
        freeBytes: s.freeBytes,
        metadataBytes: s.metadataBytes,
      };
    },
  };
}

/** The parts of @thi.ng/malloc's `MemPool` a target uses. */
export interface MemPoolLike {
  malloc(bytes: number): number;
  free(address: number): boolean;
  realloc(address: number, bytes: number): number;
  stats(): { readonly free: { readonly size: number }; readonly top: number };
}
export type MemPoolClass = new (options: { size: number; align: 16 }) => MemPoolLike;

/**
 * @thi.ng/malloc's `MemPool` (pass the class: `memPoolTarget(MemPool, bytes)`) over an
 * ArrayBuffer of `bytes`, 16-byte aligned like the heap. It has no owners (the runner frees an
 * exiting owner's objects one by one) and one pool-wide alignment (`align` is not honoured, in
 * `malloc` or `realloc`).
 */
export function memPoolTarget(MemPool: MemPoolClass, bytes: number): HeapTarget {
  const pool = new MemPool({ size: bytes, align: 16 });
  const top = () => (pool as unknown as { top: number }).top;
  const start = top();
  let peak = start;
  return {
    name: 'mempool',
    noAddress: 0,
    malloc(size) {
      const address = pool.malloc(size);
      const t = top();
      if (t > peak) peak = t;
      return address;
    },
    free: (address) => {
      pool.free(address);
    },
    realloc(address, size) {
      const moved = pool.realloc(address, size);
      const t = top();
      if (t > peak) peak = t;
      return moved;
    },
    measure() {
      const s = pool.stats();
      return {
        heldBytes: s.top - start,
        peakHeldBytes: peak - start,
        freeBytes: s.free.size,
        metadataBytes: 0,
      };
    },
  };
}
