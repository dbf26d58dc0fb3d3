/**
 * memm's first-fit allocator: spans of frames, blocks split on allocation and coalesced with
 * their neighbours on free through boundary tags (see `span.ts`). Free blocks sit on one
 * doubly linked list, the most recently freed first; a request takes the first block on the
 * list that is large enough. Simple and compact, but a request walks the list: O(free blocks).
 */
import type { ByteStrategy } from './api';
import { SpanAllocator } from './span';

const NEXT = 2;
const PREV = 3;

export const firstFit: ByteStrategy = {
  name: 'first-fit',
  maxSmallBytes: 4095,
  create: (host) => new FirstFitAllocator(host),
};

class FirstFitAllocator extends SpanAllocator {
  #head = -1;

  protected insertFree(ref: number): void {
    this.setWord(ref, NEXT, this.#head);
    this.setWord(ref, PREV, -1);
    if (this.#head >= 0) this.setWord(this.#head, PREV, ref);
    this.#head = ref;
  }

  protected removeFree(ref: number): void {
    const next = this.word(ref, NEXT);
    const prev = this.word(ref, PREV);
    if (prev >= 0) this.setWord(prev, NEXT, next);
    else this.#head = next;
    if (next >= 0) this.setWord(next, PREV, prev);
  }

  protected findFree(size: number): number {
    for (let ref = this.#head; ref >= 0; ref = this.word(ref, NEXT)) {
      if ((this.word(ref, 0) & ~7) >= size) return ref;
    }
    return -1;
  }

  protected indexBytes(): number {
    return 0;
  }

  protected resetIndex(): void {
    this.#head = -1;
  }
}
