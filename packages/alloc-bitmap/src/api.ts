import type { AllocatorCapabilities, FrameAllocator, Pfn } from '@framekit/core';

/** Any count, any power-of-two alignment, `below`, and runs released frame by frame. */
export const BITMAP_CAPABILITIES: AllocatorCapabilities = Object.freeze({
  runs: 'any',
  below: true,
  freeRunPiecewise: true,
  allocAt: true,
});

/** A bitmap allocator: one arena per usable range, a run-length summary tree above each bitmap. */
export interface BitmapAllocator extends FrameAllocator {
  /**
   * Frames at the start of each arena that hold its bitmap (`metadataInFrames`), summed; 0
   * otherwise. They are usable memory the allocator keeps for itself: never handed out, not
   * counted in `stats().totalFrames`, and freeing one throws `NOT_USABLE`.
   */
  readonly metadataFrames: number;
  /** The longest run of free frames, in frames (refreshes the summaries it reads). */
  largestFreeRun(): number;
  /** Claims exactly `[pfn, pfn + count)` when every frame of it is free, else `NO_FRAME` (nothing changes). */
  allocAt(pfn: Pfn, count: number): Pfn;
  forEachFreeRun(visit: (start: Pfn, count: number) => void): void;
}
