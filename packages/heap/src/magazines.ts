import { FrameError } from '@framekit/core';
import { FRAME_BYTES, MIN_ALIGN } from './api';
import { grown } from './blocks';

/** A class number meaning "not cached". */
export const NO_CLASS = 255 as const;
/** The most addresses a small class keeps per owner (the frame class keeps `frameCache`). */
export const MAGAZINE_ENTRIES = 32;
/**
 * The fewest a small class keeps per owner (while `cacheBytes` holds that many of it): with
 * fine classes (the spans' 128) a share can be below two objects, and a class that keeps one
 * sends the second of two requests in a row to the strategy.
 */
export const MIN_ENTRIES = 4;
/** Words before a stack's entries: its count and its capacity. */
export const STACK_HEADER = 2 as const;

/**
 * The heap's object cache: per owner slot and size class, a LIFO stack of freed addresses
 * (Bonwick's magazines; jemalloc's tcache; SLUB's per-CPU freelist). Each class keeps its
 * share of `cacheBytes` per owner, the share of the sizes up to a frame it covers, at least 4
 * objects (while `cacheBytes` holds 4 of the class; else at least one) and at most 32. With
 * few classes (the slab's 27) the stacks of an owner hold about `cacheBytes`; with many, the
 * floor of 4 can hold more (`capacityBytes`). The last class is the frame class: one-frame
 * runs, `frameCache` of them per owner (Linux's per-CPU page lists).
 *
 * Classes come from the strategy (`ByteAllocator.sizeClasses`): a request maps up to the
 * smallest class holding it (`ceilClass`), a freed object down to the largest class its usable
 * size holds (`floorClass`), so any object on a class's stack serves any request of the class.
 *
 * Two typed arrays hold every stack, for the heap's `malloc` and `free` to read directly:
 * the stack of `slot` and class `c` starts at `b = slot * stride + base[c]`; `stacks[b]` is its
 * count, `stacks[b + 1]` its capacity, and entry `i` is `addresses[b + 2 + i]` with the index
 * of its word in the frame table's live bits in `stacks[b + 2 + i]`.
 */
export class Magazines {
  /** Request granule (`ceil(size / 16)`, 0 … 256) → class, or `NO_CLASS`. */
  readonly ceilClass = new Uint8Array(FRAME_BYTES / MIN_ALIGN + 1).fill(NO_CLASS);
  /** Usable granule (`floor(usable / 16)`, 0 … 256) → class, or `NO_CLASS`. */
  readonly floorClass = new Uint8Array(FRAME_BYTES / MIN_ALIGN + 1).fill(NO_CLASS);
  /** Per class: its size in bytes, where its stack starts in a slot's region, and how many entries it keeps. */
  classBytes = new Float64Array(1);
  base = new Int32Array(1);
  capacity = new Int32Array(1);
  classCount = 1;
  /** The frame class's number (the last). */
  frameClass = 0;
  /** Words per owner slot. */
  stride: number = STACK_HEADER;
  stacks = new Int32Array(0);
  addresses = new Float64Array(0);
  /** Slots with room. */
  #slots = 0;
  readonly #cacheBytes: number = 0;
  readonly #frameEntries: number = 0;

  constructor(cacheBytes: number, frameEntries: number) {
    this.#cacheBytes = cacheBytes;
    this.#frameEntries = frameEntries;
    this.setClasses([], FRAME_BYTES - 1);
  }

  /**
   * The classes: `sizes` (ascending multiples of 16 up to `maxSize`, the allocator's) and the
   * frame class. Requests above `maxSize` and up to a frame are served by a frame. Only while
   * nothing is cached (the heap calls it when its first allocator is made).
   */
  setClasses(sizes: readonly number[], maxSize: number): void {
    let previous = 0;
    for (const size of sizes) {
      if (!Number.isSafeInteger(size) || size % MIN_ALIGN !== 0 || size <= previous || size > maxSize) {
        throw new FrameError(
          'INVALID_REQUEST',
          `createHeap: the strategy's sizeClasses must ascend in multiples of ${MIN_ALIGN} up to its maxSize ${maxSize} (got ${size})`,
          { op: 'createHeap' },
        );
      }
      previous = size;
    }
    const classes = sizes.length + 1;
    if (classes > NO_CLASS) {
      throw new FrameError('INVALID_REQUEST', `createHeap: at most ${NO_CLASS - 1} sizeClasses`, {
        op: 'createHeap',
      });
    }
    this.classCount = classes;
    this.frameClass = sizes.length;
    this.classBytes = Float64Array.from([...sizes, FRAME_BYTES]);
    // Each class's share of `cacheBytes` is the share of the sizes up to a frame it covers.
    this.capacity = Int32Array.from([
      ...sizes.map((size, c) => {
        if (this.#cacheBytes === 0) return 0;
        const share = (this.#cacheBytes * (size - (c > 0 ? sizes[c - 1] : 0))) / FRAME_BYTES;
        // At least MIN_ENTRIES while cacheBytes holds that many of the class, and at least one.
        const least = Math.max(1, Math.min(MIN_ENTRIES, Math.floor(this.#cacheBytes / size)));
        return Math.min(MAGAZINE_ENTRIES, Math.max(least, Math.floor(share / size)));
      }),
      this.#frameEntries,
    ]);
    this.base = new Int32Array(classes);
    let stride = 0;
    for (let c = 0; c < classes; c++) {
      this.base[c] = stride;
      stride += STACK_HEADER + this.capacity[c];
    }
    this.stride = stride;
    this.ceilClass.fill(NO_CLASS);
    this.floorClass.fill(NO_CLASS);
    let c = 0;
    for (let g = 1; g <= FRAME_BYTES / MIN_ALIGN; g++) {
      const bytes = g * MIN_ALIGN;
      while (c < sizes.length && sizes[c] < bytes) c++;
      if (c < sizes.length) this.ceilClass[g] = c;
      else if (bytes > maxSize) this.ceilClass[g] = this.frameClass;
      // The largest small class at most `bytes`; a whole frame is the frame class.
      let f = c < sizes.length && sizes[c] === bytes ? c : c - 1;
      if (bytes === FRAME_BYTES) f = this.frameClass;
      this.floorClass[g] = f >= 0 ? f : NO_CLASS;
    }
    this.#slots = 0;
    this.stacks = new Int32Array(0);
    this.addresses = new Float64Array(0);
  }

  /** Where the stack of `slot` and class `c` starts, or -1 when the class keeps nothing (or there is no room for its key). */
  stackOf(slot: number, c: number): number {
    if (c === NO_CLASS || this.capacity[c] === 0) return -1;
    const b = slot * this.stride + this.base[c];
    return b < 2 ** 31 - this.stride ? b : -1;
  }

  /** Makes room for `slot`'s stacks. */
  ensure(slot: number): void {
    if (slot < this.#slots) return;
    const from = this.#slots;
    const n = Math.max(slot + 1, Math.ceil(from * 1.5));
    this.stacks = grown(this.stacks, n * this.stride);
    this.addresses = grown(this.addresses, n * this.stride);
    for (let s = from; s < n; s++) {
      for (let c = 0; c < this.classCount; c++)
        this.stacks[s * this.stride + this.base[c] + 1] = this.capacity[c];
    }
    this.#slots = n;
  }

  /** The most bytes of small objects the stacks of one owner can keep (the frame class aside). */
  capacityBytes(): number {
    let bytes = 0;
    for (let c = 0; c < this.frameClass; c++) bytes += this.capacity[c] * this.classBytes[c];
    return bytes;
  }

  /** Entries of `slot` (0 when it has no room). */
  cachedOf(slot: number): number {
    if (slot >= this.#slots) return 0;
    let n = 0;
    for (let c = 0; c < this.classCount; c++) n += this.stacks[slot * this.stride + this.base[c]];
    return n;
  }

  /** Forgets everything `slot` keeps (its blocks went back whole). */
  drop(slot: number): void {
    if (slot >= this.#slots) return;
    for (let c = 0; c < this.classCount; c++) this.stacks[slot * this.stride + this.base[c]] = 0;
  }

  metadataBytes(): number {
    return (
      this.stacks.byteLength +
      this.addresses.byteLength +
      this.ceilClass.byteLength * 2 +
      this.classBytes.byteLength +
      this.base.byteLength * 2
    );
  }
}
