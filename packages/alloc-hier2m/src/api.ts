import type { AllocatorStats, FrameAllocator, Pfn } from '@framekit/core';

/** `stats()` of the hier2m allocator: the core counts plus the 2 MiB view. */
export interface Hier2mStats extends AllocatorStats {
  /** Entries (2 MiB blocks) that are wholly free: what `allocRun(512, { align: 512 })` can still hand out. */
  readonly free2MiBEntries: number;
  /** Entries kept: 2 MiB blocks holding at least one managed frame. */
  readonly entries: number;
}

/** The four free lists: 4 KiB and 2 MiB, above and below the low-memory limit. */
export type Hier2mList = 'high4k' | 'high2m' | 'low4k' | 'low2m';

/** One entry as the seed's `pmm_entry` would show it (see `inspectEntry`). */
export interface EntrySnapshot {
  /** Global entry number: `pfn >>> 9` of its frames (`address >>> 21`). */
  readonly entry: number;
  /** Its first frame: `entry * 512`. */
  readonly firstFrame: Pfn;
  /** The 16 page fields as unsigned 32-bit values; bit b of field i = frame `firstFrame + 32 i + b` is free. */
  readonly fields: readonly number[];
  /** Bit i set: field i has a free frame. */
  readonly hasPages: number;
  /** Bit i set: field i is all free. In 2 MiB mode: 0xFFFF when the entry is free, 0 when handed out. */
  readonly fullPages: number;
  /** The seed's mode flag: the entry is used as one 2 MiB page. */
  readonly is2m: boolean;
  /** Holds frames that are not ours (holes, reserved, another zone's): never a 2 MiB page. */
  readonly partial: boolean;
  /** Below the low-memory limit: lives on the low lists. */
  readonly low: boolean;
  /** Linked on its 4 KiB / 2 MiB list (perhaps stale: dropped when popped). */
  readonly on4kList: boolean;
  readonly on2mList: boolean;
  /** Global number of the next entry on each list, or -1. */
  readonly next4k: number;
  readonly next2m: number;
}

/**
 * The two-layer 2 MiB / 4 KiB allocator. Runs are 2 MiB pages only
 * (`allocRun(512, { align: 512, below? })`), returned whole with `freeRun(pfn, 512)`.
 */
export interface Hier2mAllocator extends FrameAllocator {
  /** Entries below this frame number (a multiple of 512) are kept on the low lists. */
  readonly lowLimit: number;
  /**
   * One frame `< below`, or `NO_FRAME`. Served from the low lists when `below` is the
   * low limit, and by a summary-bitmap search otherwise; never a walk over all entries.
   */
  allocBelow(below: number): Pfn;
  /** Wholly free 2 MiB entries. */
  free2MiBEntries(): number;
  stats(): Hier2mStats;
  forEachFreeRun(visit: (start: Pfn, count: number) => void): void;
  /**
   * The lowest frame of `[pfn, pfn + count)` not handed out here (free, a hole, or another
   * allocator's), or `NO_FRAME`: a 2 MiB entry at a time from its flags, a split or partial
   * entry a page field (32 frames) at a time. Changes nothing.
   */
  firstNotAllocated(pfn: Pfn, count: number): Pfn;
  /** The entry holding `pfn`, or `undefined` when no entry covers it. For tests and teaching. */
  inspectEntry(pfn: Pfn): EntrySnapshot | undefined;
  /** Global entry numbers linked on a list, head first, stale ones included. For tests and teaching. */
  listEntries(list: Hier2mList): number[];
}
