import { type FrameAllocator, NO_FRAME, type PfnArray, type RunOptions } from '@framekit/core';
import { type FlatBits, FrameBits, setConstant } from '@framekit/core/plugin';
import type { Target } from './strategies';

/**
 * The least a router's frame cache over the stack can do for one frame, shown beside the
 * budget "single frames through a router whose cache is a stack: within 1.2x of the stack":
 *
 * - the stack itself, made `trusted` (no used bits of its own), as the router makes its caches;
 * - one flat bit per frame, set on alloc and tested and cleared on free through the same
 *   `FlatBits` the router keeps: its one validity check, standing for the stack's own;
 * - the count of frames the cache holds, kept on every alloc and free and tested against the
 *   cache's low and high marks, as a Linux per-CPU list keeps `pcp->count` (the router refills
 *   at empty and spills above `high`; here neither mark is ever reached).
 *
 * No zones, no routes, no refill or spill code: what is left of the router's ratio over this one
 * is the router's own dispatch; what this one costs over the stack is the count.
 */
export class CountedStackCache implements Target {
  declare private readonly stack: FrameAllocator;
  declare private readonly bits: FlatBits;
  /** The high mark: above every count this reference reaches, but a load as the router's is. */
  declare private readonly high: number;
  /** Frames the cache holds: every frame of the stack at first. */
  #held = 0;

  /** `stack`: a trusted stack allocator over frames `[0, frames)`, every one free. */
  constructor(stack: FrameAllocator, frames: number) {
    if (frames > 2 ** 32) throw new Error('CountedStackCache: at most 2^32 frames');
    setConstant(this, 'stack', stack);
    setConstant(this, 'bits', new FrameBits(frames).wholeFlat());
    setConstant(this, 'high', frames + 1);
    this.#held = stack.stats().freeFrames;
  }

  alloc(): number {
    if (this.#held > 0) {
      const pfn = this.stack.alloc();
      this.bits.set(pfn);
      if (--this.#held === 0) this.#lowMark();
      return pfn;
    }
    return NO_FRAME;
  }

  free(pfn: number): void {
    if (!this.bits.tryClear(pfn)) throw new Error(`free: frame ${pfn} is not allocated`);
    this.stack.free(pfn);
    if (++this.#held > this.high) this.#highMark();
  }

  allocMany(out: PfnArray, count: number): boolean {
    if (count > this.#held) return false;
    for (let i = 0; i < count; i++) out[i] = this.alloc();
    return true;
  }

  freeMany(pfns: PfnArray, count: number): void {
    for (let i = 0; i < count; i++) this.free(pfns[i]);
  }

  allocRun(_count: number, _options?: RunOptions): number {
    throw new Error('a reference cache has no runs');
  }

  freeRun(_pfn: number, _count: number): void {
    throw new Error('a reference cache has no runs');
  }

  /** Where the router would refill: this reference holds every frame, so only the last one gets here. */
  #lowMark(): void {}

  /** Where the router would spill: never reached (the high mark is above every frame). */
  #highMark(): void {
    throw new Error('CountedStackCache: above the high mark');
  }
}
