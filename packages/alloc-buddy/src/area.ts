import { type LevelBitmap, lowestBit } from './level-bitmap';

/**
 * Block sizes in frames, `2^order` for orders 0 … 18, as 32-bit integers: heads and offsets
 * computed from them stay small integers to V8 (no boxed doubles on the hot path).
 */
export const POW2: Int32Array = Int32Array.from({ length: 19 }, (_, order) => 2 ** order);

/**
 * The most frames one area spans (8 TiB): frame offsets inside an area stay below 2^31, so
 * they are shifted and masked as 32-bit integers. Longer stretches are cut at multiples of it
 * (blocks, at most 2^18 frames and aligned, never cross a cut).
 */
export const MAX_AREA_FRAMES = 2 ** 31;

/** The empty start value of the `Int32Array` fields. */
const NO_INTS = new Int32Array(0);

/** Summary levels per order at most: 2^31 bits need 7 (32^7 > 2^31). */
const LEVELS = 8;

/** What every area of one allocator shares when there are several: which areas hold a block of each order. */
export interface OrderTotals {
  /** Per order: bit `a` set while area `a` holds a free block of that order; `undefined` with one area. */
  readonly areas: LevelBitmap[] | undefined;
}

/**
 * The free blocks of one contiguous stretch of usable frames `[start, end)`: one bitmap per
 * order, bit `i` of order `o` set while the block `[base + i·2^o, base + (i+1)·2^o)` is free
 * and whole (its buddy is not free at the same order, or `o` is the top order). `base` is
 * `start` rounded down to a top-order block, so blocks are naturally aligned in absolute frame
 * numbers. Each order's bitmap has summary levels above it, kept as upper bounds: bit `w` of
 * level `L + 1` is set whenever word `w` of level `L` is non-zero, and may stay set after the
 * word empties. A set climbs only until it meets a summary bit already set, a clear touches
 * the bitmap alone, and a search that descends into an empty word clears the stale bit above
 * it (each stale bit is cleared once, paid for by the clear that left it). So the lowest free
 * block of an order, the next one after an index, and "is any frame of this run free" take
 * O(levels) words amortized, never a scan; a block freed and taken again at the same place
 * (LIFO) touches one word per order instead of one per level. All of an
 * area's bitmaps live in ONE `Int32Array` (`words`), addressed through offset tables, so the
 * hot paths are straight typed-array code. Metadata: about 2 bits per frame of the stretch.
 *
 * Bit indices inside an area are below 2^31 (`MAX_AREA_FRAMES`), so they are split into word
 * and bit with `>>> 5` and `& 31`; absolute frame numbers never meet a bit operation.
 *
 * Blocks never cross a stretch: frames outside it are never free here, so no buddy merges
 * across it.
 */
export class Area {
  // Every field starts with a value of its final type (not `undefined`, as a declared field
  // without one does): V8 then knows the arrays' classes and keeps the numbers unboxed, so the
  // hot paths load them without checks.
  /** The stretch's frames `[start, end)`, and the allocator's top order. */
  readonly start: number = 0;
  readonly end: number = 0;
  readonly maxOrder: number = 0;
  /** This area's place in the allocator's list. */
  readonly index: number = 0;
  readonly base: number = 0;
  /** Every bitmap of every order and level. */
  readonly words: Int32Array = NO_INTS;
  /** `off[o * LEVELS + l]`: where level `l` of order `o` starts in `words`. */
  readonly off: Int32Array = NO_INTS;
  /** `count[o * LEVELS + l]`: its length in words. */
  readonly count: Int32Array = NO_INTS;
  /** Summary levels per order (1 = the bitmap alone). */
  readonly levels: Int32Array = NO_INTS;
  /** `off0[o]`: where order `o`'s bitmap (level 0) starts. */
  readonly off0: Int32Array = NO_INTS;
  /** Bits (blocks) per order. */
  readonly bits: Float64Array = new Float64Array(0);
  /** Free blocks per order in this area (at most 2^30 each: a free block's buddy never is). */
  readonly blocks: Int32Array = NO_INTS;
  /** Bit `o` set while order `o` holds a free block here: the smallest order at or above `k` that holds one is one `ctz` away. */
  orders = 0;
  /**
   * Per order, a word of the bitmap at or before its lowest non-zero word: raised by `first`
   * when it finds that word, lowered by every set below it. The lowest block is then usually
   * one read away; when not, the summaries find it (never a scan).
   */
  readonly #low: Int32Array = NO_INTS;
  /** Which areas hold blocks of each order, when the allocator has several; else `undefined`. */
  readonly #shared: LevelBitmap[] | undefined = undefined;
  /** After `blockOf`: the head of the block it found. */
  hit = 0;

  constructor(index: number, start: number, end: number, maxOrder: number, totals: OrderTotals) {
    this.index = index;
    this.start = start;
    this.end = end;
    this.maxOrder = maxOrder;
    const top = POW2[maxOrder];
    this.base = Math.floor(start / top) * top;
    const span = Math.ceil(end / top) * top - this.base;
    const orders = maxOrder + 1;
    this.off = new Int32Array(orders * LEVELS);
    this.count = new Int32Array(orders * LEVELS);
    this.levels = new Int32Array(orders);
    this.off0 = new Int32Array(orders);
    this.bits = new Float64Array(orders);
    let total = 0;
    for (let o = 0; o < orders; o++) {
      let n = span / POW2[o];
      this.bits[o] = n;
      let l = 0;
      do {
        const words = Math.max(1, Math.ceil(n / 32));
        this.off[o * LEVELS + l] = total;
        this.count[o * LEVELS + l] = words;
        total += words;
        n = words;
        l++;
      } while (n > 1);
      this.levels[o] = l;
      this.off0[o] = this.off[o * LEVELS];
    }
    this.words = new Int32Array(total);
    this.blocks = new Int32Array(orders);
    this.#low = new Int32Array(orders);
    this.#shared = totals.areas;
  }

  get byteLength(): number {
    return (
      this.words.byteLength +
      this.off.byteLength +
      this.count.byteLength +
      this.levels.byteLength +
      this.off0.byteLength +
      this.bits.byteLength +
      this.blocks.byteLength +
      this.#low.byteLength
    );
  }

  // ---- one order's bitmap -------------------------------------------------------------

  /** True when bit `i` of order `o` is set (the block is free). */
  test(o: number, i: number): boolean {
    return ((this.words[this.off0[o] + (i >>> 5)] >>> (i & 31)) & 1) !== 0;
  }

  #set(o: number, i: number): void {
    const words = this.words;
    const off = this.off;
    const n = this.levels[o];
    const p = o * LEVELS;
    if (i >>> 5 < this.#low[o]) this.#low[o] = i >>> 5;
    // Up the levels until a summary bit is set already (the levels above it are then too).
    let index = i;
    for (let l = 0; l < n; l++) {
      const w = off[p + l] + (index >>> 5);
      const old = words[w];
      const bit = 1 << (index & 31);
      if ((old & bit) !== 0) return;
      words[w] = old | bit;
      index >>>= 5;
    }
  }

  /** Clears bit `i` of order `o` in the bitmap alone: the summaries above stay upper bounds. */
  #clear(o: number, i: number): void {
    this.words[this.off0[o] + (i >>> 5)] &= ~(1 << (i & 31));
  }

  /**
   * Flips bit `i` of order 0 only, leaving the summaries alone: marks frames tentatively and
   * undoes the mark before any search runs (the summaries stay upper bounds).
   */
  toggle0(i: number): void {
    this.words[this.off0[0] + (i >>> 5)] ^= 1 << (i & 31);
  }

  /** The lowest set bit of order `o`, or -1: the word `#low` names, else up the summaries from there. */
  first(o: number): number {
    const w = this.#low[o];
    const word = this.words[this.off0[o] + w];
    if (word !== 0) return w * 32 + lowestBit(word);
    const i = this.next(o, (w + 1) * 32);
    if (i >= 0) this.#low[o] = i >>> 5;
    return i;
  }

  /**
   * The lowest set bit `>= i` of order `o`, or -1: up the summaries to a non-zero word, then
   * down. A summary bit whose word below is empty is stale: it is cleared and the search goes
   * on from the next bit of its level.
   */
  next(o: number, i: number): number {
    if (i >= this.bits[o]) return -1;
    const words = this.words;
    const off = this.off;
    const count = this.count;
    const n = this.levels[o];
    const p = o * LEVELS;
    let l = 0;
    let index = i;
    for (;;) {
      // Up: the lowest set bit at or after `index` of level `l`.
      const w = index >>> 5;
      if (w >= count[p + l]) return -1;
      const masked = words[off[p + l] + w] & (-1 << (index & 31));
      if (masked === 0) {
        if (l + 1 === n) return -1;
        index = w + 1;
        l++;
        continue;
      }
      index = w * 32 + lowestBit(masked);
      // Down: every word below a set summary bit lies past `i`, so the whole word counts.
      while (l > 0) {
        const word = words[off[p + l - 1] + index];
        if (word === 0) break;
        l--;
        index = index * 32 + lowestBit(word);
      }
      if (l === 0) return index;
      // Stale: clear it and go on after it at its own level.
      words[off[p + l] + (index >>> 5)] &= ~(1 << (index & 31));
      index++;
    }
  }

  /**
   * True when a bit in `[lo, hi]` of order `o` is set: the partial first word is read, the
   * rest asked of the summaries (`next`), O(levels) words amortized whatever the span.
   */
  anyIn(o: number, lo: number, hi: number): boolean {
    const first = this.words[this.off0[o] + (lo >>> 5)] & (-1 << (lo & 31));
    if (first !== 0) return lowestBit(first) + (lo & ~31) <= hi;
    if ((lo | 31) >= hi) return false;
    const i = this.next(o, (lo | 31) + 1);
    return i >= 0 && i <= hi;
  }

  // ---- blocks -------------------------------------------------------------------------

  /** Order `o` holds its first free block here. */
  #gained(o: number): void {
    this.orders |= 1 << o;
    if (this.#shared !== undefined) this.#shared[o].set(this.index);
  }

  /** Order `o` holds no free block here any more. */
  #lost(o: number): void {
    this.orders &= ~(1 << o);
    if (this.#shared !== undefined) this.#shared[o].clear(this.index);
  }

  /** True when `[head, head + 2^order)` is a free block. */
  has(order: number, head: number): boolean {
    return this.test(order, (head - this.base) >>> order);
  }

  add(order: number, head: number): void {
    this.#set(order, (head - this.base) >>> order);
    if (this.blocks[order]++ === 0) this.#gained(order);
  }

  remove(order: number, head: number): void {
    this.#clear(order, (head - this.base) >>> order);
    if (--this.blocks[order] === 0) this.#lost(order);
  }

  /** The lowest free block of `order` (its head), or -1. */
  lowest(order: number): number {
    const i = this.first(order);
    return i < 0 ? -1 : this.base + i * POW2[order];
  }

  /** The order of the free block holding `pfn` (its head goes to `hit`), or -1. O(maxOrder). */
  blockOf(pfn: number): number {
    const words = this.words;
    const off0 = this.off0;
    const max = this.maxOrder;
    let i = pfn - this.base;
    for (let o = 0; o <= max; o++) {
      if ((words[off0[o] + (i >>> 5)] & (1 << (i & 31))) !== 0) {
        this.hit = this.base + i * POW2[o];
        return o;
      }
      i >>>= 1;
    }
    return -1;
  }

  /** Frees the block `[head, head + 2^order)`, merging with its buddy while the buddy is free. */
  freeBlock(head: number, order: number): void {
    this.#merge((head - this.base) >>> order, order);
  }

  /**
   * Frees block `i` of order `o` (an in-area index, < 2^31), merging with its buddy while the
   * buddy is free. Indices, not frame numbers, cross the call: small integers to V8.
   */
  #merge(i: number, o: number): void {
    const words = this.words;
    const off0 = this.off0;
    const blocks = this.blocks;
    const max = this.maxOrder;
    let j = i;
    let k = o;
    while (k < max) {
      const buddy = j ^ 1;
      if (((words[off0[k] + (buddy >>> 5)] >>> (buddy & 31)) & 1) === 0) break;
      this.#clear(k, buddy);
      if (--blocks[k] === 0) this.#lost(k);
      j >>>= 1;
      k++;
    }
    this.#set(k, j);
    if (blocks[k]++ === 0) this.#gained(k);
  }

  /**
   * Takes the lowest free block of `order`, splits it down to `want` (the upper halves going
   * to the lower orders) and returns its head as an offset from `base` (< 2^31). The order
   * must hold a block.
   */
  take(order: number, want: number): number {
    return this.takeAt(order, this.first(order), want);
  }

  /** `take` of free block `i` of `order` (an in-area index, < 2^31), which a search has found already. */
  takeAt(order: number, i: number, want: number): number {
    this.#clear(order, i);
    const blocks = this.blocks;
    if (--blocks[order] === 0) this.#lost(order);
    // In-area indices (< 2^31): the lower half of block `j` is block `2j` one order down.
    let j = i;
    for (let o = order - 1; o >= want; o--) {
      j <<= 1;
      this.#set(o, j + 1);
      if (blocks[o]++ === 0) this.#gained(o);
    }
    return i << order;
  }

  /**
   * Frees frame `pfn` and merges it, or returns false when it is free already (a double free;
   * nothing changes).
   */
  freeFrame(pfn: number): boolean {
    // An in-area offset (< 2^31): `>>> 0` keeps it a small integer.
    return this.freeFrameAt((pfn - this.base) >>> 0);
  }

  /**
   * `freeFrame` of the frame at in-area offset `i` (< 2^31). Unless `checked`, the frame is
   * known to be allocated (the caller checked it) and merges at once.
   */
  freeFrameAt(i: number, checked = true): boolean {
    if (checked && this.isFreeAt(i)) return false;
    this.#merge(i, 0);
    return true;
  }

  /**
   * True when the frame at in-area offset `i` (< 2^31) is free: its own bit, or a free block
   * above holding it. Its bit and its buddy's share one word: when the buddy is free at order 0,
   * no block above can be free (it would hold the buddy whole); otherwise the frame's blocks of
   * orders 1 … maxOrder are tested, up to the first order whose buddy block is free. Order-0
   * bits marked by `toggle0` count as free, and the answer stays right for the frames beside
   * them: a marked frame was allocated, so no free block holds it or its buddy.
   */
  isFreeAt(i: number): boolean {
    const words = this.words;
    const off0 = this.off0;
    const max = this.maxOrder;
    const w0 = words[off0[0] + (i >>> 5)];
    if ((w0 & (1 << (i & 31))) !== 0) return true;
    if (max === 0 || (w0 & (1 << ((i ^ 1) & 31))) !== 0) return false;
    let j = i;
    for (let o = 1; o <= max; o++) {
      j >>>= 1;
      const word = words[off0[o] + (j >>> 5)];
      if ((word & (1 << (j & 31))) !== 0) return true;
      if ((word & (1 << ((j ^ 1) & 31))) !== 0) return false;
    }
    return false;
  }

  /** Frees `[from, to)` (allocated frames), cut into maximal aligned blocks, each merged. */
  release(from: number, to: number): void {
    this.releaseAt((from - this.base) >>> 0, (to - this.base) >>> 0);
  }

  /**
   * `release` in in-area offsets `[lo, hi)` (at most 2^31): the frame numbers never cross a
   * call, so nothing is boxed.
   */
  releaseAt(lo: number, hi: number): void {
    const max = this.maxOrder;
    let p = lo;
    while (p < hi) {
      // The alignment of `p` (an in-area offset): its lowest set bit.
      let o = p === 0 ? max : Math.min(max, lowestBit(p));
      while (o > 0 && p + POW2[o] > hi) o--;
      this.#merge(p >>> o, o);
      p += POW2[o];
    }
  }

  /** Adds `[from, to)` as free blocks without merging: for carving fresh ranges. */
  carve(from: number, to: number): void {
    let p = from;
    while (p < to) {
      const o = this.#largestAt(p, to);
      this.add(o, p);
      p += POW2[o];
    }
  }

  /** The largest order of an aligned block at `p` that ends by `to`. */
  #largestAt(p: number, to: number): number {
    const rel = p - this.base;
    // The alignment of `rel` (< 2^31, an in-area offset): its lowest set bit.
    let o = rel === 0 ? this.maxOrder : Math.min(this.maxOrder, lowestBit(rel));
    while (o > 0 && p + POW2[o] > to) o--;
    return o;
  }

  /** True when a frame of `[from, to)` is free: O(maxOrder · levels) words, whatever the length. */
  anyFreeIn(from: number, to: number): boolean {
    // In-area offsets (< 2^31).
    return this.anyFreeAt((from - this.base) >>> 0, (to - 1 - this.base) >>> 0);
  }

  /**
   * `anyFreeIn` over the in-area offsets `[lo, hi]` (inclusive, < 2^31). Only orders that hold
   * a free block are asked: those whose blocks are smaller than the run a span of bits each,
   * the larger ones the one bit of the block that holds the run.
   */
  anyFreeAt(lo: number, hi: number): boolean {
    // Orders below `split` see the run as two or more blocks; from `split` up, as one.
    const split = Math.min(this.maxOrder + 1, 32 - Math.clz32(lo ^ hi));
    let orders = this.orders & ((1 << split) - 1);
    while (orders !== 0) {
      const o = lowestBit(orders);
      orders &= orders - 1;
      if (this.anyIn(o, lo >>> o, hi >>> o)) return true;
    }
    const words = this.words;
    const off0 = this.off0;
    orders = this.orders >>> split;
    while (orders !== 0) {
      const o = split + lowestBit(orders);
      orders &= orders - 1;
      const i = lo >>> o;
      if (((words[off0[o] + (i >>> 5)] >>> (i & 31)) & 1) !== 0) return true;
    }
    return false;
  }

  /** The lowest free frame in `[from, to)`, or -1. O(maxOrder · log n). */
  firstFreeIn(from: number, to: number): number {
    let lowest = -1;
    const rel = from - this.base;
    for (let o = 0; o <= this.maxOrder; o++) {
      const size = POW2[o];
      const i = this.next(o, rel >>> o);
      if (i < 0) continue;
      const head = this.base + i * size;
      if (head >= to) continue;
      const frame = Math.max(head, from);
      if (lowest < 0 || frame < lowest) lowest = frame;
    }
    return lowest;
  }

  /** True when every frame of `[from, to)` is free. O(blocks overlapping · maxOrder). */
  allFree(from: number, to: number): boolean {
    let p = from;
    while (p < to) {
      const o = this.blockOf(p);
      if (o < 0) return false;
      p = this.hit + POW2[o];
    }
    return true;
  }

  /** Takes `[from, to)`, every frame of it free: the blocks it overlaps leave, their parts outside it come back. */
  claim(from: number, to: number): void {
    let p = from;
    while (p < to) {
      const o = this.blockOf(p);
      const head = this.hit;
      const end = head + POW2[o];
      this.remove(o, head);
      if (head < from) this.release(head, from);
      if (end > to) this.release(to, end);
      p = end;
    }
  }

  /** The first frame of the free stretch that ends at `p` (`p` itself when frame `p - 1` is not free). */
  freeDownFrom(p: number): number {
    let q = p;
    for (;;) {
      let moved = false;
      const rel = q - this.base;
      for (let o = 0; o <= this.maxOrder && (rel & (POW2[o] - 1)) === 0; o++) {
        const head = q - POW2[o];
        if (head >= this.start && this.has(o, head)) {
          q = head;
          moved = true;
          break;
        }
      }
      if (!moved) return q;
    }
  }

  /** The end of the free stretch that starts at `p`. */
  freeUpFrom(p: number): number {
    let q = p;
    while (q < this.end) {
      const o = this.blockOf(q);
      if (o < 0) break;
      q = this.hit + POW2[o];
    }
    return q;
  }

  /** Calls `visit` for every maximal run of free frames, in ascending order. */
  forEachFreeRun(visit: (start: number, count: number) => void): void {
    let p = this.start;
    let runStart = -1;
    while (p < this.end) {
      const o = this.blockOf(p);
      if (o >= 0) {
        if (runStart < 0) runStart = p;
        p = this.hit + POW2[o];
        continue;
      }
      if (runStart >= 0) {
        visit(runStart, p - runStart);
        runStart = -1;
      }
      const next = this.firstFreeIn(p, this.end);
      if (next < 0) break;
      p = next;
    }
    if (runStart >= 0) visit(runStart, p - runStart);
  }
}
