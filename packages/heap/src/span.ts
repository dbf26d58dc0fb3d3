/**
 * Spans with boundary tags: the lower layer of the first-fit and TLSF strategies (memm's
 * allocators over spans of pages). A span is `spanFrames` contiguous frames cut into blocks;
 * every block carries its tags in the frame contents, as a C allocator would:
 *
 * ```
 *  byte 0        4          8            12           …   size-4
 *  ┌────────────┬──────────┬────────────┬────────────┬─ ─┬──────────┐
 *  │size│P│U    │requested │ next free  │ prev free  │   │ size     │   (free: links + footer)
 *  └────────────┴──────────┴────────────┴────────────┴─ ─┴──────────┘
 *  U = used, P = the block before is free (its footer gives its size, to merge backwards)
 * ```
 *
 * A used block's payload starts at byte 8. Free blocks are indexed by the strategy above
 * (`insertFree` / `removeFree` / `findFree`) through references `span * unitsPerSpan +
 * offset / 8`. Beside the frames, one bit per 8 bytes marks where used blocks start, so a
 * foreign or interior address is told apart from a live one without trusting the memory.
 */

import type { AllocatorUsage, ByteAllocator, StrategyHost } from './api';
import { NO_ADDRESS, TOO_BIG } from './api';

const PAGE = 4096;
const USED = 1;
const PREV_FREE = 2;
const FLAGS = 7;
/** A free block needs its header, two links and a footer. */
export const MIN_BLOCK = 24;
const HEADER = 8;

export abstract class SpanAllocator implements ByteAllocator {
  protected readonly host: StrategyHost;
  protected readonly spanFrames: number;
  protected readonly spanBytes: number;
  /** 8-byte units per span: a free-list reference is `span * units + unit`. */
  protected readonly units: number;
  #words: Int32Array[] = [];
  #pfn: number[] = [];
  /** One bit per unit: a used block starts here. */
  #starts: Uint32Array[] = [];
  #spare: number[] = [];
  #emptySpans = 0;
  #spans = 0;

  constructor(host: StrategyHost) {
    this.host = host;
    this.spanFrames = host.pmm.capabilities.runs === 'any' ? host.spanFrames : 1;
    this.spanBytes = this.spanFrames * PAGE;
    this.units = this.spanBytes / 8;
  }

  /** Adds a free block to the index. */
  protected abstract insertFree(ref: number, size: number): void;
  /** Removes a free block from the index. */
  protected abstract removeFree(ref: number, size: number): void;
  /** A free block of at least `size` bytes, or -1. */
  protected abstract findFree(size: number): number;
  /** The index's own bytes, for `usage()`. */
  protected abstract indexBytes(): number;
  /** Forgets every free block (all spans were given back). */
  protected abstract resetIndex(): void;

  // ---- memory access, for the index --------------------------------------------------
  protected word(ref: number, index: number): number {
    const span = Math.floor(ref / this.units);
    return this.#words[span][(ref - span * this.units) * 2 + index];
  }
  protected setWord(ref: number, index: number, value: number): void {
    const span = Math.floor(ref / this.units);
    this.#words[span][(ref - span * this.units) * 2 + index] = value;
  }

  malloc(size: number, align: number, requested: number): number {
    const need = blockSize(size);
    const slack = align > 8 ? align + MIN_BLOCK : 0;
    if (need + slack > this.spanBytes) return TOO_BIG;
    let ref = this.findFree(need + slack);
    if (ref < 0) {
      if (!this.#newSpan()) return NO_ADDRESS;
      ref = this.findFree(need + slack);
    }
    const span = Math.floor(ref / this.units);
    const w = this.#words[span];
    let unit = ref - span * this.units;
    let total = w[unit * 2] & ~FLAGS;
    this.removeFree(ref, total);
    if (total === this.spanBytes) this.#emptySpans--;
    if (align > 8) {
      // Move the payload up to the alignment, leaving a free block of at least MIN_BLOCK before it.
      const base = this.#pfn[span] * PAGE;
      const start = base + unit * 8;
      let payload = Math.ceil((start + HEADER) / align) * align;
      while (payload - HEADER - start > 0 && payload - HEADER - start < MIN_BLOCK) payload += align;
      const gap = payload - HEADER - start;
      if (gap > 0) {
        this.#writeFree(span, unit, gap, w[unit * 2] & PREV_FREE);
        unit += gap / 8;
        total -= gap;
        w[unit * 2] = total | PREV_FREE;
      }
    }
    if (total - need >= MIN_BLOCK) {
      this.#writeFree(span, unit + need / 8, total - need, 0);
      w[unit * 2] = need | USED | (w[unit * 2] & PREV_FREE);
    } else {
      w[unit * 2] = total | USED | (w[unit * 2] & PREV_FREE);
      this.#setPrevFree(span, unit + total / 8, false);
    }
    w[unit * 2 + 1] = requested;
    this.#starts[span][unit >>> 5] |= 1 << (unit & 31);
    return this.#pfn[span] * PAGE + unit * 8 + HEADER;
  }

  live(addr: number, tag: number): number {
    const unit = this.#unitOf(addr, tag);
    return unit < 0 ? -1 : (this.#words[tag][unit * 2] & ~FLAGS) - HEADER;
  }

  requested(addr: number, tag: number): number {
    return this.#words[tag][this.#unitOf(addr, tag) * 2 + 1];
  }

  free(addr: number, tag: number): void {
    const span = tag;
    const w = this.#words[span];
    let unit = this.#unitOf(addr, span);
    this.#starts[span][unit >>> 5] &= ~(1 << (unit & 31));
    let size = w[unit * 2] & ~FLAGS;
    const end = unit + size / 8;
    // Merge with the next block when it is free.
    if (end < this.units && (w[end * 2] & USED) === 0) {
      const nextSize = w[end * 2] & ~FLAGS;
      this.removeFree(span * this.units + end, nextSize);
      size += nextSize;
    }
    // And with the previous one.
    let prevFlag = w[unit * 2] & PREV_FREE;
    if (prevFlag !== 0) {
      const prevSize = w[unit * 2 - 1];
      unit -= prevSize / 8;
      this.removeFree(span * this.units + unit, prevSize);
      size += prevSize;
      prevFlag = w[unit * 2] & PREV_FREE;
    }
    if (size === this.spanBytes && this.#emptySpans >= this.host.cachedEmpty) {
      this.#dropSpan(span);
      return;
    }
    if (size === this.spanBytes) this.#emptySpans++;
    this.#writeFree(span, unit, size, prevFlag);
  }

  resize(addr: number, tag: number, size: number, requested: number): boolean {
    const span = tag;
    const w = this.#words[span];
    const unit = this.#unitOf(addr, span);
    const have = w[unit * 2] & ~FLAGS;
    const need = blockSize(size);
    const end = unit + have / 8;
    if (need <= have) {
      if (have - need >= MIN_BLOCK) {
        // Give the tail back, merged with a free block after it.
        let tail = have - need;
        if (end < this.units && (w[end * 2] & USED) === 0) {
          const nextSize = w[end * 2] & ~FLAGS;
          this.removeFree(span * this.units + end, nextSize);
          tail += nextSize;
        }
        w[unit * 2] = need | USED | (w[unit * 2] & PREV_FREE);
        this.#writeFree(span, unit + need / 8, tail, 0);
      }
      w[unit * 2 + 1] = requested;
      return true;
    }
    if (end >= this.units || (w[end * 2] & USED) !== 0) return false;
    const nextSize = w[end * 2] & ~FLAGS;
    if (have + nextSize < need) return false;
    this.removeFree(span * this.units + end, nextSize);
    const total = have + nextSize;
    if (total - need >= MIN_BLOCK) {
      w[unit * 2] = need | USED | (w[unit * 2] & PREV_FREE);
      this.#writeFree(span, unit + need / 8, total - need, 0);
    } else {
      w[unit * 2] = total | USED | (w[unit * 2] & PREV_FREE);
      this.#setPrevFree(span, unit + total / 8, false);
    }
    w[unit * 2 + 1] = requested;
    return true;
  }

  release(): void {
    for (let span = 0; span < this.#spans; span++) {
      if (this.#pfn[span] >= 0) this.#dropSpan(span);
    }
    this.#emptySpans = 0;
    this.resetIndex();
  }

  usage(): AllocatorUsage {
    let framesHeld = 0;
    let freeBytes = 0;
    let largest = 0;
    let metadataBytes = this.indexBytes();
    for (let span = 0; span < this.#spans; span++) {
      if (this.#pfn[span] < 0) continue;
      framesHeld += this.spanFrames;
      metadataBytes += this.#starts[span].byteLength;
      this.#walk(span, (_unit, size, used) => {
        if (used) return;
        freeBytes += size - HEADER;
        if (size - HEADER > largest) largest = size - HEADER;
      });
    }
    return { framesHeld, freeBytes, largestFreeBlock: largest, metadataBytes };
  }

  forEachLive(sink: (usable: number, requested: number) => void): void {
    for (let span = 0; span < this.#spans; span++) {
      if (this.#pfn[span] < 0) continue;
      const w = this.#words[span];
      this.#walk(span, (unit, size, used) => {
        if (used) sink(size - HEADER, w[unit * 2 + 1]);
      });
    }
  }

  #walk(span: number, visit: (unit: number, size: number, used: boolean) => void): void {
    const w = this.#words[span];
    for (let unit = 0; unit < this.units; ) {
      const size = w[unit * 2] & ~FLAGS;
      visit(unit, size, (w[unit * 2] & USED) !== 0);
      unit += size / 8;
    }
  }

  /** The unit of the used block whose payload starts at `addr` in span `tag`, else -1. */
  #unitOf(addr: number, tag: number): number {
    if (!Number.isInteger(tag) || tag < 0 || tag >= this.#spans || this.#pfn[tag] < 0) return -1;
    const offset = addr - HEADER - this.#pfn[tag] * PAGE;
    if (offset < 0 || offset >= this.spanBytes || offset % 8 !== 0) return -1;
    const unit = offset / 8;
    return (this.#starts[tag][unit >>> 5] & (1 << (unit & 31))) !== 0 ? unit : -1;
  }

  #writeFree(span: number, unit: number, size: number, prevFlag: number): void {
    const w = this.#words[span];
    w[unit * 2] = size | prevFlag;
    w[unit * 2 + 1] = 0;
    w[(unit + size / 8) * 2 - 1] = size;
    this.#setPrevFree(span, unit + size / 8, true);
    this.insertFree(span * this.units + unit, size);
  }

  #setPrevFree(span: number, unit: number, free: boolean): void {
    if (unit >= this.units) return;
    const w = this.#words[span];
    if (free) w[unit * 2] |= PREV_FREE;
    else w[unit * 2] &= ~PREV_FREE;
  }

  #newSpan(): boolean {
    const span = this.#spare.length > 0 ? (this.#spare.pop() as number) : this.#spans;
    if (span * this.units + this.units > 0x7fffffff) return false;
    const pfn = this.host.takeFrames(this.spanFrames, span);
    if (pfn < 0) return false;
    if (span === this.#spans) this.#spans++;
    this.#pfn[span] = pfn;
    this.#words[span] = this.host.words(pfn, this.spanFrames);
    this.#starts[span] = new Uint32Array(Math.ceil(this.units / 32));
    this.#emptySpans++;
    this.#writeFree(span, 0, this.spanBytes, 0);
    return true;
  }

  /** Gives a span's frames back (its blocks must be out of the index, or the index reset). */
  #dropSpan(span: number): void {
    this.host.giveFrames(this.#pfn[span], this.spanFrames);
    this.#pfn[span] = -1;
    this.#words[span] = EMPTY_WORDS;
    this.#spare.push(span);
  }
}

const EMPTY_WORDS = new Int32Array(0);

/** A block for `size` payload bytes: header + payload, rounded up to 8, at least MIN_BLOCK. */
function blockSize(size: number): number {
  const bytes = Math.ceil((size + HEADER) / 8) * 8;
  return Math.max(bytes, MIN_BLOCK);
}
