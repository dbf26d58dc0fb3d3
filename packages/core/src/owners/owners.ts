import type {
  AllocatorStats,
  FrameAllocator,
  FrameRange,
  FrameSpace,
  Pfn,
  PfnArray,
  RunOptions,
} from '../api';
import { NO_FRAME } from '../api';
import { checkBatch, checkRun, freeError } from '../checks';
import { FrameError } from '../errors';
import { checkOwner, OwnerTable } from './owner-table';

/** The owner id of the kernel (as in the seed kernel's `memm`, where pid 0 is the kernel). */
export const KERNEL_OWNER = 0;

export interface OwnersOptions {
  /**
   * Frees only the caller's own frames (default true): freeing a frame another owner holds,
   * or one allocated around this wrapper, throws `NOT_ALLOCATED` and changes nothing.
   */
  readonly strict?: boolean;
}

/**
 * An allocator whose allocations are tagged with an owner id. Each view allocates for one
 * owner (`withOwners` returns the kernel's, owner 0; `forOwner(id)` any other); all views
 * share the tags, so any of them can report and release every owner's frames.
 */
export interface OwnedAllocator extends FrameAllocator {
  readonly inner: FrameAllocator;
  /** The owner this view allocates for and, when strict, the only owner whose frames it frees. */
  readonly owner: number;
  readonly strict: boolean;
  /** The view that allocates for owner `id` (an integer in [0, 2^32 - 2]); the same object on every call. */
  forOwner(id: number): OwnedAllocator;
  /** Who holds `pfn`, or -1 when nobody does (free, or allocated around this wrapper). */
  ownerOf(pfn: Pfn): number;
  /** Frames `id` holds. */
  framesOf(id: number): number;
  /** Every owner holding frames, with how many, by id. */
  owners(): { owner: number; frames: number }[];
  /** Frees every frame `id` holds (a process exiting) and returns how many. */
  releaseOwner(id: number): number;
}

/**
 * Tags every allocation made through `allocator` with an owner id (as the seed kernel's
 * `memm` keeps allocators per process, 0 being the kernel), counts frames per owner and
 * frees everything an owner holds in one call. Tags live in typed-array chunks of 512 frames;
 * misuse throws a `FrameError` and changes nothing.
 */
export function withOwners(allocator: FrameAllocator, options: OwnersOptions = {}): OwnedAllocator {
  const shared = new Shared(allocator, options.strict ?? true);
  return shared.view(KERNEL_OWNER);
}

class Shared {
  readonly table: OwnerTable;
  readonly views = new Map<number, OwnerView>();

  constructor(
    readonly inner: FrameAllocator,
    readonly strict: boolean,
  ) {
    this.table = new OwnerTable(inner);
  }

  view(owner: number): OwnerView {
    checkOwner('forOwner', owner);
    let view = this.views.get(owner);
    if (view === undefined) {
      view = new OwnerView(this, owner);
      this.views.set(owner, view);
    }
    return view;
  }
}

class OwnerView implements OwnedAllocator {
  readonly name: string;
  readonly inner: FrameAllocator;
  readonly capabilities: FrameAllocator['capabilities'];
  readonly space: FrameSpace;
  readonly ranges: readonly FrameRange[];
  readonly owner: number = 0;
  readonly strict: boolean = false;
  readonly #shared: Shared;
  readonly #table: OwnerTable;

  constructor(shared: Shared, owner: number) {
    this.#shared = shared;
    this.#table = shared.table;
    this.inner = shared.inner;
    this.owner = owner;
    this.strict = shared.strict;
    this.capabilities = shared.inner.capabilities;
    this.space = shared.inner.space;
    this.ranges = shared.inner.ranges;
    this.name = `owned(${shared.inner.name})#${owner}`;
    const inner = shared.inner;
    if (inner.forEachFreeRun !== undefined) {
      this.forEachFreeRun = (visit) => inner.forEachFreeRun!(visit);
    }
  }

  forEachFreeRun?: (visit: (start: Pfn, count: number) => void) => void;

  forOwner(id: number): OwnedAllocator {
    return this.#shared.view(id);
  }

  ownerOf(pfn: Pfn): number {
    return this.#table.ownerOf(pfn);
  }

  framesOf(id: number): number {
    return this.#table.framesOf(id);
  }

  owners(): { owner: number; frames: number }[] {
    return this.#table.owners();
  }

  alloc(): Pfn {
    const pfn = this.inner.alloc();
    if (pfn !== NO_FRAME) this.#table.tag(pfn, 1, this.owner, false);
    return pfn;
  }

  allocMany(out: PfnArray, count: number): boolean {
    if (!this.inner.allocMany(out, count)) return false;
    for (let i = 0; i < count; i++) this.#table.tag(out[i], 1, this.owner, false);
    return true;
  }

  allocRun(count: number, options?: RunOptions): Pfn {
    const pfn = this.inner.allocRun(count, options);
    if (pfn !== NO_FRAME) this.#table.tag(pfn, count, this.owner, true);
    return pfn;
  }

  free(pfn: Pfn): void {
    this.#checkMine('free', pfn, false);
    this.inner.free(pfn);
    this.#table.untag(pfn, 1);
  }

  freeMany(pfns: PfnArray, count: number): void {
    checkBatch('freeMany', pfns, count);
    for (let i = 0; i < count; i++) this.#checkMine('freeMany', pfns[i], false);
    this.inner.freeMany(pfns, count);
    for (let i = 0; i < count; i++) this.#table.untag(pfns[i], 1);
  }

  freeRun(pfn: Pfn, count: number): void {
    checkRun('freeRun', this.space, pfn, count);
    // Every frame tagged with this owner (so usable and allocated): one check a chunk slice at
    // a time. Otherwise the frame-by-frame classification below names the first fault.
    if (!this.#table.allTagged(pfn, count, this.owner)) {
      for (let i = pfn; i < pfn + count; i++) {
        if (!this.space.isUsable(i)) throw freeError('freeRun', this.space, i, true);
      }
      for (let i = pfn; i < pfn + count; i++) this.#checkMine('freeRun', i, true);
    }
    this.inner.freeRun(pfn, count);
    this.#table.untag(pfn, count);
  }

  releaseOwner(id: number): number {
    checkOwner('releaseOwner', id);
    const { starts, counts } = this.#table.heldBy(id);
    let freed = 0;
    for (let i = 0; i < starts.length; i++) {
      if (counts[i] === 1 && this.#table.runLengthAt(starts[i]) === 0) this.inner.free(starts[i]);
      else this.inner.freeRun(starts[i], counts[i]);
      this.#table.untag(starts[i], counts[i]);
      freed += counts[i];
    }
    return freed;
  }

  isFree(pfn: Pfn): boolean {
    return this.inner.isFree(pfn);
  }

  stats(): AllocatorStats {
    const inner = this.inner.stats();
    return { ...inner, metadataBytes: inner.metadataBytes + this.#table.bytes() };
  }

  /**
   * Throws unless `pfn` is allocated and, when strict, held by this view's owner. The
   * allocator's own codes (a bad number, a hole, a free frame) come first.
   */
  #checkMine(op: string, pfn: Pfn, inRun: boolean): void {
    const owner = this.#table.ownerOf(pfn);
    if (owner === this.owner) return;
    if (
      !Number.isSafeInteger(pfn) ||
      pfn < 0 ||
      pfn >= this.space.frameCount ||
      !this.space.isUsable(pfn) ||
      this.inner.isFree(pfn)
    ) {
      throw freeError(op, this.space, pfn, inRun);
    }
    if (!this.strict) return;
    throw new FrameError(
      'NOT_ALLOCATED',
      owner < 0
        ? `${op}: frame ${pfn} was not allocated through withOwners, so owner ${this.owner} cannot free it`
        : `${op}: frame ${pfn} belongs to owner ${owner}, not owner ${this.owner}`,
      { op, pfn, owner: this.owner, holder: owner },
    );
  }
}
