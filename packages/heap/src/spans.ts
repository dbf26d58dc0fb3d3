import { isPowerOfTwo } from '@framekit/core';
import { checkCount } from '@framekit/core/plugin';
import { type AllocatorUsage, type ByteAllocator, FRAME_BYTES, type FrameHost, NO_ADDRESS } from './api';
import { grown } from './blocks';
import { CLASS_ROWS, smallClass } from './size-classes';

export interface SpanOptions {
  /** Frames per span (a power of two, 1 … 512; default 16 = 64 KiB), capped by what the frame allocator can give. */
  readonly spanFrames?: number;
  /** Empty spans kept for reuse; more go back to the frame allocator. Default 1. */
  readonly emptySpans?: number;
}

/** A free-block link that points nowhere. */
export const NIL = 0xffffffff;
/** Header flags (block sizes are multiples of 16, so the low 4 bits are free). */
export const IN_USE = 1;
export const PREV_IN_USE = 2;
export const SIZE_MASK = ~15;
/** The smallest block: header, two links, footer. */
export const MIN_BLOCK = 32;
/** Bytes of header before each payload. */
export const HEADER = 8;

/** Reads and checks span options. */
export function spanOptions(op: string, options: SpanOptions): { spanFrames: number; emptySpans: number } {
  const spanFrames = options.spanFrames ?? 16;
  checkCount(`${op}: spanFrames`, spanFrames, 1, 512);
  if (!isPowerOfTwo(spanFrames)) {
    checkCount(`${op}: spanFrames (a power of two)`, 0);
  }
  const emptySpans = options.emptySpans ?? 1;
  checkCount(`${op}: emptySpans`, emptySpans, 0);
  return { spanFrames, emptySpans };
}

/**
 * Spans of frames cut into blocks with boundary tags (the `memm` kernel's allocators, Knuth's
 * boundary tags, dlmalloc's layout): every block starts with an 8-byte header (size | in use |
 * previous in use), its payload is 16-aligned, and a free block also keeps its size in its last
 * word (the footer) and two free-list links after the header, all inside the frames. Freeing
 * coalesces with free neighbours in O(1). Which free block serves a request is the subclass's
 * policy: first fit over one list, or TLSF's segregated lists.
 *
 * A span: `[0, 8)` unused · blocks from 8 · an epilogue header (size 0, in use) at `S - 8`.
 * Links name a block by `span slot * granules + (offset - 8) / 16`, so one free list runs across
 * every span of the owner. Which payloads are live is also kept in a bitmap per span (one bit
 * per 16 bytes), so a free of an interior, foreign or freed address is caught, not trusted.
 */
export abstract class SpanAllocator implements ByteAllocator {
  readonly maxSize: number = 0;
  /** Every 16 bytes up to 512, then 32 classes per doubling: the heap rounds small requests up to these, losing at most 1/32. */
  readonly sizeClasses: readonly number[];
  /** The block header (size | flags) is the word 8 bytes before a payload. */
  readonly sizeWordBefore = HEADER;
  lastUsable = 0;
  lastTag = 0;
  /** Bytes per span. */
  protected readonly spanBytes: number = 0;
  /** 16-byte granules per span: the link radix (a power of two), its log2 and mask. */
  protected readonly granules: number = 0;
  protected readonly granuleShift: number = 0;
  protected readonly granuleMask: number = 0;
  /** The view the last `at()` decoded a link into. */
  protected view: Uint32Array = new Uint32Array(0);
  readonly #host: FrameHost;
  readonly #spanFrames: number = 0;
  readonly #keepEmpty: number = 0;
  /** Bitmap words per span. */
  readonly #startWords: number = 0;
  // Per span slot:
  #block = new Int32Array(4);
  #address = new Float64Array(4);
  #wordBase = new Int32Array(4);
  #views: Uint32Array[] = [];
  #live = new Int32Array(4);
  #starts: Uint32Array = new Uint32Array(0);
  #freeSlots = new Int32Array(4);
  #freeSlotCount = 0;
  #slotsUsed = 0;
  #emptySpans = 0;
  #freeBlockBytes = 0;
  #freeBlocks = 0;
  /** Live objects and usable bytes per size class. */
  readonly #classObjects = new Float64Array(CLASS_ROWS);
  readonly #classBytes = new Float64Array(CLASS_ROWS);

  constructor(host: FrameHost, spanFrames: number, keepEmpty: number) {
    this.#host = host;
    this.#spanFrames = Math.min(spanFrames, host.maxBlockFrames);
    this.#keepEmpty = keepEmpty;
    this.spanBytes = this.#spanFrames * FRAME_BYTES;
    this.granules = this.spanBytes / 16;
    this.granuleShift = Math.log2(this.granules);
    this.granuleMask = this.granules - 1;
    // Without headers the heap's live bits say where objects start; with them, this bitmap does.
    this.#startWords = host.checksLive ? 0 : this.granules / 32;
    this.#starts = new Uint32Array(4 * this.#startWords);
    // The largest size whose search fits a fresh span (the policy may round the search up).
    let max = Math.min(FRAME_BYTES - 1, this.spanBytes - 16 - HEADER);
    while (max > 0 && this.searchBytes(blockBytes(max), 16) > this.spanBytes - 16) max -= 16;
    this.maxSize = max;
    this.sizeClasses = spanClasses(max);
  }

  /**
   * The free-block size `find` looks for to place `need` bytes at `align`: `need`, or with an
   * alignment room for the gap in front. A policy that rounds its search up says so here, so
   * `fits` and `maxSize` promise only what a fresh span can give.
   */
  protected searchBytes(need: number, align: number): number {
    return align <= 16 ? need : need + align + MIN_BLOCK;
  }

  // ---- the policy ----
  /** Files the free block `link` of `size` bytes. */
  protected abstract insert(link: number, size: number): void;
  /** Unfiles the free block `link` of `size` bytes. */
  protected abstract remove(link: number, size: number): void;
  /** A free block that holds `need` bytes at an `align`ed payload (see `alignedGap`), or `NIL`. */
  protected abstract find(need: number, align: number): number;
  /**
   * The free block `oldLink` of `oldSize` bytes becomes `link` of `size` bytes, with no other
   * free block between the two (a split's rest, or a merge with a free neighbour): it may keep its
   * place in an address-ordered list. By default, unfiled and filed again.
   */
  protected replace(oldLink: number, oldSize: number, link: number, size: number): void {
    this.remove(oldLink, oldSize);
    this.insert(link, size);
  }

  // ---- links ----
  /**
   * Puts the block `link` where `oldLink` is in a doubly-linked free list (links at +2 next,
   * +3 previous); true when `oldLink` was the list's head, which the caller then points at `link`.
   */
  protected relink(oldLink: number, link: number): boolean {
    const old = this.at(oldLink);
    const next = this.view[old + 2];
    const prev = this.view[old + 3];
    const at = this.at(link);
    const view = this.view;
    view[at + 2] = next;
    view[at + 3] = prev;
    if (prev !== NIL) this.view[this.at(prev) + 2] = link;
    if (next !== NIL) this.view[this.at(next) + 3] = link;
    return prev === NIL;
  }

  /** Decodes `link` into `this.view`; returns the block header's word index (links at +2, +3). */
  protected at(link: number): number {
    // Links are below 2^32 (not frame numbers), so shifting them is exact.
    const slot = link >>> this.granuleShift;
    this.view = this.#views[slot];
    return this.#wordBase[slot] + (link & this.granuleMask) * 4 + 2;
  }

  /** The bytes in front of the payload to skip for `align` (0, or ≥ 32 so the gap is a free block). */
  protected alignedGap(link: number, align: number): number {
    const payload = ((link & this.granuleMask) + 1) * 16;
    const gap = (align - (payload & (align - 1))) & (align - 1);
    return gap > 0 && gap < MIN_BLOCK ? gap + align : gap;
  }

  hasBlock(slot: number): boolean {
    return slot >= 0 && slot < this.#slotsUsed && this.#block[slot] >= 0;
  }

  fits(size: number, align: number): boolean {
    return align < FRAME_BYTES && this.searchBytes(blockBytes(size), align) <= this.spanBytes - 16;
  }

  allocate(size: number, align: number): number {
    const need = blockBytes(size);
    let link = this.find(need, align);
    if (link === NIL) {
      if (!this.#grow()) return NO_ADDRESS;
      link = this.find(need, align);
      if (link === NIL) return NO_ADDRESS;
    }
    const slot = link >>> this.granuleShift;
    const view = this.#views[slot];
    const base = this.#wordBase[slot];
    let offset = (link & this.granuleMask) * 16 + 8;
    let header = view[base + (offset >>> 2)];
    let blockSize = header & SIZE_MASK;
    const gap = align > 16 ? this.alignedGap(link, align) : 0;
    // The common split: the rest, just above, takes the block's place among the free blocks.
    const split = gap === 0 && blockSize - need >= MIN_BLOCK;
    if (!split) this.#unfile(link, blockSize);
    if (gap > 0) {
      // The gap in front stays a free block; the allocation starts after it.
      view[base + (offset >>> 2)] = gap | (header & PREV_IN_USE);
      view[base + ((offset + gap) >>> 2) - 1] = gap;
      this.#file(link, gap);
      offset += gap;
      blockSize -= gap;
      header = 0;
    }
    const rest = blockSize - need;
    if (rest >= MIN_BLOCK) {
      view[base + (offset >>> 2)] = need | IN_USE | (header & PREV_IN_USE);
      const after = offset + need;
      view[base + (after >>> 2)] = rest | PREV_IN_USE;
      view[base + ((after + rest) >>> 2) - 1] = rest;
      const restLink = slot * this.granules + ((after - 8) >>> 4);
      if (split) this.#refile(link, blockSize, restLink, rest);
      else this.#file(restLink, rest);
      blockSize = need;
    } else {
      view[base + (offset >>> 2)] = blockSize | IN_USE | (header & PREV_IN_USE);
      view[base + ((offset + blockSize) >>> 2)] |= PREV_IN_USE;
    }
    const granule = (offset - 8) >>> 4;
    if (this.#startWords > 0) this.#starts[slot * this.#startWords + (granule >>> 5)] |= 1 << (granule & 31);
    if (this.#live[slot]++ === 0) this.#emptySpans--;
    const usable = blockSize - HEADER;
    const row = smallClass(usable);
    this.#classObjects[row]++;
    this.#classBytes[row] += usable;
    this.lastUsable = usable;
    this.lastTag = slot;
    return this.#address[slot] + offset + HEADER;
  }

  release(address: number, slot: number): number {
    const granule = this.#granuleOf(address, slot);
    if (granule < 0) return -1;
    if (this.#startWords > 0) {
      const at = slot * this.#startWords + (granule >>> 5);
      const mask = 1 << (granule & 31);
      const bits = this.#starts[at];
      if ((bits & mask) === 0) return -1;
      this.#starts[at] = bits & ~mask;
    }
    const view = this.#views[slot];
    const base = this.#wordBase[slot];
    let offset = granule * 16 + 8;
    let header = view[base + (offset >>> 2)];
    let size = header & SIZE_MASK;
    const usable = size - HEADER;
    const row = smallClass(usable);
    this.#classObjects[row]--;
    this.#classBytes[row] -= usable;
    // Coalesce with the next block and the previous one: the merged block takes a free
    // neighbour's place among the free blocks (the previous one's, else the next one's).
    const granules = this.granules;
    const nextAt = base + ((offset + size) >>> 2);
    const next = view[nextAt];
    const nextFree = (next & IN_USE) === 0;
    const nextSize = next & SIZE_MASK;
    const nextLink = slot * granules + ((offset + size - 8) >>> 4);
    if (!nextFree) view[nextAt] = next & ~PREV_IN_USE;
    const prevFree = (header & PREV_IN_USE) === 0;
    const prevSize = prevFree ? view[base + (offset >>> 2) - 1] : 0;
    const prevLink = slot * granules + ((offset - prevSize - 8) >>> 4);
    if (--this.#live[slot] === 0) {
      this.#emptySpans++;
      if (this.#emptySpans > this.#keepEmpty) {
        if (nextFree) this.#unfile(nextLink, nextSize);
        if (prevFree) this.#unfile(prevLink, prevSize);
        this.#giveBack(slot);
        return usable;
      }
    }
    if (nextFree) size += nextSize;
    if (prevFree) {
      if (nextFree) this.#unfile(nextLink, nextSize);
      offset -= prevSize;
      size += prevSize;
      header = view[base + (offset >>> 2)];
    }
    view[base + (offset >>> 2)] = size | (header & PREV_IN_USE);
    view[base + ((offset + size) >>> 2) - 1] = size;
    const link = slot * granules + ((offset - 8) >>> 4);
    if (prevFree) this.#refile(prevLink, prevSize, link, size);
    else if (nextFree) this.#refile(nextLink, nextSize, link, size);
    else this.#file(link, size);
    return usable;
  }

  usableSize(address: number, slot: number): number {
    const granule = this.#granuleOf(address, slot);
    if (granule < 0) return -1;
    if (
      this.#startWords > 0 &&
      (this.#starts[slot * this.#startWords + (granule >>> 5)] & (1 << (granule & 31))) === 0
    ) {
      return -1;
    }
    const offset = granule * 16 + 8;
    return (this.#views[slot][this.#wordBase[slot] + (offset >>> 2)] & SIZE_MASK) - HEADER;
  }

  trim(): number {
    let frames = 0;
    for (let slot = 0; slot < this.#slotsUsed; slot++) {
      if (this.#block[slot] < 0 || this.#live[slot] !== 0) continue;
      this.#unfile(slot * this.granules, this.spanBytes - 16);
      this.#giveBack(slot);
      frames += this.#spanFrames;
    }
    return frames;
  }

  usage(into: AllocatorUsage): void {
    into.freeBytes += this.#freeBlockBytes - HEADER * this.#freeBlocks;
    for (let row = 0; row < CLASS_ROWS; row++) {
      into.classObjects[row] += this.#classObjects[row];
      into.classLiveBytes[row] += this.#classBytes[row];
    }
  }

  metadataBytes(): number {
    return (
      this.#block.byteLength +
      this.#address.byteLength +
      this.#wordBase.byteLength +
      this.#live.byteLength +
      this.#starts.byteLength +
      this.#classObjects.byteLength * 2 +
      this.#freeSlots.byteLength +
      this.#views.length * 8
    );
  }

  /** The payload granule of `address` in span `slot`, or -1 when it cannot be a payload there. */
  #granuleOf(address: number, slot: number): number {
    const offset = address - this.#address[slot];
    // Integer ops only: a float `%` is a slow call. In range, `offset` fits 32 bits.
    if (!(offset >= 16 && offset < this.spanBytes - 8) || (offset | 0) !== offset || (offset & 15) !== 0) {
      return -1;
    }
    return (offset - 16) / 16;
  }

  #file(link: number, size: number): void {
    this.#freeBlockBytes += size;
    this.#freeBlocks++;
    this.insert(link, size);
  }

  #unfile(link: number, size: number): void {
    this.#freeBlockBytes -= size;
    this.#freeBlocks--;
    this.remove(link, size);
  }

  #refile(oldLink: number, oldSize: number, link: number, size: number): void {
    this.#freeBlockBytes += size - oldSize;
    this.replace(oldLink, oldSize, link, size);
  }

  /** Takes a new span and files it as one free block; false when no frame is left (or links would overflow). */
  #grow(): boolean {
    let slot: number;
    if (this.#freeSlotCount > 0) slot = this.#freeSlots[--this.#freeSlotCount];
    else {
      if ((this.#slotsUsed + 1) * this.granules > NIL) return false;
      slot = this.#slotsUsed;
      if (slot === this.#block.length) this.#growSlots();
    }
    const block = this.#host.takeBlock(this.#spanFrames, slot);
    if (block < 0) {
      if (slot < this.#slotsUsed) this.#freeSlots[this.#freeSlotCount++] = slot;
      return false;
    }
    if (slot === this.#slotsUsed) this.#slotsUsed++;
    const address = this.#host.blockAddress(block);
    const contents = this.#host.contents;
    const view = contents.words(address / FRAME_BYTES);
    const base = contents.wordBase;
    this.#block[slot] = block;
    this.#address[slot] = address;
    this.#wordBase[slot] = base;
    this.#views[slot] = view;
    this.#live[slot] = 0;
    this.#starts.fill(0, slot * this.#startWords, (slot + 1) * this.#startWords);
    const S = this.spanBytes;
    view[base] = 0;
    view[base + 1] = 0;
    view[base + 2] = (S - 16) | PREV_IN_USE;
    view[base + (S >>> 2) - 3] = S - 16;
    view[base + (S >>> 2) - 2] = IN_USE;
    view[base + (S >>> 2) - 1] = 0;
    this.#emptySpans++;
    this.#file(slot * this.granules, S - 16);
    return true;
  }

  #giveBack(slot: number): void {
    this.#host.giveBlock(this.#block[slot]);
    this.#block[slot] = -1;
    this.#emptySpans--;
    this.#freeSlots[this.#freeSlotCount++] = slot;
  }

  #growSlots(): void {
    const n = this.#block.length * 2;
    this.#block = grown(this.#block, n);
    this.#address = grown(this.#address, n);
    this.#wordBase = grown(this.#wordBase, n);
    this.#live = grown(this.#live, n);
    this.#starts = grown(this.#starts, n * this.#startWords);
    this.#freeSlots = grown(this.#freeSlots, n);
  }
}

/**
 * Size classes of span objects up to `maxSize`: every 16 bytes up to 512, then 32 per doubling,
 * so rounding a request up to its class loses at most 1/32 (spans are chosen to pack tightly).
 */
export function spanClasses(maxSize: number): number[] {
  const out: number[] = [];
  for (let size = 16; size <= 512 && size <= maxSize; size += 16) out.push(size);
  for (let base = 512; base < FRAME_BYTES; base *= 2) {
    for (let k = 1; k <= 32; k++) {
      const size = base + (k * base) / 32;
      if (size <= maxSize && size < FRAME_BYTES) out.push(size);
    }
  }
  return out;
}

/** The block size for a request of `size` bytes: header included, a multiple of 16, at least 32. */
export function blockBytes(size: number): number {
  const bytes = (size + HEADER + 15) & ~15;
  return Math.max(bytes, MIN_BLOCK);
}
