import { CHUNK_FRAMES, Chunks } from './chunks';

const WORDS = CHUNK_FRAMES / 32;

/** Bits `lo` … `hi - 1` of a 32-bit word (0 <= lo < hi <= 32), as a signed int. */
function mask(lo: number, hi: number): number {
  const upper = hi === 32 ? -1 : (1 << hi) - 1;
  return upper & (-1 << lo);
}

/**
 * One bit per frame over a frame space of any size (frames may exceed 2^32), in lazily made
 * 32,768-frame chunks of 32-bit words. Runs are set, cleared and tested a word at a time;
 * single-frame operations allocate nothing.
 */
export class FrameBits {
  readonly #chunks = new Chunks(() => new Uint32Array(WORDS));

  /** True when `pfn`'s bit is set. Any number is accepted: a non-frame (0.5, -1, NaN) is never set. */
  test(pfn: number): boolean {
    if (pfn % 1 !== 0 || pfn < 0) return false;
    const words = this.#chunks.get(Math.floor(pfn / CHUNK_FRAMES));
    if (words === undefined) return false;
    const bit = pfn % CHUNK_FRAMES;
    return (words[bit >>> 5] & (1 << (bit & 31))) !== 0;
  }

  set(pfn: number): void {
    const words = this.#chunks.getOrMake(Math.floor(pfn / CHUNK_FRAMES));
    const bit = pfn % CHUNK_FRAMES;
    words[bit >>> 5] |= 1 << (bit & 31);
  }

  clear(pfn: number): void {
    const words = this.#chunks.get(Math.floor(pfn / CHUNK_FRAMES));
    if (words === undefined) return;
    const bit = pfn % CHUNK_FRAMES;
    words[bit >>> 5] &= ~(1 << (bit & 31));
  }

  /** Sets every bit of `[start, start + count)`. */
  setRun(start: number, count: number): void {
    this.#apply(start, count, 1);
  }

  /** Clears every bit of `[start, start + count)`. */
  clearRun(start: number, count: number): void {
    this.#apply(start, count, 0);
  }

  /** The first frame of `[start, start + count)` whose bit is clear, or -1 when all are set. */
  firstClear(start: number, count: number): number {
    return this.#find(start, count, false);
  }

  /** The first frame of `[start, start + count)` whose bit is set, or -1 when none is. */
  firstSet(start: number, count: number): number {
    return this.#find(start, count, true);
  }

  /** The highest set frame in `[floor, pfn]`, or -1 (word at a time, downwards). */
  lastSetAtOrBelow(pfn: number, floor: number): number {
    let at = pfn;
    while (at >= floor) {
      const index = Math.floor(at / CHUNK_FRAMES);
      const base = index * CHUNK_FRAMES;
      const words = this.#chunks.get(index);
      if (words === undefined) {
        at = base - 1;
        continue;
      }
      let bit = at - base;
      while (bit >= 0) {
        const w = bit >>> 5;
        const hi = (bit & 31) + 1;
        const m = words[w] & mask(0, hi);
        if (m !== 0) {
          const found = base + w * 32 + (31 - Math.clz32(m));
          return found >= floor ? found : -1;
        }
        bit = w * 32 - 1;
        if (base + bit < floor) return -1;
      }
      at = base - 1;
    }
    return -1;
  }

  /** Bytes of the chunks made so far. */
  bytes(): number {
    return this.#chunks.size * WORDS * 4;
  }

  #apply(start: number, count: number, on: number): void {
    let pfn = start;
    const end = start + count;
    while (pfn < end) {
      const index = Math.floor(pfn / CHUNK_FRAMES);
      const base = index * CHUNK_FRAMES;
      const stop = Math.min(end, base + CHUNK_FRAMES);
      const words = on ? this.#chunks.getOrMake(index) : this.#chunks.get(index);
      if (words !== undefined) {
        let bit = pfn - base;
        const last = stop - base;
        while (bit < last) {
          const w = bit >>> 5;
          const lo = bit & 31;
          const hi = Math.min(32, last - w * 32);
          if (lo === 0 && hi === 32) words[w] = on ? -1 : 0;
          else if (on) words[w] |= mask(lo, hi);
          else words[w] &= ~mask(lo, hi);
          bit = w * 32 + hi;
        }
      }
      pfn = stop;
    }
  }

  #find(start: number, count: number, wantSet: boolean): number {
    let pfn = start;
    const end = start + count;
    while (pfn < end) {
      const index = Math.floor(pfn / CHUNK_FRAMES);
      const base = index * CHUNK_FRAMES;
      const stop = Math.min(end, base + CHUNK_FRAMES);
      const words = this.#chunks.get(index);
      if (words === undefined) {
        if (!wantSet) return pfn;
      } else {
        let bit = pfn - base;
        const last = stop - base;
        while (bit < last) {
          const w = bit >>> 5;
          const lo = bit & 31;
          const hi = Math.min(32, last - w * 32);
          const m = mask(lo, hi);
          const hits = (wantSet ? words[w] : ~words[w]) & m;
          if (hits !== 0) return base + w * 32 + (31 - Math.clz32(hits & -hits));
          bit = w * 32 + hi;
        }
      }
      pfn = stop;
    }
    return -1;
  }
}
