/**
 * The heap contract: byte allocation on frames. A heap takes frames from any framekit
 * `FrameAllocator` and hands out byte addresses inside them (`pfn * 4096 + offset`), so the
 * vm and the frame maps show heap memory where it is.
 *
 * Misuse throws a `FrameError` and leaves the heap exactly as it was:
 *
 * | misuse | code |
 * |---|---|
 * | a size, count, align or owner that is not a valid integer (size < 0, align not a power of two or > 4096 for sub-page sizes, owner < 0), an address that is not a safe integer ≥ 0 | `INVALID_REQUEST` |
 * | `free`/`realloc`/`usableSize`/`ownerOf` of an address the heap did not hand out: foreign, interior, or already freed | `NOT_ALLOCATED` |
 * | a request the frame allocator cannot serve by shape (a multi-frame request from a stack, a sparse view crossing a chunk) | `UNSUPPORTED` |
 * | a heap over a frame space without contents | `UNSUPPORTED` |
 *
 * Exhaustion is a return value: `NO_ADDRESS`.
 */
import type { FrameAllocator } from '@framekit/core';

/** What `malloc` returns when memory is exhausted. */
export const NO_ADDRESS = -1;

/** A strategy's `malloc` answer for a request beyond what it serves: the heap then takes a frame run. */
export const TOO_BIG = -2;

/** A byte address in the frame space: `pfn * 4096 + offset`. */
export type Address = number;

export interface MallocOptions {
  /** Whose allocation this is (memm's pid; 0 = the kernel, the default). A non-negative integer. */
  readonly owner?: number;
  /** The address is a multiple of `align` bytes (a power of two; default 16, at most 4096 below a page). */
  readonly align?: number;
}

/** The element types `mallocAs` can view memory as, in the manner of thi.ng's `mallocAs`. */
export type ElementType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64' | 'u64' | 'i64';

export interface TypedArrayOf {
  u8: Uint8Array;
  i8: Int8Array;
  u16: Uint16Array;
  i16: Int16Array;
  u32: Uint32Array;
  i32: Int32Array;
  f32: Float32Array;
  f64: Float64Array;
  u64: BigUint64Array;
  i64: BigInt64Array;
}

export interface HeapOptions {
  /** The byte strategy, by name or as an object: `'slab'` (default), `'first-fit'`, `'tlsf'`. */
  readonly strategy?: StrategyName | ByteStrategy;
  /**
   * memm's way of finding an object's allocator: a 16-byte header before each object whose
   * first word names its allocator, instead of the heap's frame → allocator table. Costs 16
   * bytes per object (see `stats().headerBytes`); kept to compare the two.
   */
  readonly headers?: boolean;
  /** Empty slabs / spans an allocator keeps instead of returning them to the frame allocator. Default 1. */
  readonly cachedEmpty?: number;
  /** Frames per span of the span strategies (first-fit, tlsf): a power of two, 1 … 512. Default 16 (64 KiB). */
  readonly spanFrames?: number;
}

export type StrategyName = 'slab' | 'first-fit' | 'tlsf';

/** Per-owner and per-size-class figures. */
export interface HeapUsage {
  /** Bytes the callers asked for, summed over live objects. */
  readonly liveBytes: number;
  /** Bytes the live objects occupy (their usable sizes, plus headers). */
  readonly usedBytes: number;
  /** Live objects. */
  readonly objects: number;
}

export interface HeapStats extends HeapUsage {
  /** Frames taken from the frame allocator and not yet given back. */
  readonly framesHeld: number;
  /** `framesHeld * 4096`. */
  readonly bytesHeld: number;
  /** Bytes of memm headers among `usedBytes` (0 without `headers`). */
  readonly headerBytes: number;
  /** Internal fragmentation: `1 - liveBytes / usedBytes` (0 when nothing is live). */
  readonly internalFragmentation: number;
  /** External fragmentation: `1 - largestFreeBlock / freeBytes` over the held memory (0 when nothing is free). */
  readonly externalFragmentation: number;
  /** Free bytes inside held frames. */
  readonly freeBytes: number;
  /** The largest block a sub-page request could take without new frames. */
  readonly largestFreeBlock: number;
  /** Bytes of bookkeeping the heap keeps outside the frames (typed arrays, tables). */
  readonly metadataBytes: number;
  readonly byOwner: ReadonlyMap<number, HeapUsage & { readonly framesHeld: number }>;
  /** By usable size: a slab's size class, a span block's rounded size, or `'large'` frame runs. */
  readonly bySizeClass: ReadonlyMap<number | 'large', HeapUsage>;
}

export interface Heap {
  readonly pmm: FrameAllocator;
  readonly strategy: string;
  /** A byte address, or `NO_ADDRESS` when memory is exhausted. `malloc(0)` gives a valid, unique address. */
  malloc(size: number, options?: MallocOptions): Address;
  /** `count * size` zeroed bytes. */
  calloc(count: number, size: number, options?: MallocOptions): Address;
  /** Grows or shrinks in place when it can, else moves (copying); `NO_ADDRESS` and the old block intact on exhaustion. */
  realloc(addr: Address, size: number): Address;
  free(addr: Address): void;
  /** The bytes usable at `addr` (at least what was asked). */
  usableSize(addr: Address): number;
  ownerOf(addr: Address): number;
  /** A live view of `length` bytes at `addr` (within one object). */
  bytes(addr: Address, length: number): Uint8Array;
  /** `count` elements of `type`, as a typed array over fresh memory, or `undefined` when exhausted. */
  mallocAs<T extends ElementType>(
    type: T,
    count: number,
    options?: MallocOptions,
  ): TypedArrayOf[T] | undefined;
  /** Frees everything `owner` holds (a process exit), in time proportional to what it held. */
  releaseOwner(owner: number): void;
  stats(): HeapStats;
  /** Returns every frame to `pmm`. Idempotent; any other call afterwards throws. */
  [Symbol.dispose](): void;
}

/**
 * A byte strategy: memm's allocator `type`. The heap creates one allocator per owner and
 * strategy; an allocator carves sub-page objects out of frames it asks the heap for.
 */
export interface ByteStrategy {
  readonly name: string;
  /** The largest request (in bytes, before alignment) the strategy serves; larger ones are frame runs. */
  readonly maxSmallBytes: number;
  create(host: StrategyHost): ByteAllocator;
}

/** What the heap gives an allocator: frames, and the table that maps them back to it. */
export interface StrategyHost {
  readonly pmm: FrameAllocator;
  readonly cachedEmpty: number;
  readonly spanFrames: number;
  /** Takes `count` contiguous frames (aligned to `count` when a power of two), registered to this allocator with `tag`; `-1` when exhausted. */
  takeFrames(count: number, tag: number): number;
  /** Gives frames back (and forgets their registration). */
  giveFrames(pfn: number, count: number): void;
  /** A live 32-bit view over `count` frames from `pfn` (cached by the caller). */
  words(pfn: number, count: number): Int32Array;
}

/** One owner's allocator of one strategy. Every method but `malloc` receives only addresses it handed out when `live` says so. */
export interface ByteAllocator {
  /** An address with at least `size` usable bytes, aligned to `align`; `NO_ADDRESS` when frames ran out, `TOO_BIG` when the request is not one this strategy serves. */
  malloc(size: number, align: number, requested: number): Address;
  /** The usable size of the live object at `addr` whose frame is registered with `tag`, or -1 when none starts there. */
  live(addr: Address, tag: number): number;
  /** The requested size recorded for a live object (`requested` of its malloc or resize: the caller's bytes, without a memm header). */
  requested(addr: Address, tag: number): number;
  free(addr: Address, tag: number): void;
  /** Grows or shrinks the object in place to `size` bytes when it can; false otherwise (nothing changed). */
  resize(addr: Address, tag: number, size: number, requested: number): boolean;
  /** Every frame back to the host. */
  release(): void;
  /** Frames held, free bytes inside them, the largest free block, and metadata bytes. */
  usage(): AllocatorUsage;
  /** Adds each live object's (usable size, requested size) to `sink`. */
  forEachLive(sink: (usable: number, requested: number) => void): void;
}

export interface AllocatorUsage {
  readonly framesHeld: number;
  readonly freeBytes: number;
  readonly largestFreeBlock: number;
  readonly metadataBytes: number;
}
