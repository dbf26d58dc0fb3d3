import {
  bytesToFrames,
  FRAME_SIZE,
  FrameError,
  isPowerOfTwo,
  NO_FRAME,
  type Pfn,
  type RefCountedAllocator,
} from '@framekit/core';
import { fillFrames, unsupported } from '@framekit/core/plugin';
import { checkRefCounted } from './checks';
import { FrameOwner, OWNER_TOKEN } from './owner';
import { Page } from './page';
import { type Allocation, recordAllocation, recording, tookReferences } from './tracking';

/**
 * An owned run of contiguous frames (KeOS's `ContigPages`), zero-filled. The run is counted
 * as one: every frame of it holds the same count, raised by `clone()` and lowered by
 * dispose together, so the whole run returns to the allocator at once.
 */
export class ContigPages extends FrameOwner {
  /** @internal Owners come from `ContigPages.alloc` and `clone`. */
  constructor(
    token: typeof OWNER_TOKEN,
    pmm: RefCountedAllocator,
    pfn: Pfn,
    frames: number,
    allocation: Allocation | undefined,
  ) {
    super(token, 'ContigPages', pmm, pfn, frames, allocation);
  }

  /**
   * `bytes` rounded up to whole frames, contiguous, with the physical address a multiple of
   * `alignBytes` (a power of two; 4096 by default, as KeOS's `new`). `null` when no such
   * run is free (KeOS returns `None`). Throws `INVALID_REQUEST` for a size or alignment that
   * is not a positive integer / power of two, and whatever the allocator throws for a run it
   * cannot make (`UNSUPPORTED` from a stack allocator, say).
   */
  static alloc(pmm: RefCountedAllocator, bytes: number, alignBytes: number = FRAME_SIZE): ContigPages | null {
    checkRefCounted('ContigPages.alloc', pmm);
    if (!Number.isSafeInteger(bytes) || bytes < 1) {
      throw new FrameError(
        'INVALID_REQUEST',
        `ContigPages.alloc: size ${bytes} must be a whole number of bytes >= 1`,
        {
          op: 'ContigPages.alloc',
          bytes,
        },
      );
    }
    if (!isPowerOfTwo(alignBytes)) {
      throw new FrameError(
        'INVALID_REQUEST',
        `ContigPages.alloc: alignBytes ${alignBytes} must be a power of two`,
        {
          op: 'ContigPages.alloc',
          alignBytes,
        },
      );
    }
    const frames = bytesToFrames(bytes);
    const alignFrames = Math.max(1, alignBytes / FRAME_SIZE);
    // One unaligned frame needs no run: every allocator (even one without runs) serves it.
    const pfn =
      frames === 1 && alignFrames === 1 ? pmm.alloc() : pmm.allocRun(frames, { align: alignFrames });
    if (pfn === NO_FRAME) return null;
    if (pmm.space.hasContents) fillFrames(pmm.space, pfn, frames);
    const allocation = recording
      ? recordAllocation('contig', pmm, pfn, frames, ContigPages.alloc)
      : undefined;
    return new ContigPages(OWNER_TOKEN, pmm, pfn, frames, allocation);
  }

  /** Frames in the run. */
  get frames(): number {
    this.assertLive('frames');
    return this.count;
  }

  /** Bytes in the run (`frames * 4096`). */
  get size(): number {
    this.assertLive('size');
    return this.count * FRAME_SIZE;
  }

  /** Another owner of the same run: every frame's count goes up by one. */
  clone(): ContigPages {
    this.assertLive('clone');
    this.allocator.ref(this.first, this.count);
    tookReferences(this.allocation, this.first, this.count);
    return new ContigPages(OWNER_TOKEN, this.allocator, this.first, this.count, this.allocation);
  }

  /**
   * Turns the run into one `Page` per frame, each owning its frame alone (count 1), and ends
   * this owner. Only the sole owner may split (`INVALID_REQUEST` when any frame is shared),
   * and the allocator must take a run back frame by frame (`capabilities.freeRunPiecewise`;
   * `UNSUPPORTED` otherwise, unless the run is one frame). Unlike KeOS, which asserts tail
   * counts it never set, this works for runs of any length.
   */
  split(): Page[] {
    this.assertLive('split');
    const { allocator, first, count } = this;
    if (count > 1 && !allocator.capabilities.freeRunPiecewise) {
      throw unsupported(
        allocator.name,
        'split',
        `takes a run back only whole (capabilities.freeRunPiecewise is false), so the ${count} pages of a split run could not be freed one by one`,
      );
    }
    for (let i = 0; i < count; i++) {
      const refs = allocator.refCount(first + i);
      if (refs !== 1) {
        throw new FrameError(
          'INVALID_REQUEST',
          `ContigPages.split: frame ${first + i} of the run has ${refs} references; only a run with one owner can be split`,
          { op: 'ContigPages.split', pfn: first + i, refCount: refs },
        );
      }
    }
    const pages = new Array<Page>(count);
    for (let i = 0; i < count; i++) pages[i] = new Page(OWNER_TOKEN, allocator, first + i, this.allocation);
    this.moveOut('split');
    return pages;
  }
}
