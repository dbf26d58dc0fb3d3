import type { HeapStrategy } from './api';
import { NIL, SIZE_MASK, SpanAllocator, type SpanOptions, spanOptions } from './spans';

/**
 * The `memm` kernel's own allocator: spans of frames, blocks split on allocation and coalesced
 * on free with boundary tags, and first fit over one free list (newest free block first, so a
 * free is O(1); an allocation walks the list to the first block that fits).
 */
export function firstFitStrategy(options: SpanOptions = {}): HeapStrategy {
  const { spanFrames, emptySpans } = spanOptions('firstFitStrategy', options);
  return {
    name: 'first-fit',
    create: (host) => new FirstFitAllocator(host, spanFrames, emptySpans),
  };
}

class FirstFitAllocator extends SpanAllocator {
  #head = NIL;

  protected insert(link: number): void {
    const at = this.at(link);
    const view = this.view;
    view[at + 2] = this.#head;
    view[at + 3] = NIL;
    if (this.#head !== NIL) {
      const h = this.at(this.#head);
      this.view[h + 3] = link;
    }
    this.#head = link;
  }

  protected remove(link: number): void {
    const at = this.at(link);
    const next = this.view[at + 2];
    const prev = this.view[at + 3];
    if (prev === NIL) this.#head = next;
    else {
      const p = this.at(prev);
      this.view[p + 2] = next;
    }
    if (next !== NIL) {
      const n = this.at(next);
      this.view[n + 3] = prev;
    }
  }

  protected find(need: number, align: number): number {
    for (let link = this.#head; link !== NIL; ) {
      const at = this.at(link);
      const size = this.view[at] & SIZE_MASK;
      if (size >= need && (align <= 16 || size >= need + this.alignedGap(link, align))) return link;
      link = this.view[at + 2];
    }
    return NIL;
  }
}
