import type { Pfn } from '@framekit/core';

/**
 * A read-only view of frame bytes. At run time it is the live `Uint8Array` over the frame
 * (no copy); the type leaves out every writing method and makes indexes read-only, so
 * TypeScript refuses writes. Writing through it anyway (a cast, plain JavaScript) breaks
 * the contract of `inner()`: use `innerMut()` to write.
 */
export type ReadonlyBytes = Readonly<
  Omit<Uint8Array, 'set' | 'fill' | 'copyWithin' | 'reverse' | 'sort' | 'subarray' | 'buffer'>
> & {
  subarray(begin?: number, end?: number): ReadonlyBytes;
};

/** How a tracked allocation was made: `Page.alloc` or `ContigPages.alloc`. */
export type AllocationKind = 'page' | 'contig';

/** A place in the source: the `file:line:column` of a stack frame. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One allocation made inside `trackAllocations(fn)` that still holds frames when `fn` is done. */
export interface Leak {
  readonly kind: AllocationKind;
  /** First frame of the allocation and its physical address. */
  readonly pfn: Pfn;
  readonly pa: number;
  /** Frames the allocation had. */
  readonly frames: number;
  /** Of those, frames still referenced through this package (a split run may be partly released). */
  readonly heldFrames: number;
  /** References still held on those frames: live owners plus raw addresses from `intoRaw`. */
  readonly references: number;
  /** Of `references`, the ones given up with `intoRaw` and never taken back with `Page.fromRaw`. */
  readonly raw: number;
  /** Where the allocating call was made, `file:line:column` (`<unknown>` without a stack trace). */
  readonly location: string;
  readonly source: SourceLocation | undefined;
  /** The whole stack of the allocating call, as the engine printed it. */
  readonly stack: string;
}

/** What `trackAllocations(fn)` returns: `fn`'s result and the allocations it left held. */
export interface AllocationReport<T> {
  readonly result: T;
  readonly leaks: readonly Leak[];
}

/** An owner the garbage collector reclaimed while it still held frames (see `enableLeakWarnings`). */
export interface CollectedOwner {
  readonly kind: 'Page' | 'ContigPages';
  readonly pfn: Pfn;
  readonly pa: number;
  readonly frames: number;
  /** Where the frames were allocated, when known (`file:line:column`). */
  readonly location: string | undefined;
}
