import type { AllocatorCapabilities, FrameAllocator, Pfn, RunOptions } from '@framekit/core';

/** Any count, any power-of-two alignment, `below`, runs released in any pieces, and `allocAt`. */
export const BUDDY_CAPABILITIES: AllocatorCapabilities = Object.freeze({
  runs: 'any',
  below: true,
  freeRunPiecewise: true,
  allocAt: true,
});

/** A binary buddy allocator: free blocks of order 0 … `maxOrder`, split on allocation, merged on free. */
export interface BuddyAllocator extends FrameAllocator {
  /** The largest block is `2^maxOrder` frames. */
  readonly maxOrder: number;
  /** Created with `trusted: true`: `free`, `freeMany` and `freeRun` do not check that what they free is allocated; the caller does. */
  readonly trusted: boolean;
  /** Free blocks per order 0 … maxOrder: the exact lengths of the free lists. */
  freeBlocksPerOrder(): number[];
  /**
   * The line `/proc/buddyinfo` prints for this allocator as one zone of node 0, in the
   * kernel's format (`"Node %d, zone %8s "` then `"%6lu "` per order), e.g.
   * `Node 0, zone   Normal      3      1 …`. `zoneName` defaults to `Normal`.
   */
  buddyinfo(zoneName?: string): string;
  /**
   * Claims exactly `[pfn, pfn + count)` when every frame of it is free (`pmm_reserve_frames`
   * after start-up), else returns `NO_FRAME` and changes nothing. Frames outside this
   * allocator's ranges throw as `freeRun` would (`NOT_USABLE`, `OUT_OF_RANGE`, …).
   */
  allocAt(pfn: Pfn, count: number): Pfn;
  /** Where `allocRun(count, options)` would take its frames from: the order's free list, and the split. */
  explainRun(count: number, options?: RunOptions): { at: Pfn; detail: string };
  forEachFreeRun(visit: (start: Pfn, count: number) => void): void;
}
