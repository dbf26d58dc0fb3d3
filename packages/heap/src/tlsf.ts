import type { HeapStrategy } from './api';
import { NIL, SpanAllocator, type SpanOptions, spanOptions } from './spans';

/** Second-level lists per first level: 2^4. */
const SL_LOG = 4;
const SL_COUNT = 1 << SL_LOG;
/** Blocks below 256 bytes share first level 0, 16 bytes per list. */
const SMALL = 256;
/** First levels: sizes below 2^(FL_COUNT + 7) = 8 MiB (a span is at most 2 MiB). */
const FL_COUNT = 16;

/**
 * TLSF, two-level segregated fit (Masmano et al.; what real-time kernels and WASM runtimes use):
 * free blocks sit in 16 lists per power of two, two levels of bitmaps say which lists are
 * non-empty, so finding a block that fits, filing and unfiling one are O(1): a few
 * `Math.clz32`, no search. Blocks, boundary tags and coalescing are the spans' (see `SpanAllocator`).
 */
export function tlsfStrategy(options: SpanOptions = {}): HeapStrategy {
  const { spanFrames, emptySpans } = spanOptions('tlsfStrategy', options);
  return {
    name: 'tlsf',
    create: (host) => new TlsfAllocator(host, spanFrames, emptySpans),
  };
}

class TlsfAllocator extends SpanAllocator {
  #firstLevel = 0;
  readonly #secondLevel = new Uint32Array(FL_COUNT);
  readonly #heads = new Uint32Array(FL_COUNT * SL_COUNT).fill(NIL);

  protected insert(link: number, size: number): void {
    const list = this.#mapping(size);
    const head = this.#heads[list];
    const at = this.at(link);
    this.view[at + 2] = head;
    this.view[at + 3] = NIL;
    if (head !== NIL) {
      const h = this.at(head);
      this.view[h + 3] = link;
    }
    this.#heads[list] = link;
    const fl = list >>> SL_LOG;
    this.#firstLevel |= 1 << fl;
    this.#secondLevel[fl] |= 1 << (list & (SL_COUNT - 1));
  }

  protected remove(link: number, size: number): void {
    const at = this.at(link);
    const next = this.view[at + 2];
    const prev = this.view[at + 3];
    if (next !== NIL) {
      const n = this.at(next);
      this.view[n + 3] = prev;
    }
    if (prev !== NIL) {
      const p = this.at(prev);
      this.view[p + 2] = next;
      return;
    }
    const list = this.#mapping(size);
    this.#heads[list] = next;
    if (next === NIL) {
      const fl = list >>> SL_LOG;
      this.#secondLevel[fl] &= ~(1 << (list & (SL_COUNT - 1)));
      if (this.#secondLevel[fl] === 0) this.#firstLevel &= ~(1 << fl);
    }
  }

  protected override replace(oldLink: number, oldSize: number, link: number, size: number): void {
    const list = this.#mapping(size);
    if (list !== this.#mapping(oldSize)) {
      this.remove(oldLink, oldSize);
      this.insert(link, size);
    } else if (link !== oldLink && this.relink(oldLink, link)) this.#heads[list] = link;
  }

  /** TLSF's mapping_search: rounds up to the start of the next list, so any block of the chosen list fits. */
  protected override searchBytes(need: number, align: number): number {
    let size = super.searchBytes(need, align);
    if (size < SMALL) return size;
    size += (1 << (31 - Math.clz32(size) - SL_LOG)) - 1;
    return size & ~((1 << (31 - Math.clz32(size) - SL_LOG)) - 1);
  }

  protected find(need: number, align: number): number {
    const list = this.#mapping(this.searchBytes(need, align));
    let fl = list >>> SL_LOG;
    let slMap = this.#secondLevel[fl] & (~0 << (list & (SL_COUNT - 1)));
    if (slMap === 0) {
      const flMap = fl + 1 < 32 ? this.#firstLevel & (~0 << (fl + 1)) : 0;
      if (flMap === 0) return NIL;
      fl = 31 - Math.clz32(flMap & -flMap);
      slMap = this.#secondLevel[fl];
    }
    const sl = 31 - Math.clz32(slMap & -slMap);
    return this.#heads[fl * SL_COUNT + sl];
  }

  /** The list index `fl * 16 + sl` of blocks of `size` bytes. */
  #mapping(size: number): number {
    if (size < SMALL) return size >>> 4;
    const log = 31 - Math.clz32(size);
    return (log - 7) * SL_COUNT + ((size >>> (log - SL_LOG)) ^ SL_COUNT);
  }

  override metadataBytes(): number {
    return super.metadataBytes() + this.#secondLevel.byteLength + this.#heads.byteLength + 8;
  }
}
