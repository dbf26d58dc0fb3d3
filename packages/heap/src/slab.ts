import { checkCount } from '@framekit/core/plugin';
import {
  type AllocatorUsage,
  type ByteAllocator,
  FRAME_BYTES,
  type FrameHost,
  type HeapStrategy,
  NO_ADDRESS,
} from './api';
import { grown } from './blocks';
import {
  classOfSize,
  MAX_SLAB_SIZE,
  SIZE_CLASSES,
  SLAB_CLASS_COUNT,
  slabFrames,
  slabObjects,
} from './size-classes';

export interface SlabOptions {
  /** Empty slabs each size class keeps for reuse (SLUB keeps at least 5 partial slabs); more go back to the frame allocator. Default 4. */
  readonly emptySlabs?: number;
}

/**
 * MOS's and Linux's slab (SLUB's layout): a cache per size class (16 B … 3.5 KiB) whose slabs are
 * runs of one or more frames cut into equal objects. Each cache keeps its slabs on three lists:
 * partial (allocations come from here), full, and empty (kept up to `emptySlabs`, beyond that
 * given back). A free finds its slab through the heap's frame → block table, as SLUB does
 * through `struct page`. Each slab's objects are tracked by an 8-word allocation bitmap (so a
 * double or interior free is caught) with a hint at the first word with a free object.
 */
export function slabStrategy(options: SlabOptions = {}): HeapStrategy {
  const emptySlabs = options.emptySlabs ?? 4;
  checkCount('slabStrategy: emptySlabs', emptySlabs, 0);
  return {
    name: 'slab',
    create: (host) => new SlabAllocator(host, emptySlabs),
  };
}

/** Slab list a slab is on; the class's current slab is on none (SLUB's cpu slab). */
const PARTIAL = 0;
const FULL = 1;
const EMPTY = 2;
const LISTS = 3;
const CURRENT = 3;
/** Bitmap words per slab (256 objects at most). */
const WORDS = 8;
/** A bitmap word with every object taken. */
const ALL = -1;

/** The slab classes' sizes. */
const SLAB_CLASS_SIZES: readonly number[] = Object.freeze(SIZE_CLASSES.slice(0, SLAB_CLASS_COUNT));
/** Object bytes per class, as a typed array for the hot paths. */
const CLASS_BYTES = Uint16Array.from(SIZE_CLASSES.slice(0, SLAB_CLASS_COUNT));
/**
 * `1 / size` nudged up by 2^-24: for an offset that is a multiple of the size (below 2^16 in a
 * slab), `floor(offset * RECIPROCAL[c])` is exactly its index — the nudge outweighs rounding and
 * stays below 1. Other offsets get some index whose product is not the offset, so they are rejected.
 */
const RECIPROCAL = Float64Array.from(CLASS_BYTES, (size) => 1 / size + 2 ** -24);
/**
 * `LARGEST_ALIGNED[log2(align)]`: the largest class whose objects all start `align`-aligned (its
 * size a multiple of `align`; slabs start on frames), for aligns below a frame. A request of
 * more at that alignment is not the slab's (3 KiB objects are only 1 KiB-aligned).
 */
const LARGEST_ALIGNED = Uint16Array.from({ length: 12 }, (_, log) =>
  Math.max(0, ...SLAB_CLASS_SIZES.filter((size) => size % 2 ** log === 0)),
);

class SlabAllocator implements ByteAllocator {
  readonly maxSize = MAX_SLAB_SIZE;
  readonly sizeClasses = SLAB_CLASS_SIZES;
  lastUsable = 0;
  lastTag = 0;
  readonly #host: FrameHost;
  readonly #keepEmpty: number = 0;
  /** Per class: frames per slab, objects per slab. */
  readonly #frames = new Uint8Array(SLAB_CLASS_COUNT);
  readonly #objects = new Uint16Array(SLAB_CLASS_COUNT);
  /** Per class and list (`class * 3 + list`): first slab and slab count. */
  readonly #head = new Int32Array(SLAB_CLASS_COUNT * LISTS).fill(-1);
  readonly #listSize = new Int32Array(SLAB_CLASS_COUNT * LISTS);
  /** Per class: the slab allocations come from, on no list (-1: none yet). */
  readonly #current = new Int32Array(SLAB_CLASS_COUNT).fill(-1);
  // Per slab:
  #address = new Float64Array(16);
  #block = new Int32Array(16);
  #class = new Uint8Array(16);
  #list = new Uint8Array(16);
  #inUse = new Uint16Array(16);
  #hint = new Uint8Array(16);
  #next = new Int32Array(16);
  #prev = new Int32Array(16);
  #bits = new Int32Array(16 * WORDS);
  #freeSlabs = new Int32Array(16);
  #freeSlabCount = 0;
  #slabsUsed = 0;

  constructor(host: FrameHost, keepEmpty: number) {
    this.#host = host;
    this.#keepEmpty = keepEmpty;
    for (let c = 0; c < SLAB_CLASS_COUNT; c++) {
      const frames = slabFrames(SIZE_CLASSES[c], host.maxBlockFrames);
      this.#frames[c] = frames;
      this.#objects[c] = slabObjects(SIZE_CLASSES[c], frames);
    }
  }

  blockClass(s: number): number {
    return this.#class[s];
  }

  hasBlock(s: number): boolean {
    return s >= 0 && s < this.#slabsUsed && this.#block[s] >= 0;
  }

  fits(size: number, align: number): boolean {
    return align < FRAME_BYTES && size <= LARGEST_ALIGNED[31 - Math.clz32(align)];
  }

  // `allocate` and `release` are kept small (rare work in methods of its own) so V8 inlines them
  // into the heap's `malloc` and `free`.
  allocate(size: number, align: number): number {
    const c = align > 16 ? this.#alignedClass(size, align) : classOfSize(size);
    let s = this.#current[c];
    if (s < 0) {
      s = this.#refill(c);
      if (s < 0) return NO_ADDRESS;
    }
    const bits = this.#bits;
    const base = s * WORDS;
    let w = this.#hint[s];
    let word = bits[base + w];
    while (word === ALL) word = bits[base + ++w];
    // The lowest clear bit: ~word & (word + 1) isolates it.
    const bit = 31 - Math.clz32(~word & (word + 1));
    bits[base + w] = word | (1 << bit);
    this.#hint[s] = w;
    if (++this.#inUse[s] === this.#objects[c]) this.#retire(s, c);
    const objectSize = CLASS_BYTES[c];
    this.lastUsable = objectSize;
    this.lastTag = s;
    return this.#address[s] + (w * 32 + bit) * objectSize;
  }

  release(address: number, s: number): number {
    const c = this.#class[s];
    const offset = address - this.#address[s];
    // offset / size by a multiplication (see RECIPROCAL); the product check rejects any other offset.
    const index = Math.floor(offset * RECIPROCAL[c]);
    if (offset < 0 || index * CLASS_BYTES[c] !== offset || index >= this.#objects[c]) return -1;
    const at = s * WORDS + (index >>> 5);
    const mask = 1 << (index & 31);
    const word = this.#bits[at];
    if ((word & mask) === 0) return -1;
    this.#bits[at] = word & ~mask;
    if (index >>> 5 < this.#hint[s]) this.#hint[s] = index >>> 5;
    const inUse = this.#inUse[s]--;
    if ((inUse === 1 || inUse === this.#objects[c]) && this.#list[s] !== CURRENT) this.#relist(s, c, inUse);
    return CLASS_BYTES[c];
  }

  /** The smallest class holding `size` whose objects are all aligned to `align` (slabs are frame-aligned). */
  #alignedClass(size: number, align: number): number {
    let c = classOfSize(size);
    while (CLASS_BYTES[c] % align !== 0) c++;
    return c;
  }

  /** The current slab of class `c` is full: off to the full list; the next allocation picks another. */
  #retire(s: number, c: number): void {
    this.#push(s, c, FULL);
    this.#current[c] = -1;
  }

  /** Slab `s` (not current) had `inUse` objects before a free: full → partial, or → empty (and maybe back to pmm). */
  #relist(s: number, c: number, inUse: number): void {
    if (inUse === 1) {
      this.#move(s, c, this.#list[s], EMPTY);
      if (this.#listSize[c * LISTS + EMPTY] > this.#keepEmpty) this.#giveBack(s, c);
    } else this.#move(s, c, FULL, PARTIAL);
  }

  usableSize(address: number, s: number): number {
    const index = this.#indexOf(address, s);
    if (index < 0) return -1;
    const word = this.#bits[s * WORDS + (index >>> 5)];
    return (word & (1 << (index & 31))) === 0 ? -1 : SIZE_CLASSES[this.#class[s]];
  }

  trim(): number {
    let frames = 0;
    for (let c = 0; c < SLAB_CLASS_COUNT; c++) {
      const current = this.#current[c];
      if (current >= 0 && this.#inUse[current] === 0) {
        this.#push(current, c, EMPTY);
        this.#current[c] = -1;
      }
      for (let s = this.#head[c * LISTS + EMPTY]; s >= 0; s = this.#head[c * LISTS + EMPTY]) {
        frames += this.#frames[c];
        this.#giveBack(s, c);
      }
    }
    return frames;
  }

  usage(into: AllocatorUsage): void {
    for (let c = 0; c < SLAB_CLASS_COUNT; c++) {
      const size = SIZE_CLASSES[c];
      const current = this.#current[c];
      let slabs = current >= 0 ? 1 : 0;
      let free = current >= 0 ? (this.#objects[c] - this.#inUse[current]) * size : 0;
      for (let list = 0; list < LISTS; list++) {
        for (let s = this.#head[c * LISTS + list]; s >= 0; s = this.#next[s]) {
          slabs++;
          free += (this.#objects[c] - this.#inUse[s]) * size;
        }
      }
      let objects = current >= 0 ? this.#inUse[current] : 0;
      for (let list = PARTIAL; list <= FULL; list++) {
        for (let s = this.#head[c * LISTS + list]; s >= 0; s = this.#next[s]) objects += this.#inUse[s];
      }
      into.classObjects[c] += objects;
      into.classLiveBytes[c] += objects * size;
      into.freeBytes += free;
      into.classFreeBytes[c] += free;
      into.classFrames[c] += slabs * this.#frames[c];
    }
  }

  metadataBytes(): number {
    const perSlab =
      this.#address.byteLength +
      this.#block.byteLength +
      this.#class.byteLength +
      this.#list.byteLength +
      this.#inUse.byteLength +
      this.#hint.byteLength +
      this.#next.byteLength +
      this.#prev.byteLength +
      this.#bits.byteLength +
      this.#freeSlabs.byteLength;
    return perSlab + this.#head.byteLength + this.#listSize.byteLength + this.#frames.byteLength * 3;
  }

  /** The object index of `address` in slab `s`, or -1 when it is not an object start there. */
  #indexOf(address: number, s: number): number {
    const c = this.#class[s];
    const offset = address - this.#address[s];
    // offset / size by a multiplication (see RECIPROCAL); the product check rejects any other offset.
    const index = Math.floor(offset * RECIPROCAL[c]);
    if (offset < 0 || index * CLASS_BYTES[c] !== offset || index >= this.#objects[c]) return -1;
    return index;
  }

  /** Makes a slab with a free object class `c`'s current: a partial one, a cached empty one, else a new one; -1 when out of frames. */
  #refill(c: number): number {
    const list = this.#head[c * LISTS + PARTIAL] >= 0 ? PARTIAL : EMPTY;
    const cached = this.#head[c * LISTS + list];
    if (cached >= 0) {
      this.#unlink(cached, c, list);
      this.#list[cached] = CURRENT;
      this.#current[c] = cached;
      return cached;
    }
    return this.#newSlab(c);
  }

  /** A new slab for class `c` from the host, made current; -1 when out of frames. */
  #newSlab(c: number): number {
    const s = this.#newSlabId();
    const block = this.#host.takeBlock(this.#frames[c], s, CLASS_BYTES[c]);
    if (block < 0) {
      this.#block[s] = -1;
      this.#freeSlabs[this.#freeSlabCount++] = s;
      return -1;
    }
    this.#block[s] = block;
    this.#address[s] = this.#host.blockAddress(block);
    this.#class[s] = c;
    this.#inUse[s] = 0;
    this.#hint[s] = 0;
    // Bits past the last object are set, so they are never handed out.
    const objects = this.#objects[c];
    const base = s * WORDS;
    for (let w = 0; w < WORDS; w++) {
      const first = w * 32;
      this.#bits[base + w] = first + 32 <= objects ? 0 : first >= objects ? ALL : ALL << (objects - first);
    }
    this.#list[s] = CURRENT;
    this.#current[c] = s;
    return s;
  }

  #newSlabId(): number {
    if (this.#freeSlabCount > 0) return this.#freeSlabs[--this.#freeSlabCount];
    if (this.#slabsUsed === this.#address.length) {
      const n = this.#address.length * 2;
      this.#address = grown(this.#address, n);
      this.#block = grown(this.#block, n);
      this.#class = grown(this.#class, n);
      this.#list = grown(this.#list, n);
      this.#inUse = grown(this.#inUse, n);
      this.#hint = grown(this.#hint, n);
      this.#next = grown(this.#next, n);
      this.#prev = grown(this.#prev, n);
      this.#bits = grown(this.#bits, n * WORDS);
      this.#freeSlabs = grown(this.#freeSlabs, n);
    }
    return this.#slabsUsed++;
  }

  #giveBack(s: number, c: number): void {
    this.#unlink(s, c, EMPTY);
    this.#host.giveBlock(this.#block[s]);
    this.#block[s] = -1;
    this.#freeSlabs[this.#freeSlabCount++] = s;
  }

  #move(s: number, c: number, from: number, to: number): void {
    this.#unlink(s, c, from);
    this.#push(s, c, to);
  }

  #push(s: number, c: number, list: number): void {
    const h = c * LISTS + list;
    const head = this.#head[h];
    this.#next[s] = head;
    this.#prev[s] = -1;
    if (head >= 0) this.#prev[head] = s;
    this.#head[h] = s;
    this.#list[s] = list;
    this.#listSize[h]++;
  }

  #unlink(s: number, c: number, list: number): void {
    const h = c * LISTS + list;
    const next = this.#next[s];
    const prev = this.#prev[s];
    if (prev >= 0) this.#next[prev] = next;
    else this.#head[h] = next;
    if (next >= 0) this.#prev[next] = prev;
    this.#listSize[h]--;
  }
}
