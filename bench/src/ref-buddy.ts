import type { PfnArray, RunOptions } from '@framekit/core';
import type { Target } from './strategies';

/** The C buddy's top order (native/buddy.c: `BUDDY_MAX_ORDER`) and its summary levels at most. */
const MAX_ORDER = 10;
const LEVELS = 8;

/**
 * `ref:js-buddy`: the C buddy of `native/buddy.c` written again in TypeScript, step for step (a
 * bitmap of free blocks per order with summary levels, a word of the orders holding a block,
 * lowest block first, split on allocation, merge on free). Not an allocator to use: it is the
 * bench's measure of what the language costs on the C buddy's own algorithm, shown beside the
 * budget "buddy within 2x of the C buddy", as `ref:plain-stack` is beside the stack's.
 *
 * As in C, each order's levels are separate arrays; a free of a free frame, and a run with a
 * free frame in it, are refused (here with a throw, as framekit refuses them) before any change.
 */
export class TranscribedBuddy implements Target {
  /** `level[o][l]`: level `l` of order `o`'s bitmap (level 0: bit `i` set while block `i` is free and whole). */
  readonly #level: Int32Array[][] = [];
  readonly #blocks = new Float64Array(MAX_ORDER + 1);
  #orders = 0;
  #free = 0;
  readonly #frames: number;

  constructor(frames: number) {
    if (frames > 2 ** 31) throw new Error('TranscribedBuddy: at most 2^31 frames');
    this.#frames = frames;
    const top = 2 ** MAX_ORDER;
    const rounded = Math.ceil(frames / top) * top;
    for (let o = 0; o <= MAX_ORDER; o++) {
      const levels: Int32Array[] = [];
      let n = rounded / 2 ** o;
      do {
        const words = Math.max(1, Math.ceil(n / 32));
        levels.push(new Int32Array(words));
        n = words;
      } while (n > 1 && levels.length < LEVELS);
      this.#level.push(levels);
    }
    // bd_build over [0, frames): maximal aligned blocks, no merging needed.
    let p = 0;
    while (p < frames) {
      const o = largestAt(p, frames);
      this.#add(o, p);
      p += 1 << o;
    }
    this.#free = frames;
  }

  // ---- lb_*: one order's bitmap and its summaries ----

  #set(o: number, i: number): void {
    const levels = this.#level[o];
    let index = i;
    for (let l = 0; l < levels.length; l++) {
      const w = index >>> 5;
      const old = levels[l][w];
      const bit = 1 << (index & 31);
      if ((old & bit) !== 0) return;
      levels[l][w] = old | bit;
      index = w;
    }
  }

  #test(o: number, i: number): boolean {
    return ((this.#level[o][0][i >>> 5] >>> (i & 31)) & 1) !== 0;
  }

  #clear(o: number, i: number): void {
    this.#level[o][0][i >>> 5] &= ~(1 << (i & 31));
  }

  /** The lowest set bit `>= i` of order `o`, or -1 (up the summaries, then down; a stale summary bit is cleared). */
  #next(o: number, i: number): number {
    const levels = this.#level[o];
    let l = 0;
    let index = i;
    for (;;) {
      const w = index >>> 5;
      if (w >= levels[l].length) return -1;
      const masked = levels[l][w] & (-1 << (index & 31));
      if (masked === 0) {
        if (l + 1 === levels.length) return -1;
        index = w + 1;
        l++;
        continue;
      }
      index = w * 32 + ctz(masked);
      while (l > 0) {
        const word = levels[l - 1][index];
        if (word === 0) break;
        l--;
        index = index * 32 + ctz(word);
      }
      if (l === 0) return index;
      levels[l][index >>> 5] &= ~(1 << (index & 31));
      index++;
    }
  }

  #anyIn(o: number, lo: number, hi: number): boolean {
    const first = this.#level[o][0][lo >>> 5] & (-1 << (lo & 31));
    if (first !== 0) return (lo & ~31) + ctz(first) <= hi;
    if ((lo | 31) >= hi) return false;
    const i = this.#next(o, (lo | 31) + 1);
    return i >= 0 && i <= hi;
  }

  // ---- bd_*: blocks ----

  #gained(o: number): void {
    if (this.#blocks[o]++ === 0) this.#orders |= 1 << o;
  }

  #lost(o: number): void {
    if (--this.#blocks[o] === 0) this.#orders &= ~(1 << o);
  }

  #add(o: number, head: number): void {
    this.#set(o, head >>> o);
    this.#gained(o);
  }

  #freeBlock(head: number, order: number): void {
    let o = order;
    let i = head >>> o;
    while (o < MAX_ORDER && this.#test(o, i ^ 1)) {
      this.#clear(o, i ^ 1);
      this.#lost(o);
      i >>>= 1;
      o++;
    }
    this.#set(o, i);
    this.#gained(o);
  }

  #release(from: number, to: number): void {
    let p = from;
    while (p < to) {
      const o = largestAt(p, to);
      this.#freeBlock(p, o);
      p += 1 << o;
    }
  }

  #take(k: number, count: number, below: number): number {
    for (let m = this.#orders >>> k; m !== 0; m &= m - 1) {
      const o = k + ctz(m);
      const head = this.#next(o, 0) << o;
      if (head + count > below) continue;
      this.#clear(o, head >>> o);
      this.#lost(o);
      for (let s = o - 1; s >= k; s--) this.#add(s, head + (1 << s));
      if (count < 1 << k) this.#release(head + count, head + (1 << k));
      this.#free -= count;
      return head;
    }
    return -1;
  }

  #anyFreeIn(from: number, to: number): boolean {
    const hi = to - 1;
    // Orders below `split` see the run as two or more blocks, from it up as one.
    let split = from === hi ? 0 : 32 - Math.clz32(from ^ hi);
    if (split > MAX_ORDER + 1) split = MAX_ORDER + 1;
    for (let m = this.#orders & ((1 << split) - 1); m !== 0; m &= m - 1) {
      const o = ctz(m);
      if (this.#anyIn(o, from >>> o, hi >>> o)) return true;
    }
    for (let m = this.#orders >>> split; m !== 0; m &= m - 1) {
      const o = split + ctz(m);
      if (this.#test(o, from >>> o)) return true;
    }
    return false;
  }

  // ---- the bench's calls ----

  alloc(): number {
    if (this.#free === 0) return -1;
    return this.#take(0, 1, Number.POSITIVE_INFINITY);
  }

  free(pfn: number): void {
    const p = pfn;
    if (!(p >= 0 && p < this.#frames && Math.floor(p) === p)) return notAllocated(pfn);
    const w0 = this.#level[0][0][p >>> 5];
    if (((w0 >>> (p & 31)) & 1) !== 0) return notAllocated(pfn);
    if (((w0 >>> ((p ^ 1) & 31)) & 1) === 0) {
      for (let o = 1; o <= MAX_ORDER; o++) {
        const j = p >>> o;
        const w = this.#level[o][0][j >>> 5];
        if (((w >>> (j & 31)) & 1) !== 0) return notAllocated(pfn);
        // A free buddy block: no block above is free.
        if (((w >>> ((j ^ 1) & 31)) & 1) !== 0) break;
      }
    }
    this.#freeBlock(p, 0);
    this.#free++;
  }

  allocMany(out: PfnArray, count: number): boolean {
    if (count > this.#free) return false;
    for (let i = 0; i < count; i++) out[i] = this.#take(0, 1, Number.POSITIVE_INFINITY);
    return true;
  }

  freeMany(pfns: PfnArray, count: number): void {
    for (let i = 0; i < count; i++) this.free(pfns[i]);
  }

  /** Runs that fit a top-order block (the bench's all do), as `bd_alloc_run`. */
  allocRun(count: number, options?: RunOptions): number {
    if (count > this.#free) return -1;
    const align = options?.align ?? 1;
    let k = 0;
    while (1 << k < count || 1 << k < align) k++;
    if (k > MAX_ORDER) return -1;
    return this.#take(k, count, options?.below ?? Number.POSITIVE_INFINITY);
  }

  freeRun(pfn: number, count: number): void {
    if (count === 1) {
      this.free(pfn);
      return;
    }
    if (
      !(pfn >= 0 && pfn + count <= this.#frames && Math.floor(pfn) === pfn && Math.floor(count) === count)
    ) {
      notAllocated(pfn);
    }
    if (this.#anyFreeIn(pfn, pfn + count)) notAllocated(pfn);
    this.#release(pfn, pfn + count);
    this.#free += count;
  }
}

/** The lowest set bit's index (`word` non-zero). */
function ctz(word: number): number {
  return 31 - Math.clz32(word & -word);
}

/** The largest order of an aligned block at `p` that ends by `to`. */
function largestAt(p: number, to: number): number {
  let o = MAX_ORDER;
  while (o > 0 && ((p & ((1 << o) - 1)) !== 0 || p + (1 << o) > to)) o--;
  return o;
}

function notAllocated(pfn: number): never {
  throw new Error(`ref:js-buddy: frame ${pfn} is not allocated`);
}
