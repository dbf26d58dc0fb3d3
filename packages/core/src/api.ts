/**
 * The framekit contract: frame numbers, frame spaces and the allocator interface every
 * strategy implements. Names here are the public API (see DESIGN.md).
 */

/** A page-frame number: `physicalAddress / 4096`, a plain non-negative integer. */
export type Pfn = number;

/** The sentinel a hot path returns when no frame can be handed out (exhaustion is not an error). */
export const NO_FRAME = -1;

/** Anything indexable that can receive or supply frame numbers: `number[]`, `Uint32Array`, `Float64Array`… */
export interface PfnArray {
  readonly length: number;
  [index: number]: number;
}

/** A run of usable frames `[start, start + count)`. */
export interface FrameRange {
  readonly start: Pfn;
  readonly count: number;
}

/** Where a frame space keeps the contents of its frames, if anywhere. */
export type Backing = 'none' | 'sparse' | 'dense' | 'shared';

/**
 * The physical memory an allocator manages: frame numbers `[0, frameCount)`, of which
 * the frames in `ranges` are usable RAM and everything else is a hole or reserved.
 */
export interface FrameSpace {
  /** Frames `0 … frameCount - 1` exist in this space (usable or not). */
  readonly frameCount: number;
  /** Usable frames as sorted, non-overlapping, non-touching runs. */
  readonly ranges: readonly FrameRange[];
  /** Sum of `ranges[i].count`. */
  readonly usableFrames: number;
  readonly backing: Backing;
  /** True when `bytes()` gives access to frame contents (any backing but `'none'`). */
  readonly hasContents: boolean;
  /** True when `pfn` is a usable frame of this space. O(log ranges). */
  isUsable(pfn: Pfn): boolean;
  /**
   * The contents of `count` frames from `pfn` as a live view (writes are visible to every
   * later view). Throws `UNSUPPORTED` without contents; a sparse space materialises the
   * chunks it touches and refuses a view that crosses a chunk boundary (`INVALID_REQUEST`).
   */
  bytes(pfn: Pfn, count?: number): Uint8Array;
  /** Bytes of contents actually allocated so far (a sparse space grows as frames are touched). */
  contentBytes(): number;
}

/** Options of a contiguous request. */
export interface RunOptions {
  /** The first frame is a multiple of `align` (in frames, a power of two; absolute frame numbers). */
  readonly align?: number;
  /** Every frame of the run is `< below` (a frame number, e.g. `16 MiB / 4096` for ISA DMA). */
  readonly below?: number;
}

/** What an allocator can do; the router and the conformance kit read it. */
export interface AllocatorCapabilities {
  /**
   * Contiguous runs: `'any'` (any count, align and below), `'huge'` (only 512-frame,
   * 512-aligned runs: 2 MiB pages) or `'none'` (`allocRun` throws `UNSUPPORTED`).
   */
  readonly runs: 'any' | 'huge' | 'none';
  /** `allocRun` honours `below` (for `runs: 'huge'`, below a 2 MiB boundary). */
  readonly below: boolean;
  /**
   * A run's frames may be released one by one with `free` (as a bitmap can). When false,
   * a run is returned only whole, with `freeRun` of the same start and count.
   */
  readonly freeRunPiecewise: boolean;
  /**
   * Optional: `allocAt(pfn, count)` claims exactly the run `[pfn, pfn + count)` when every frame
   * of it is free (reserving frames after start-up, MOS's `pmm_reserve_frames`).
   */
  readonly allocAt?: boolean;
}

export interface AllocatorStats {
  /** Usable frames this allocator manages. */
  readonly totalFrames: number;
  readonly freeFrames: number;
  readonly usedFrames: number;
  /** Bytes of bookkeeping this allocator keeps outside the frames it manages. */
  readonly metadataBytes: number;
}

/**
 * A physical frame allocator. Exhaustion is a return value (`NO_FRAME`, `false`); misuse
 * throws a `FrameError` and leaves the allocator exactly as it was (every count, bit and,
 * through wrappers, refcount and owner entry).
 *
 * One code per misuse kind. The rows are checked in this order; the first that applies is
 * THE code (so `allocRun(0)` on an allocator without runs is `INVALID_REQUEST`, not
 * `UNSUPPORTED`). The conformance kit accepts exactly this code (`MISUSE_CODES`).
 *
 * | misuse | code |
 * |---|---|
 * | a count, `align` or `below` that is not valid (not a safe integer, count ≤ 0, align not a power of two, below < 0); a frame number that is not a safe integer (0.5, NaN, ±Infinity, 1e300); an `allocMany`/`freeMany` count past the array's length or < 0 | `INVALID_REQUEST` |
 * | a safe-integer frame outside `[0, frameCount)` (including `-1`) | `OUT_OF_RANGE` |
 * | a hole, a reserved frame, or a frame outside this allocator's ranges | `NOT_USABLE` |
 * | `free`/`freeMany` of a free frame, or a frame listed twice in one `freeMany` | `DOUBLE_FREE` |
 * | `freeRun` over a run with a free frame in it; freeing part of a run handed out whole (`free(inside)`, `freeRun` of a piece of a 2 MiB page) where the allocator is not `freeRunPiecewise`; freeing as one run frames handed out separately where the allocator cannot | `NOT_ALLOCATED` |
 * | a request shape outside `capabilities` with otherwise valid arguments (runs on a stack, a non-512 run on hier2m, a missing optional capability) | `UNSUPPORTED` |
 * | a refcount past 65535 | `REFCOUNT_OVERFLOW` |
 * | a malformed boot map (or other untrusted input a parser reads) | `BAD_BOOT_MAP` |
 */
export interface FrameAllocator {
  readonly name: string;
  readonly capabilities: AllocatorCapabilities;
  /** The frame space this allocator hands out frames of. */
  readonly space: FrameSpace;
  /** The usable frames it manages (all of `space.ranges`, or a zone's share of them). */
  readonly ranges: readonly FrameRange[];
  /** One frame, or `NO_FRAME`. */
  alloc(): Pfn;
  /** `count` frames into `out[0 … count-1]`, all or nothing: `false` hands out nothing. */
  allocMany(out: PfnArray, count: number): boolean;
  /** `count` contiguous frames; the first frame's number, or `NO_FRAME`. */
  allocRun(count: number, options?: RunOptions): Pfn;
  free(pfn: Pfn): void;
  /** Frees `pfns[0 … count-1]`: all or nothing (a bad entry throws and frees none). */
  freeMany(pfns: PfnArray, count: number): void;
  /** Frees a run handed out by `allocRun` (or, where piecewise, any run of allocated frames). */
  freeRun(pfn: Pfn, count: number): void;
  /** True when `pfn` is a usable frame that is free here. Never throws. */
  isFree(pfn: Pfn): boolean;
  stats(): AllocatorStats;
  /**
   * Optional fast path for metrics: calls `visit` for every maximal run of free frames in
   * ascending order. Without it, metrics scan `isFree` over the usable ranges.
   */
  forEachFreeRun?(visit: (start: Pfn, count: number) => void): void;
  /**
   * Optional (`capabilities.allocAt`): claims exactly `[pfn, pfn + count)` when every frame of
   * it is free and returns `pfn`; else returns `NO_FRAME` and changes nothing. Frames outside
   * the allocator's ranges are misuse (`OUT_OF_RANGE`, `NOT_USABLE`).
   */
  allocAt?(pfn: Pfn, count: number): Pfn;
  /**
   * Optional: the lowest frame of `[pfn, pfn + count)` that is not handed out here (free, a
   * hole, or not this allocator's), or `NO_FRAME` when every frame of the run is, found a word
   * at a time. Changes nothing. A router asks it before freeing a run across zones whose owners
   * cannot claim their part back (no `allocAt`), instead of `isFree` frame by frame. Invalid
   * arguments throw as `freeRun`'s do (`INVALID_REQUEST`, `OUT_OF_RANGE`).
   */
  firstNotAllocated?(pfn: Pfn, count: number): Pfn;
  /**
   * Optional, for `router.explain`: where `allocRun(count, options)` would take its frames from
   * right now (`at`, or -1), and how, in words (e.g. a buddy names the free list of the order
   * it takes a block from). Changes nothing.
   */
  explainRun?(count: number, options?: RunOptions): { readonly at: Pfn; readonly detail: string };
}
