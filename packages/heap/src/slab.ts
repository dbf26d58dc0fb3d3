/**
 * A SLUB-style slab allocator (what MOS builds on `mm_get_free_pages`): one cache per size
 * class, each slab one or more frames cut into equal objects, slabs on partial / full / empty
 * lists, and an object's slab found through the frame → slab table rather than a header.
 *
 * State lives in typed arrays indexed by slab number: the slab's first frame, class, objects in
 * use, list links, a free bitmap (8 words: up to 256 objects) and each object's requested size.
 */

import type { AllocatorUsage, ByteAllocator, ByteStrategy, StrategyHost } from './api';
import { NO_ADDRESS, TOO_BIG } from './api';
import { MAX_OBJECTS_PER_SLAB, MAX_SLAB_BYTES, SIZE_CLASSES, SLAB_FRAMES, sizeClassOf } from './size-classes';

const PAGE = 4096;
const WORDS = MAX_OBJECTS_PER_SLAB / 32;
const NONE = -1;
const PARTIAL = 0;
const FULL = 1;
const EMPTY = 2;
const CLASSES = SIZE_CLASSES.length;

export const slab: ByteStrategy = {
  name: 'slab',
  maxSmallBytes: MAX_SLAB_BYTES,
  create: (host) => new SlabAllocator(host),
};

class SlabAllocator implements ByteAllocator {
  readonly #host: StrategyHost;
  /** Frames per slab of each class (1 when the frame allocator has no runs). */
  readonly #frames: Int32Array;
  readonly #objects: Int32Array;
  // Per slab:
  #pfn = new Float64Array(16);
  #cls = new Int8Array(16);
  #inUse = new Int32Array(16);
  #list = new Int8Array(16);
  #next = new Int32Array(16);
  #prev = new Int32Array(16);
  #free = new Uint32Array(16 * WORDS);
  #sizes = new Uint16Array(16 * MAX_OBJECTS_PER_SLAB);
  #slabs = 0;
  /** Unused slab numbers, for reuse. */
  #spare: number[] = [];
  // Per class and list: the head of each list, and the number of empty slabs.
  readonly #heads = new Int32Array(CLASSES * 3).fill(NONE);
  readonly #emptyCount = new Int32Array(CLASSES);
  #framesHeld = 0;

  constructor(host: StrategyHost) {
    this.#host = host;
    const runs = host.pmm.capabilities.runs === 'any';
    this.#frames = Int32Array.from(SLAB_FRAMES, (f) => (runs ? f : 1));
    this.#objects = Int32Array.from(SIZE_CLASSES, (size, k) =>
      Math.min(MAX_OBJECTS_PER_SLAB, Math.floor((this.#frames[k] * PAGE) / size)),
    );
  }

  malloc(size: number, align: number, requested: number): number {
    const k = sizeClassOf(size, align);
    if (k < 0) return TOO_BIG;
    let s = this.#heads[k * 3 + PARTIAL];
    if (s === NONE) {
      s = this.#heads[k * 3 + EMPTY];
      if (s !== NONE) {
        this.#unlink(s);
        this.#emptyCount[k]--;
        this.#push(s, PARTIAL);
      } else {
        s = this.#newSlab(k);
        if (s === NONE) return NO_ADDRESS;
      }
    }
    // The lowest free object: the first set bit of the slab's bitmap.
    const base = s * WORDS;
    let w = 0;
    while (this.#free[base + w] === 0) w++;
    const word = this.#free[base + w];
    const bit = 31 - Math.clz32(word & -word);
    this.#free[base + w] = word & ~(1 << bit);
    const slot = w * 32 + bit;
    this.#sizes[s * MAX_OBJECTS_PER_SLAB + slot] = requested;
    if (++this.#inUse[s] === this.#objects[k]) {
      this.#unlink(s);
      this.#push(s, FULL);
    }
    return this.#pfn[s] * PAGE + slot * SIZE_CLASSES[k];
  }

  live(addr: number, tag: number): number {
    const slot = this.#slotOf(addr, tag);
    return slot < 0 ? -1 : SIZE_CLASSES[this.#cls[tag]];
  }

  requested(addr: number, tag: number): number {
    return this.#sizes[tag * MAX_OBJECTS_PER_SLAB + this.#slotOf(addr, tag)];
  }

  free(addr: number, tag: number): void {
    const s = tag;
    const slot = this.#slotOf(addr, s);
    this.#free[s * WORDS + (slot >>> 5)] |= 1 << (slot & 31);
    const k = this.#cls[s];
    const wasFull = this.#list[s] === FULL;
    if (--this.#inUse[s] === 0) {
      this.#unlink(s);
      if (this.#emptyCount[k] < this.#host.cachedEmpty) {
        this.#push(s, EMPTY);
        this.#emptyCount[k]++;
      } else {
        this.#dropSlab(s);
      }
    } else if (wasFull) {
      this.#unlink(s);
      this.#push(s, PARTIAL);
    }
  }

  resize(addr: number, tag: number, size: number, requested: number): boolean {
    const slot = this.#slotOf(addr, tag);
    if (size > SIZE_CLASSES[this.#cls[tag]]) return false;
    this.#sizes[tag * MAX_OBJECTS_PER_SLAB + slot] = requested;
    return true;
  }

  release(): void {
    for (let s = 0; s < this.#slabs; s++) if (this.#cls[s] >= 0) this.#dropSlab(s);
    this.#heads.fill(NONE);
    this.#emptyCount.fill(0);
  }

  usage(): AllocatorUsage {
    let freeBytes = 0;
    let largest = 0;
    for (let s = 0; s < this.#slabs; s++) {
      const k = this.#cls[s];
      if (k < 0) continue;
      const size = SIZE_CLASSES[k];
      freeBytes += (this.#objects[k] - this.#inUse[s]) * size;
      if (this.#inUse[s] < this.#objects[k] && size > largest) largest = size;
    }
    const metadataBytes =
      this.#pfn.byteLength +
      this.#cls.byteLength +
      this.#inUse.byteLength +
      this.#list.byteLength +
      this.#next.byteLength +
      this.#prev.byteLength +
      this.#free.byteLength +
      this.#sizes.byteLength +
      this.#heads.byteLength;
    return { framesHeld: this.#framesHeld, freeBytes, largestFreeBlock: largest, metadataBytes };
  }

  forEachLive(sink: (usable: number, requested: number) => void): void {
    for (let s = 0; s < this.#slabs; s++) {
      const k = this.#cls[s];
      if (k < 0 || this.#inUse[s] === 0) continue;
      for (let slot = 0; slot < this.#objects[k]; slot++) {
        if ((this.#free[s * WORDS + (slot >>> 5)] & (1 << (slot & 31))) === 0) {
          sink(SIZE_CLASSES[k], this.#sizes[s * MAX_OBJECTS_PER_SLAB + slot]);
        }
      }
    }
  }

  /** The object number at `addr` in slab `s` when one is live there, else -1. */
  #slotOf(addr: number, s: number): number {
    if (!Number.isInteger(s) || s < 0 || s >= this.#slabs) return -1;
    const k = this.#cls[s];
    if (k < 0) return -1;
    const offset = addr - this.#pfn[s] * PAGE;
    const size = SIZE_CLASSES[k];
    if (offset < 0 || offset % size !== 0) return -1;
    const slot = offset / size;
    if (slot >= this.#objects[k]) return -1;
    return (this.#free[s * WORDS + (slot >>> 5)] & (1 << (slot & 31))) === 0 ? slot : -1;
  }

  #newSlab(k: number): number {
    const s = this.#spare.length > 0 ? (this.#spare.pop() as number) : this.#grow();
    const frames = this.#frames[k];
    const pfn = this.#host.takeFrames(frames, s);
    if (pfn < 0) {
      this.#spare.push(s);
      return NONE;
    }
    this.#framesHeld += frames;
    this.#pfn[s] = pfn;
    this.#cls[s] = k;
    this.#inUse[s] = 0;
    const objects = this.#objects[k];
    const base = s * WORDS;
    for (let w = 0; w < WORDS; w++) {
      const left = objects - w * 32;
      this.#free[base + w] = left >= 32 ? 0xffffffff : left > 0 ? (1 << left) - 1 : 0;
    }
    this.#push(s, PARTIAL);
    return s;
  }

  #dropSlab(s: number): void {
    const frames = this.#frames[this.#cls[s]];
    this.#host.giveFrames(this.#pfn[s], frames);
    this.#framesHeld -= frames;
    this.#cls[s] = -1;
    this.#list[s] = -1;
    this.#spare.push(s);
  }

  #grow(): number {
    if (this.#slabs === this.#pfn.length) {
      const cap = this.#pfn.length * 2;
      this.#pfn = grown(this.#pfn, cap);
      this.#cls = grown(this.#cls, cap);
      this.#inUse = grown(this.#inUse, cap);
      this.#list = grown(this.#list, cap);
      this.#next = grown(this.#next, cap);
      this.#prev = grown(this.#prev, cap);
      this.#free = grown(this.#free, cap * WORDS);
      this.#sizes = grown(this.#sizes, cap * MAX_OBJECTS_PER_SLAB);
    }
    return this.#slabs++;
  }

  #push(s: number, list: number): void {
    const head = this.#cls[s] * 3 + list;
    const first = this.#heads[head];
    this.#list[s] = list;
    this.#prev[s] = NONE;
    this.#next[s] = first;
    if (first !== NONE) this.#prev[first] = s;
    this.#heads[head] = s;
  }

  #unlink(s: number): void {
    const next = this.#next[s];
    const prev = this.#prev[s];
    if (prev !== NONE) this.#next[prev] = next;
    else this.#heads[this.#cls[s] * 3 + this.#list[s]] = next;
    if (next !== NONE) this.#prev[next] = prev;
  }
}

function grown<T extends Float64Array | Int32Array | Int8Array | Uint32Array | Uint16Array>(
  array: T,
  length: number,
): T {
  const bigger = new (array.constructor as new (n: number) => T)(length);
  bigger.set(array);
  return bigger;
}
