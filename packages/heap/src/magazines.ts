import { FrameError } from '@framekit/core';
import { FRAME_BYTES, MIN_ALIGN } from './api';
import { grown } from './blocks';

/** A class number meaning "not cached". */
export const NO_CLASS = 255 as const;
/** Addresses kept per small class and owner (the frame class keeps `frameCache`). */
export const MAGAZINE_ENTRIES = 32;

/**
 * The heap's object cache: per owner slot and size class, a LIFO stack of freed addresses
 * (Bonwick's magazines; jemalloc's tcache; SLUB's per-CPU freelist), bounded per owner in
 * bytes (`cacheBytes`). The last class is the frame class: one-frame runs, `frameCache` of
 * them per owner, not counted in bytes (Linux's per-CPU page lists).
 *
 * Classes come from the strategy (`ByteAllocator.sizeClasses`): a request maps up to the
 * smallest class holding it (`ceilClass`), a freed object down to the largest class its usable
 * size holds (`floorClass`), so any object in a class's stack serves any request of the class.
 *
 * Everything is in typed arrays the heap's `malloc` and `free` read directly: stack `m =
 * slot * classCount + c` holds `count[m]` entries from `slot * stride + base[c]`, each an
 * address and the index of its word in the frame table's live bits.
 */
export class Magazines {
  /** Request granule (`ceil(size / 16)`, 0 … 256) → class, or `NO_CLASS`. */
  ceilClass = new Uint8Array(FRAME_BYTES / MIN_ALIGN + 1).fill(NO_CLASS);
  /** Usable granule (`floor(usable / 16)`, 0 … 256) → class, or `NO_CLASS`. */
  floorClass = new Uint8Array(FRAME_BYTES / MIN_ALIGN + 1).fill(NO_CLASS);
  /** Per class: its size in bytes, the bytes an entry counts against `limitBytes` (0 for frames), and how many entries its stack holds. */
  classBytes = new Float64Array(1);
  charge = new Float64Array(1);
  capacity = new Int32Array(1);
  base = new Int32Array(1);
  classCount = 1;
  /** The frame class's number (the last). */
  frameClass = 0;
  /** Entries per owner slot. */
  stride = 0;
  // Per slot × class:
  count = new Int32Array(0);
  // Per slot:
  bytes = new Float64Array(0);
  // Per slot × stride:
  address = new Float64Array(0);
  word = new Int32Array(0);
  /** Slots with arrays. */
  #slots = 0;
  readonly limitBytes: number;
  readonly #frameEntries: number;

  constructor(limitBytes: number, frameEntries: number) {
    this.limitBytes = limitBytes;
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
    this.charge = Float64Array.from([...sizes, 0]);
    const small = this.limitBytes > 0 ? MAGAZINE_ENTRIES : 0;
    this.capacity = Int32Array.from([...sizes.map(() => small), this.#frameEntries]);
    this.base = new Int32Array(classes);
    let stride = 0;
    for (let c = 0; c < classes; c++) {
      this.base[c] = stride;
      stride += this.capacity[c];
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
    this.count = new Int32Array(0);
    this.bytes = new Float64Array(0);
    this.address = new Float64Array(0);
    this.word = new Int32Array(0);
  }

  /** Makes room for `slot`'s stacks. */
  ensure(slot: number): void {
    if (slot < this.#slots) return;
    const n = Math.max(slot + 1, this.#slots * 2, 4);
    this.count = grown(this.count, n * this.classCount);
    this.bytes = grown(this.bytes, n);
    this.address = grown(this.address, n * this.stride);
    this.word = grown(this.word, n * this.stride);
    this.#slots = n;
  }

  /** Entries of `slot` (0 when it has no arrays). */
  cachedOf(slot: number): number {
    if (slot >= this.#slots) return 0;
    let n = 0;
    for (let c = 0; c < this.classCount; c++) n += this.count[slot * this.classCount + c];
    return n;
  }

  /** Forgets everything `slot` keeps (its blocks went back whole). */
  drop(slot: number): void {
    if (slot >= this.#slots) return;
    this.count.fill(0, slot * this.classCount, (slot + 1) * this.classCount);
    this.bytes[slot] = 0;
  }

  metadataBytes(): number {
    return (
      this.count.byteLength +
      this.bytes.byteLength +
      this.address.byteLength +
      this.word.byteLength +
      this.ceilClass.byteLength * 2 +
      this.classBytes.byteLength * 3
    );
  }
}
