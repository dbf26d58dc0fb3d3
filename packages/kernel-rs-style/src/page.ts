import { FRAME_SIZE, NO_FRAME, type Pfn, type RefCountedAllocator } from '@framekit/core';
import { allocatedFrameOf, checkRefCounted } from './checks';
import { OutOfFramesError } from './errors';
import { FrameOwner, OWNER_TOKEN } from './owner';
import {
  type Allocation,
  allocationOf,
  cameBackFromRaw,
  recordAllocation,
  recording,
  tookReferences,
  wentRaw,
} from './tracking';

/**
 * One owned page frame (KeOS's `Page`): allocated zero-filled, freed when its last owner is
 * disposed. `clone()` shares the frame and raises its reference count; `intoRaw()` gives
 * ownership up as a physical address and `Page.fromRaw` takes it back.
 */
export class Page extends FrameOwner {
  /** @internal Owners come from `Page.alloc`, `tryAlloc`, `fromRaw`, `clone`, `PageRef.intoPage`, `ContigPages.split`. */
  constructor(
    token: typeof OWNER_TOKEN,
    pmm: RefCountedAllocator,
    pfn: Pfn,
    allocation: Allocation | undefined,
  ) {
    super(token, 'Page', pmm, pfn, 1, allocation);
  }

  /**
   * A new zero-filled page from `pmm` (an allocator wrapped by `withRefCounts`). Throws
   * `OutOfFramesError` when no frame is left, as KeOS's `Page::new` panics; `tryAlloc`
   * returns `null` instead.
   */
  static alloc(pmm: RefCountedAllocator): Page {
    const page = allocPage(pmm, Page.alloc);
    if (page === null) throw new OutOfFramesError(pmm.name, 1);
    return page;
  }

  /** Like `alloc`, but `null` when no frame is left. */
  static tryAlloc(pmm: RefCountedAllocator): Page | null {
    return allocPage(pmm, Page.tryAlloc);
  }

  /**
   * Takes back ownership of the page at `pa`, given up by `intoRaw` (KeOS's `Page::from_pa`).
   * The reference count is not changed: the raw reference becomes this owner. Throws
   * `NOT_ALLOCATED` when the frame is free (and `INVALID_REQUEST` / `OUT_OF_RANGE` /
   * `NOT_USABLE` for an address that is no usable frame).
   */
  static fromRaw(pmm: RefCountedAllocator, pa: number): Page {
    checkRefCounted('Page.fromRaw', pmm);
    const pfn = allocatedFrameOf('Page.fromRaw', pmm, pa);
    const allocation = allocationOf(pmm, pfn);
    cameBackFromRaw(allocation, pfn);
    return new Page(OWNER_TOKEN, pmm, pfn, allocation);
  }

  /** Another owner of the same frame: its reference count goes up by one (`REFCOUNT_OVERFLOW` past 65535). */
  clone(): Page {
    this.assertLive('clone');
    this.allocator.ref(this.first);
    tookReferences(this.allocation, this.first, 1);
    return new Page(OWNER_TOKEN, this.allocator, this.first, this.allocation);
  }

  /**
   * Gives up ownership without freeing and returns the physical address (KeOS's
   * `Page::into_raw`). The reference stays taken until `Page.fromRaw(pmm, pa)` owns it again.
   */
  intoRaw(): number {
    this.assertLive('intoRaw');
    this.moveOut('intoRaw');
    wentRaw(this.allocation, this.first);
    return this.first * FRAME_SIZE;
  }
}

function allocPage(pmm: RefCountedAllocator, entry: typeof Page.alloc | typeof Page.tryAlloc): Page | null {
  checkRefCounted(entry === Page.alloc ? 'Page.alloc' : 'Page.tryAlloc', pmm);
  const pfn = pmm.alloc();
  if (pfn === NO_FRAME) return null;
  // KeOS hands out pages filled with zeros; a space without contents has nothing to fill.
  if (pmm.space.hasContents) pmm.space.bytes(pfn).fill(0);
  const allocation = recording ? recordAllocation('page', pmm, pfn, 1, entry) : undefined;
  return new Page(OWNER_TOKEN, pmm, pfn, allocation);
}
