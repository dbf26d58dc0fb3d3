/**
 * Two-level segregated fit (Masmano et al., 2004), what real-time systems and WASM runtimes
 * use: free blocks on lists by size, the first level a power of two, the second level eight
 * equal steps within it, and a bitmap per level so that finding a list with a block at least
 * as large as a request is two find-first-set operations: O(1), whatever the heap holds.
 * Blocks and coalescing are the boundary-tag spans of `span.ts`.
 */
import type { ByteStrategy } from './api';
import { SpanAllocator } from './span';

const NEXT = 2;
const PREV = 3;
const SL_BITS = 3;
const SL_COUNT = 1 << SL_BITS;
/** Sizes below 64 bytes share the first level, in 8-byte steps (block sizes are multiples of 8). */
const SMALL = 1 << (SL_BITS + 3);
/** First levels: block sizes below 2^(FL_COUNT + 5) bytes (spans are at most 2 MiB). */
const FL_COUNT = 17;

export const tlsf: ByteStrategy = {
  name: 'tlsf',
  maxSmallBytes: 4095,
  create: (host) => new TlsfAllocator(host),
};

class TlsfAllocator extends SpanAllocator {
  #flMap = 0;
  readonly #slMap = new Uint32Array(FL_COUNT);
  readonly #heads = new Int32Array(FL_COUNT * SL_COUNT).fill(-1);
  #fl = 0;
  #sl = 0;

  /** Sets #fl/#sl to the list of blocks of exactly this size class (rounding down). */
  #mapping(size: number): void {
    if (size < SMALL) {
      this.#fl = 0;
      this.#sl = size >>> 3;
    } else {
      const log = 31 - Math.clz32(size);
      this.#fl = log - (SL_BITS + 2);
      this.#sl = (size >>> (log - SL_BITS)) & (SL_COUNT - 1);
    }
  }

  protected insertFree(ref: number, size: number): void {
    this.#mapping(size);
    const list = this.#fl * SL_COUNT + this.#sl;
    const head = this.#heads[list];
    this.setWord(ref, NEXT, head);
    this.setWord(ref, PREV, -1);
    if (head >= 0) this.setWord(head, PREV, ref);
    this.#heads[list] = ref;
    this.#flMap |= 1 << this.#fl;
    this.#slMap[this.#fl] |= 1 << this.#sl;
  }

  protected removeFree(ref: number, size: number): void {
    const next = this.word(ref, NEXT);
    const prev = this.word(ref, PREV);
    if (next >= 0) this.setWord(next, PREV, prev);
    if (prev >= 0) {
      this.setWord(prev, NEXT, next);
      return;
    }
    this.#mapping(size);
    const list = this.#fl * SL_COUNT + this.#sl;
    this.#heads[list] = next;
    if (next < 0) {
      this.#slMap[this.#fl] &= ~(1 << this.#sl);
      if (this.#slMap[this.#fl] === 0) this.#flMap &= ~(1 << this.#fl);
    }
  }

  protected findFree(size: number): number {
    // Round up to the next list boundary, so every block on the list found is large enough.
    const rounded = size < SMALL ? size : size + (1 << (31 - Math.clz32(size) - SL_BITS)) - 1;
    this.#mapping(rounded);
    const fl = this.#fl;
    if (fl < FL_COUNT) {
      let slMap = this.#slMap[fl] & (~0 << this.#sl);
      let at = fl;
      if (slMap === 0) {
        const flMap = this.#flMap & (~0 << (fl + 1));
        if (flMap !== 0) {
          at = 31 - Math.clz32(flMap & -flMap);
          slMap = this.#slMap[at];
        }
      }
      if (slMap !== 0) return this.#heads[at * SL_COUNT + (31 - Math.clz32(slMap & -slMap))];
    }
    // Nothing in a larger list: the head of the request's own list may still be large enough
    // (one more check, still O(1); it saves growing the heap for a block that fits exactly).
    this.#mapping(size);
    const head = this.#heads[this.#fl * SL_COUNT + this.#sl];
    return head >= 0 && (this.word(head, 0) & ~7) >= size ? head : -1;
  }

  protected indexBytes(): number {
    return this.#slMap.byteLength + this.#heads.byteLength + 4;
  }

  protected resetIndex(): void {
    this.#flMap = 0;
    this.#slMap.fill(0);
    this.#heads.fill(-1);
  }
}
