import type { AllocatorStats, FrameAllocator, FrameRange, Pfn } from '@framekit/core';

/**
 * Everything another thread needs to work on the same allocator: post it to a worker
 * (`worker.postMessage(descriptor)`, or `workerData`) and call `attach(descriptor)` there.
 * Structured-cloneable: two SharedArrayBuffers and plain numbers.
 */
export interface LLFreeDescriptor {
  readonly kind: 'framekit/llfree';
  readonly version: 1;
  /** The whole allocator state: trees, children, bitfields, worker slots. */
  readonly state: SharedArrayBuffer;
  /** The frame space: its size and usable ranges. */
  readonly frameCount: number;
  readonly spaceRanges: readonly FrameRange[];
  /** The frames this allocator manages (all of the space's, or a zone's share). */
  readonly ranges: readonly FrameRange[];
  /** The frame contents of a `backing: 'shared'` space, or null for a space without contents. */
  readonly contents: SharedArrayBuffer | null;
}

export interface LLFreeStats extends AllocatorStats {
  /** 2 MiB children (blocks holding a frame of this allocator) and trees of 32 children. */
  readonly children: number;
  readonly trees: number;
  /** Children handed out as 2 MiB pages. */
  readonly hugePages: number;
  /** Worker slots claimed (handles that have attached and not closed, dead ones included). */
  readonly workers: number;
}

/** What all workers did so far: operations and lost compare-exchange races. */
export interface LLFreeContention {
  readonly allocs: number;
  readonly frees: number;
  /** Atomic updates that lost a race and were tried again. */
  readonly retries: number;
}

/** The result of `verify()`: every counter checked against the bits. */
export interface LLFreeReport {
  readonly ok: boolean;
  /** Free frames according to the bitfields (and the huge flags). */
  readonly freeFrames: number;
  readonly problems: readonly string[];
}

/** The result of `recover()`: what was rebuilt. */
export interface LLFreeRecovery {
  /** Child and tree counters that did not match the bits and were rewritten. */
  readonly children: number;
  readonly trees: number;
  /** Reservations dropped (every tree's, including those of dead workers). */
  readonly reservations: number;
  readonly freeFrames: number;
}

/**
 * An LLFree allocator handle: one thread's view of state shared by every handle over it.
 * Runs: single frames, naturally aligned runs of 2, 4, 8, 16 or 32 frames (one bitfield
 * word), and 2 MiB pages (`allocRun(512, { align: 512 })`); each returned whole with `freeRun`.
 */
export interface LLFreeAllocator extends FrameAllocator {
  /** This handle's worker slot (0 for the handle that created the allocator). */
  readonly slot: number;
  /**
   * The lowest frame of `[pfn, pfn + count)` not handed out here (free, a hole, or not this
   * allocator's), or `NO_FRAME`: the ranges searched for holes, a 2 MiB page skipped whole,
   * the bits read a word at a time. Changes nothing.
   */
  firstNotAllocated(pfn: Pfn, count: number): Pfn;
  /** A descriptor to post to workers, who `attach` it. Throws `UNSUPPORTED` for dense or sparse contents (not shared memory). */
  share(): LLFreeDescriptor;
  stats(): LLFreeStats;
  contention(): LLFreeContention;
  /**
   * Checks every child counter (plus the workers' credits in it) against its bits and every
   * tree counter against its children. Read-only; exact when no other handle is inside a call.
   */
  verify(): LLFreeReport;
  /**
   * Rebuilds every counter from the bitfields and drops every reservation, as LLFree's
   * recovery start does. Call it when no other handle is inside a call (e.g. after a worker
   * died and the others finished or paused); they re-reserve on their next allocation.
   */
  recover(): LLFreeRecovery;
  /** Drops this handle's reservation and frees its slot; do not use the handle afterwards. */
  close(): void;
}
