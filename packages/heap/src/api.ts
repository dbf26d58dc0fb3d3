import type { FrameWords } from '@framekit/core/plugin';

/**
 * The heap's contract: byte allocation on frames of a framekit `FrameAllocator`, per owner, with
 * pluggable byte strategies (the `memm` kernel's allocator `type`). Names here are the public API.
 *
 * Addresses are byte addresses in the frame space: `pfn * 4096 + offset`, plain numbers (exact
 * below 2^53, so they may pass 2^32; nothing here shifts them).
 *
 * Errors (a `FrameError` from `@framekit/core`; the heap is left exactly as it was):
 * - `INVALID_REQUEST`: a size, count, length or align that is not a safe integer in range (size and
 *   count ≥ 1, align a power of two), an owner that is not an integer in [0, 2^32 - 2], an address
 *   that is not a safe integer, an unknown strategy or view type, bad options.
 * - `NOT_ALLOCATED`: `free`, `realloc`, `usableSize`, `ownerOf`, `bytes` of an address that is not
 *   the start of a live allocation of this heap — foreign (never handed out, another heap's,
 *   `NO_ADDRESS`), interior (inside an allocation but not its start) or already freed.
 * - `UNSUPPORTED`: a request the frame allocator cannot serve in shape: a frame run when it has
 *   no runs, an alignment beyond a frame when it cannot align runs, and on a sparse space one
 *   allocation of more than 2 MiB (a heap object never crosses a sparse space's 2 MiB chunk).
 *   `createHeap` over a space without contents.
 * Exhaustion is a return value: `NO_ADDRESS`, or `undefined` for the typed views.
 */

/** What `malloc` and friends return when memory is exhausted (not an error). */
export const NO_ADDRESS = -1;

/** Bytes in a frame. Requests of this size or more are frame runs taken from the frame allocator. */
export const FRAME_BYTES = 4096;

/** Every small object is aligned to this many bytes (as malloc on a 64-bit machine). */
export const MIN_ALIGN = 16;

export interface MallocOptions {
  /**
   * Who the memory is for (a process id; 0, the kernel, by default). Each owner's objects come
   * from its own allocator: two owners never share a slab or a span. An integer in [0, 2^32 - 2].
   */
  readonly owner?: number;
  /** The address is a multiple of `align` bytes (a power of two; at least 16 is always given). */
  readonly align?: number;
}

/** The element types of `mallocAs`, as in thi.ng's `Type`. */
export interface ViewTypeMap {
  u8: Uint8Array;
  u8c: Uint8ClampedArray;
  i8: Int8Array;
  u16: Uint16Array;
  i16: Int16Array;
  u32: Uint32Array;
  i32: Int32Array;
  f32: Float32Array;
  f64: Float64Array;
  i64: BigInt64Array;
  u64: BigUint64Array;
}
export type ViewType = keyof ViewTypeMap;

/** A name of a built-in strategy. */
export type HeapStrategyName = 'slab' | 'first-fit' | 'tlsf';

export interface HeapOptions {
  /** A built-in strategy's name (default `'slab'`) or a strategy object (`slabStrategy({...})`, your own). */
  readonly strategy?: HeapStrategyName | HeapStrategy;
  /**
   * `memm`'s way of finding an object's allocator: 16 bytes before every small object hold its
   * allocator and block (and the header's own size, when `align` pushed it further). Frees then
   * read that header instead of the frame → block table, which is kept for frame runs only.
   * Costs at least 16 bytes per object; the table then keeps frame runs only, instead of 40
   * bytes per frame of every 2 MiB the heap has touched. Default false.
   */
  readonly headers?: boolean;
  /**
   * Single frames a `free` keeps per owner for its next one-frame request instead of giving them
   * back to the frame allocator (as Linux keeps per-CPU page lists); `trim()` and memory pressure
   * give them back. Default 64; 0 turns the cache off.
   */
  readonly frameCache?: number;
  /**
   * Bytes of freed objects each owner keeps for reuse, per size class in a LIFO stack of
   * addresses (Bonwick's magazines, jemalloc's tcache, SLUB's per-CPU freelist): a `free`
   * followed by a `malloc` of the same class is a few typed-array reads and writes, and never
   * reaches the strategy. A kept object is not live: freeing it again is a double free. `trim()`
   * and memory pressure give them back to the strategy. Each class keeps its share (the share of
   * the sizes up to a frame it covers), at least 4 objects while `cacheBytes` holds 4 of the
   * class, at most 32; with first-fit's and TLSF's fine classes the floor of 4 lets an owner keep
   * up to about 0.7 MiB. Default 256 KiB; 0 turns the cache off
   * (every free goes to the strategy at once). Not with `headers` (which keeps only frames).
   */
  readonly cacheBytes?: number;
}

/** Memory use of the heap, an owner or a size class (all in bytes unless named frames). */
export interface HeapUsage {
  /** Live allocations. */
  readonly objects: number;
  /** Σ `usableSize` of live allocations: what their owners may use. */
  readonly liveBytes: number;
  /**
   * Bytes in held frames that a later `malloc` can hand out (free slab slots, free blocks of
   * spans) but that cannot go back to the frame allocator while their frame holds anything else.
   */
  readonly freeBytes: number;
  /**
   * Bytes in held frames that are neither live nor free: slab tails, boundary tags, `headers`,
   * alignment gaps. (Rounding a request up to its size class is inside `usableSize`, so it counts
   * as live; only the caller knows the size it asked for.)
   */
  readonly overheadBytes: number;
  /** `framesHeld * 4096`. */
  readonly heldBytes: number;
  /** Frames taken from the frame allocator (slabs, spans, frame runs, cached empty ones). */
  readonly framesHeld: number;
  /**
   * `overheadBytes / heldBytes` (0 when nothing is held). Rounding up to a size class is not in
   * it (see `overheadBytes`): `framekit compare --heap`, which knows the sizes asked for from its
   * trace, reports held − free − requested instead.
   */
  readonly internalFragmentation: number;
  /** `freeBytes / heldBytes` (0 when nothing is held). */
  readonly externalFragmentation: number;
}

export interface OwnerUsage extends HeapUsage {
  readonly owner: number;
}

/**
 * One size class: objects whose usable size is above the previous class and at most `size`
 * bytes. The slab strategy's classes are 16 B … 3.5 KiB; the last class (4096) holds objects of
 * 3.5 KiB – 4 KiB (a whole frame each from the slab; first-fit and TLSF keep them in spans).
 * The held, free and overhead bytes and the fragmentation are the class's own slabs' (a slab's
 * tail is its overhead); strategies whose spans serve every size hold no frames per class, so
 * they report objects and live bytes there, and 0 for the rest (see the totals).
 */
export interface SizeClassUsage extends HeapUsage {
  readonly size: number;
}

export interface HeapStats extends HeapUsage {
  readonly strategy: string;
  readonly headers: boolean;
  /** Requests of a frame or more: runs of frames taken whole from the frame allocator. */
  readonly frameRuns: { readonly objects: number; readonly framesHeld: number };
  /** Owners holding anything, by id. */
  readonly owners: readonly OwnerUsage[];
  readonly sizeClasses: readonly SizeClassUsage[];
  /** Bytes of bookkeeping outside the frames: the frame → block table, block and strategy tables. */
  readonly metadataBytes: number;
}

/** A run of frames the heap holds, as `blocks()` lists them (for maps of memory). */
export interface HeapBlock {
  readonly pfn: number;
  readonly frames: number;
  readonly owner: number;
  /**
   * `slab`: a slab of one size class · `span`: a span of first-fit / TLSF blocks of any size (or
   * any strategy's block without classes) · `run`: one allocation of a frame or more · `cached`: a
   * free frame kept for the next one-frame request.
   */
  readonly kind: 'slab' | 'span' | 'run' | 'cached';
  /** The slab's object size in bytes (one of `SIZE_CLASSES`), 0 for other kinds. */
  readonly sizeClass: number;
}

/** A heap over a frame allocator: see `createHeap`. */
export interface Heap extends Disposable {
  readonly strategy: string;
  readonly headers: boolean;
  /** A byte address aligned to 16 (or `align`), or `NO_ADDRESS` when memory is exhausted. */
  malloc(size: number, options?: MallocOptions): number;
  /** `count * size` bytes, zeroed. */
  calloc(count: number, size: number, options?: MallocOptions): number;
  /**
   * Grows or shrinks the allocation at `address` (same owner): in place when it fits, else a new
   * one with the contents copied and the old one freed. `NO_ADDRESS` leaves the old one as it was.
   */
  realloc(address: number, size: number, options?: Pick<MallocOptions, 'align'>): number;
  free(address: number): void;
  /** The bytes the allocation at `address` may use (≥ the size asked for). */
  usableSize(address: number): number;
  ownerOf(address: number): number;
  /** A live view of `length` bytes (default: the usable size) of the allocation at `address`. */
  bytes(address: number, length?: number): Uint8Array;
  /** thi.ng's `mallocAs`: a typed array of `count` elements, or `undefined` when exhausted. */
  mallocAs<T extends ViewType>(type: T, count: number, options?: MallocOptions): ViewTypeMap[T] | undefined;
  /** `mallocAs` with the elements zeroed. */
  callocAs<T extends ViewType>(type: T, count: number, options?: MallocOptions): ViewTypeMap[T] | undefined;
  /**
   * The address of a view `mallocAs`, `callocAs` or `bytes` made, or `NO_ADDRESS` for any other
   * view (one made over the same memory by other means, a `subarray` of one, or one made before
   * the heap was disposed).
   */
  addressOf(view: ArrayBufferView): number;
  /** Frees everything `owner` holds (a process exiting) in time proportional to it; returns the objects freed. */
  releaseOwner(owner: number): number;
  /** Gives every cached empty slab or span back to the frame allocator; returns the frames given. */
  trim(): number;
  stats(): HeapStats;
  /** Every run of frames the heap holds, by frame number: who holds it and for what. */
  blocks(): HeapBlock[];
  /** Returns every frame to the frame allocator (idempotent). The heap stays usable and starts empty. */
  [Symbol.dispose](): void;
}

// ---------------------------------------------------------------------------------------------
// The strategy contract: what a byte allocator plugs in (memm's `allocator_t` with its `type`).
// ---------------------------------------------------------------------------------------------

/**
 * A byte strategy: makes one `ByteAllocator` per owner. `slabStrategy()`, `firstFitStrategy()`
 * and `tlsfStrategy()` are the built-in ones; `describeHeapConformance`
 * (`@framekit/heap/testing/vitest`) checks any strategy against the contract.
 */
export interface HeapStrategy {
  readonly name: string;
  create(host: FrameHost): ByteAllocator;
}

/**
 * What the heap gives a byte allocator: frames in blocks, and their contents. A block is a run of
 * frames taken for one allocator; the heap records which allocator holds each block, so that
 * `free(address)` finds it (frame → block table, or `headers`), and gives every block back when
 * the owner is released or the heap disposed.
 */
export interface FrameHost {
  /** Cached word and byte views over the frame space's contents. */
  readonly contents: FrameWords;
  /**
   * True when the heap checks with its own live bits that an object starts at each address it
   * passes to `release` and `usableSize` (without `headers`): the allocator need not keep a
   * bitmap of object starts of its own. False with `headers`, whose words can be forged.
   */
  readonly checksLive: boolean;
  /** The most frames one block may have: 1 when the frame allocator has no runs, ≤ 512 on a sparse space. */
  readonly maxBlockFrames: number;
  /**
   * Takes `frames` contiguous frames (a power of two is kindest to a sparse space) and files
   * them under `tag` (the allocator's own number for the block, given back in `release`). Returns
   * the block's id, or -1 when the frame allocator is exhausted (nothing taken). `objectBytes`:
   * the usable size of every object of the block when they are all alike (a slab), so a `free`
   * finds it without asking; 0 (default) when they vary (`usableSize` is asked).
   */
  takeBlock(frames: number, tag: number, objectBytes?: number): number;
  /** The byte address of block `id`'s first frame. */
  blockAddress(id: number): number;
  /** Returns block `id`'s frames to the frame allocator. */
  giveBlock(id: number): void;
}

/**
 * What a byte allocator reports for `stats()` (it counts its own objects, so the heap's hot
 * paths count nothing): arrays are indexed by size-class number (`SIZE_CLASSES`), an object's
 * class being `classOfSize(its usable size)`.
 */
export interface AllocatorUsage {
  /** Bytes a later `allocate` could hand out from blocks held now. */
  freeBytes: number;
  /** Live objects and their usable bytes per class. */
  readonly classObjects: Float64Array;
  readonly classLiveBytes: Float64Array;
  /** Free bytes and frames of each class's own blocks (slabs); 0 where blocks serve every size. */
  readonly classFreeBytes: Float64Array;
  readonly classFrames: Float64Array;
}

/**
 * One owner's byte allocator. The heap validates every argument once and calls it only with:
 * `allocate(size, align)` for 1 ≤ size and `fits(size, align)` (align a power of two ≥ 16);
 * `release`/`usableSize` with a `tag` of a block it holds (from the frame table, or, with
 * `headers`, from a header once `hasBlock(tag)` said yes) and a safe-integer address. Without
 * headers the heap's own live bits have already said that an object starts there; with headers
 * the allocator must check it (a header can be forged). An object the heap keeps in its cache
 * stays allocated here until the heap releases it.
 */
export interface ByteAllocator {
  /** The largest size (bytes) `allocate` serves at the minimum alignment; below 4096 (frame runs serve the rest). */
  readonly maxSize: number;
  /**
   * The sizes this allocator's objects come in (optional): ascending multiples of 16, at most
   * `maxSize`, the same for every allocator of a strategy. When given, the heap asks for a
   * request rounded up to its class, and keeps freed objects per class for reuse (`cacheBytes`);
   * an object of usable size `u` serves any request of the largest class at most `u`.
   */
  readonly sizeClasses?: readonly number[];
  /**
   * For allocators that keep a size word in front of each object, as dlmalloc and the spans do
   * (optional): how many bytes before an object's address a 32-bit word holds its block's size in
   * bytes (the low 4 bits are flags), the object's usable size being that size less these bytes.
   * The heap's `free` then reads it instead of asking `usableSize` (as glibc's tcache reads a
   * chunk's size). A multiple of 4, 4 … 16.
   */
  readonly sizeWordBefore?: number;
  /** The usable size of the object the last successful `allocate` returned. */
  readonly lastUsable: number;
  /** The tag of the block that object lies in (written into `headers`). */
  readonly lastTag: number;
  /** True when a request of `size` bytes aligned to `align` (16 < align < 4096) can come from this allocator's blocks. */
  fits(size: number, align: number): boolean;
  /** A byte address, or `NO_ADDRESS` when no block has room and no frame can be taken. */
  allocate(size: number, align: number): number;
  /** True when `tag` names a block this allocator holds (asked before trusting a tag read from a header). */
  hasBlock(tag: number): boolean;
  /** Frees the object at `address`: its usable size, or -1 (and nothing changed) when no live object starts there. */
  release(address: number, tag: number): number;
  /** The usable size of the live object starting at `address`, or -1. */
  usableSize(address: number, tag: number): number;
  /** Gives cached empty blocks back to the host; returns the frames given. */
  trim(): number;
  /** The size-class number (`SIZE_CLASSES`) of block `tag`'s objects, or -1 when it holds any size (optional). */
  blockClass?(tag: number): number;
  /** Adds its live objects, live bytes and free bytes to `into`. */
  usage(into: AllocatorUsage): void;
  /** Bytes of typed arrays this allocator keeps outside the frames. */
  metadataBytes(): number;
}
