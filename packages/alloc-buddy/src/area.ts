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

/**
 * Word `w` of frame words `frames`, or 0 (uniform) past their end: a wide area has none until
 * its first write (see `Area.frames`). The test is the bounds check the load makes anyway.
 */
function wordAt(frames: Int32Array, w: number): number {
  return w < frames.length ? frames[w] : 0;
}

/** Summary levels per order at most: 2^31 bits need 7 (32^7 > 2^31). */
const LEVELS = 8;

/** A word of the frame bitmap holds 32 frames: blocks of orders below 5 lie inside one word, order 5 is a whole word. */
const WORD_ORDER = 5;

/**
 * `PAIRS[k]`: the bit of each order-`k + 1` block's head inside a word. From the mask of the
 * order-`k` blocks that are wholly free, `f & (f >>> 2^k) & PAIRS[k]` is the mask of the
 * order-`k + 1` blocks that are.
 */
const PAIRS = Int32Array.of(0x55555555, 0x11111111, 0x01010101, 0x00010001, 0x00000001);

/** What every area of one allocator shares when there are several: which areas hold a block of each order. */
export interface OrderTotals {
  /** Per order: bit `a` set while area `a` holds a free block of that order; `undefined` with one area. */
  readonly areas: LevelBitmap[] | undefined;
}

/** The bits `pos … pos + size - 1` of a word (`1 <= size`, `pos + size <= 32`). */
function bitsOf(pos: number, size: number): number {
  return size >= 32 ? -1 : ((1 << size) - 1) << pos;
}

/** The heads of the aligned groups of `2^k` frames (k <= 5) that are all free inside a word whose free frames are `free`. */
function fullOf(free: number, k: number): number {
  let f = free;
  if (k > 0) {
    f = f & (f >>> 1) & 0x55555555;
    if (k > 1) {
      f = f & (f >>> 2) & 0x11111111;
      if (k > 2) {
        f = f & (f >>> 4) & 0x01010101;
        if (k > 3) {
          f = f & (f >>> 8) & 0x00010001;
          if (k > 4) f = f & (f >>> 16) & 1;
        }
      }
    }
  }
  return f;
}

/**
 * The heads of the free blocks of order `k` (< 5) inside a word whose free frames are `free`:
 * the aligned groups of `2^k` free frames whose group of `2^(k+1)` is not all free (at the
 * top order, `max`, every aligned group of free frames is a block: it has no buddy to join).
 */
function blocksIn(free: number, k: number, max: number): number {
  const f = fullOf(free, k);
  if (k >= max) return f;
  const up = f & (f >>> POW2[k]) & PAIRS[k];
  return f & ~(up | (up << POW2[k]));
}

/**
 * The free blocks of one contiguous stretch of usable frames `[start, end)`, kept as ONE bit
 * per frame (set while the frame is allocated, or outside the stretch) plus an index per order
 * that finds the lowest free block of that order. With `maxOrder` 5 or more, a word whose 32
 * frames are all in one state reads 0 whichever the state is (it is free while a free block of
 * order 5 or more holds it, else allocated): whole blocks are taken and freed, and an empty
 * area made, without writing a frame word. `base` is `start` rounded down to a
 * top-order block, so blocks are naturally aligned in absolute frame numbers.
 *
 * The free blocks are not stored: they follow from the free frames, because a buddy allocator
 * merges eagerly (two buddies are never both free), so the free blocks are exactly the
 * maximal aligned groups of free frames, up to the top order. What is kept per order:
 * - orders below 5 (a block inside one 32-frame word): bit `w` set while word `w` holds a
 *   free block of that order; the word itself says which (`blocksIn`: a few shifts and masks);
 * - orders 5 and up (a block of whole words): bit `i` set while block `i` is free and whole.
 * Each index has summary levels above it, kept as upper bounds: bit `w` of level `L + 1` is
 * set whenever word `w` of level `L` is non-zero, and may stay set after the word empties. A
 * set climbs only until it meets a summary bit already set, a clear touches the index alone,
 * and a search that descends into an empty word clears the stale bit above it (each stale bit
 * is cleared once, paid for by the clear that left it). So the lowest free block of an order,
 * the next one after an index, and "is any frame of this run free" take O(levels) words
 * amortized, never a scan; "is this frame free" is one bit (in a uniform word, one per order
 * from 5 up). Allocation splits and freeing
 * merges as Linux's free lists do, on the bits: the free lists' lengths are kept per order.
 *
 * Metadata: 1 bit per frame, 5/32 for the small orders' indexes and about 1/16 for the
 * others: about 0.15 bytes per frame (Linux keeps a 64-byte `struct page`). It lives in two
 * `Int32Array`s, so the hot paths are straight typed-array code: `frames` (the frame bits,
 * made at the first write: until a block is split below order 5, every word reads uniform)
 * and `words` (each order's index and its levels).
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
  /** Orders below it live inside one word of the frame bits: `min(maxOrder + 1, 5)`. */
  readonly small: number = 0;
  /** `maxOrder >= 5`: a frame word reading 0 is uniform, free or allocated as the index of orders 5 and up says. */
  readonly wide: boolean = false;
  /**
   * The frame bits: one bit per frame, set while it is allocated (wide: a word reading 0 is
   * uniform, see above). A wide area starts with none, every word reading 0 (`wordAt`), and
   * makes them at its first write (`#writable`): until a block is split below order 5 (or a
   * frame of one is freed alone), 1 TiB costs no 32 MiB of frame words.
   */
  frames: Int32Array = NO_INTS;
  /** Every index of every order and level. */
  readonly words: Int32Array = NO_INTS;
  /** `off[o * LEVELS + l]`: where level `l` of order `o`'s index starts in `words`. */
  readonly off: Int32Array = NO_INTS;
  /** `count[o * LEVELS + l]`: its length in words. */
  readonly count: Int32Array = NO_INTS;
  /** Summary levels per order (1 = the index alone). */
  readonly levels: Int32Array = NO_INTS;
  /** `off0[o]`: where order `o`'s index (level 0) starts. */
  readonly off0: Int32Array = NO_INTS;
  /** Blocks per order: where a block of order `o` may lie (`span / 2^o`). */
  readonly bits: Float64Array = new Float64Array(0);
  /** Bits of each order's index: words of frame bits below order 5, blocks from it up. */
  readonly #indexBits: Float64Array = new Float64Array(0);
  /** Free blocks per order in this area (at most 2^30 each: a free block's buddy never is). */
  readonly blocks: Int32Array = NO_INTS;
  /** Bit `o` set while order `o` holds a free block here: the smallest order at or above `k` that holds one is one `ctz` away. */
  orders = 0;
  /**
   * Per order, a word of the index at or before its lowest non-zero word: raised by `#firstSet`
   * when it finds that word, lowered by every set below it. The lowest block is then usually
   * one read away; when not, the summaries find it (never a scan).
   */
  readonly #low: Int32Array = NO_INTS;
  /** Which areas hold blocks of each order, when the allocator has several; else `undefined`. */
  readonly #shared: LevelBitmap[] | undefined = undefined;
  /** After `blockOf`: the head of the block it found. */
  hit = 0;

  /** An area whose frames `[start, end)` are all free, carved into maximal aligned blocks; or none of them (`empty`). */
  constructor(
    index: number,
    start: number,
    end: number,
    maxOrder: number,
    totals: OrderTotals,
    empty = false,
  ) {
    this.index = index;
    this.start = start;
    this.end = end;
    this.maxOrder = maxOrder;
    this.small = Math.min(maxOrder + 1, WORD_ORDER);
    this.wide = maxOrder >= WORD_ORDER;
    const top = POW2[maxOrder];
    this.base = Math.floor(start / top) * top;
    const span = Math.ceil(end / top) * top - this.base;
    const frameWords = Math.max(1, Math.ceil(span / 32));
    const orders = maxOrder + 1;
    this.off = new Int32Array(orders * LEVELS);
    this.count = new Int32Array(orders * LEVELS);
    this.levels = new Int32Array(orders);
    this.off0 = new Int32Array(orders);
    this.bits = new Float64Array(orders);
    this.#indexBits = new Float64Array(orders);
    let total = 0;
    for (let o = 0; o < orders; o++) {
      this.bits[o] = span / POW2[o];
      let n = o < this.small ? frameWords : span / POW2[o];
      this.#indexBits[o] = n;
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
    // Zeroed (or, wide, not made yet), the frame words read free (wide: uniform, allocated
    // until carved). The frames outside the stretch are marked taken: wide, only those sharing a
    // word with the stretch (which makes the frame words).
    this.words = new Int32Array(total);
    if (!this.wide) this.#ownFrames();
    this.blocks = new Int32Array(orders);
    this.#low = new Int32Array(orders);
    this.#shared = totals.areas;
    if (empty) {
      if (!this.wide) this.frames.fill(-1);
    } else {
      this.#mark(0, start - this.base);
      this.#mark(end - this.base, frameWords * 32);
      this.#carve(start, end);
    }
  }

  /** Marks the frames at offsets `[lo, hi)` taken, a word at a time (wide: the partial words alone). */
  #mark(lo: number, hi: number): void {
    let i = lo;
    while (i < hi) {
      const w = i >>> 5;
      if ((i & 31) === 0 && hi - i >= 32) {
        const last = (hi >>> 5) - 1;
        if (!this.wide) this.frames.fill(-1, w, last + 1);
        i = (last + 1) * 32;
      } else {
        const to = Math.min(hi, w * 32 + 32);
        this.#writable()[w] |= (-1 << (i & 31)) & (-1 >>> (32 - (to - w * 32)));
        i = to;
      }
    }
  }

  /** `frames`, made (all zero: uniform, as they read before) at the first write. */
  #writable(): Int32Array {
    const frames = this.frames;
    return frames.length !== 0 ? frames : this.#ownFrames();
  }

  #ownFrames(): Int32Array {
    this.frames = new Int32Array(this.frameWords);
    return this.frames;
  }

  /** Words of frame bits this area spans (order 0's index has a bit per word). */
  get frameWords(): number {
    return this.#indexBits[0];
  }

  /** The taken bits of frame word `w`, known not to lie in a free block of order 5 or more (a uniform word is all taken). */
  #takenBits(w: number): number {
    const taken = wordAt(this.frames, w);
    return taken === 0 && this.wide ? -1 : taken;
  }

  /** Stores the taken bits of frame word `w`: all taken, wide, is stored as 0 (uniform). */
  #storeTaken(w: number, taken: number): void {
    // Only where a block of an order below 5 was: the area has its frame words.
    this.frames[w] = taken === -1 && this.wide ? 0 : taken;
  }

  /** Wide: true when a free block of order 5 or more holds the frame at offset `i`. */
  #covered(i: number): boolean {
    return this.#coveringOrder(i) >= 0;
  }

  /** Wide: the order of the free block of order 5 or more that holds the frame at offset `i`, or -1. */
  #coveringOrder(i: number): number {
    const words = this.words;
    const off0 = this.off0;
    let orders = this.orders >>> WORD_ORDER;
    while (orders !== 0) {
      const o = WORD_ORDER + lowestBit(orders);
      orders &= orders - 1;
      const j = i >>> o;
      if (((words[off0[o] + (j >>> 5)] >>> (j & 31)) & 1) !== 0) return o;
    }
    return -1;
  }

  get byteLength(): number {
    return (
      this.frameWords * 4 +
      this.words.byteLength +
      this.off.byteLength +
      this.count.byteLength +
      this.levels.byteLength +
      this.off0.byteLength +
      this.bits.byteLength +
      this.#indexBits.byteLength +
      this.blocks.byteLength +
      this.#low.byteLength
    );
  }

  // ---- one order's index --------------------------------------------------------------

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

  /** Clears bit `i` of order `o`'s index alone: the summaries above stay upper bounds. */
  #clear(o: number, i: number): void {
    this.words[this.off0[o] + (i >>> 5)] &= ~(1 << (i & 31));
  }

  /** The lowest set bit of order `o`'s index, or -1: the word `#low` names, else up the summaries from there. */
  #firstSet(o: number): number {
    const w = this.#low[o];
    const word = this.words[this.off0[o] + w];
    if (word !== 0) return w * 32 + lowestBit(word);
    const i = this.#nextSet(o, (w + 1) * 32);
    if (i >= 0) this.#low[o] = i >>> 5;
    return i;
  }

  /**
   * The lowest set bit `>= i` of order `o`'s index, or -1: up the summaries to a non-zero
   * word, then down. A summary bit whose word below is empty is stale: it is cleared and the
   * search goes on from the next bit of its level.
   */
  #nextSet(o: number, i: number): number {
    if (i >= this.#indexBits[o]) return -1;
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

  /** True when a bit in `[lo, hi]` of order `o`'s index is set: O(levels) words amortized. */
  #anySet(o: number, lo: number, hi: number): boolean {
    const first = this.words[this.off0[o] + (lo >>> 5)] & (-1 << (lo & 31));
    if (first !== 0) return lowestBit(first) + (lo & ~31) <= hi;
    if ((lo | 31) >= hi) return false;
    const i = this.#nextSet(o, (lo | 31) + 1);
    return i >= 0 && i <= hi;
  }

  // ---- blocks of one order, by index ---------------------------------------------------

  /** True when block `i` of order `o` is free and whole. */
  test(o: number, i: number): boolean {
    if (o >= this.small) return ((this.words[this.off0[o] + (i >>> 5)] >>> (i & 31)) & 1) !== 0;
    const h = i << o;
    return ((blocksIn(~wordAt(this.frames, h >>> 5), o, this.maxOrder) >>> (h & 31)) & 1) !== 0;
  }

  /** The lowest free block of order `o` (its index), or -1. */
  first(o: number): number {
    const at = this.#firstSet(o);
    if (o >= this.small || at < 0) return at;
    return (at * 32 + lowestBit(blocksIn(~wordAt(this.frames, at), o, this.maxOrder))) >>> o;
  }

  /** The lowest free block of order `o` whose index is `>= i`, or -1. */
  next(o: number, i: number): number {
    if (o >= this.small) return this.#nextSet(o, i);
    if (i >= this.bits[o]) return -1;
    const max = this.maxOrder;
    const h = i << o;
    const w = h >>> 5;
    const here = blocksIn(~wordAt(this.frames, w), o, max) & (-1 << (h & 31));
    if (here !== 0) return (w * 32 + lowestBit(here)) >>> o;
    const at = this.#nextSet(o, w + 1);
    return at < 0 ? -1 : (at * 32 + lowestBit(blocksIn(~wordAt(this.frames, at), o, max))) >>> o;
  }

  /** True when a free block of order `o` has its index in `[lo, hi]`. */
  anyIn(o: number, lo: number, hi: number): boolean {
    if (o >= this.small) return this.#anySet(o, lo, hi);
    const i = this.next(o, lo);
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

  /** Frees `[head, head + 2^order)` as one block, without merging (its buddy must not be free). */
  add(order: number, head: number): void {
    const h = (head - this.base) >>> 0;
    // A block of whole words: they read 0 already (uniform), now free by the index.
    if (order < this.small)
      this.#writable()[h >>> 5] = this.#takenBits(h >>> 5) & ~bitsOf(h & 31, POW2[order]);
    this.#index(order, h);
  }

  /** Indexes the free block at offset `h` of `order` (its frames are free already). */
  #index(order: number, h: number): void {
    this.#set(order, order >= this.small ? h >>> order : h >>> 5);
    if (this.blocks[order]++ === 0) this.#gained(order);
  }

  /** Takes the free block `[head, head + 2^order)` whole. */
  remove(order: number, head: number): void {
    const h = (head - this.base) >>> 0;
    // A block of whole words: they read 0 (uniform), allocated once the index forgets the block.
    if (order >= this.small) this.#clear(order, h >>> order);
    else {
      const w = h >>> 5;
      const taken = wordAt(this.frames, w) | bitsOf(h & 31, POW2[order]);
      this.#storeTaken(w, taken);
      if (blocksIn(~taken, order, this.maxOrder) === 0) this.#clear(order, w);
    }
    if (--this.blocks[order] === 0) this.#lost(order);
  }

  /** The lowest free block of `order` (its head), or -1. */
  lowest(order: number): number {
    const i = this.first(order);
    return i < 0 ? -1 : this.base + i * POW2[order];
  }

  /** The order of the free block holding `pfn` (its head goes to `hit`), or -1. O(maxOrder). */
  blockOf(pfn: number): number {
    const i = (pfn - this.base) >>> 0;
    const bit = i & 31;
    const taken = wordAt(this.frames, i >>> 5);
    if (((taken >>> bit) & 1) !== 0) return -1;
    if (taken === 0 && this.maxOrder >= WORD_ORDER) {
      // A whole word free: part of a block of order 5 or more, which its index names.
      const words = this.words;
      const off0 = this.off0;
      for (let o = WORD_ORDER; o <= this.maxOrder; o++) {
        const j = i >>> o;
        if (((words[off0[o] + (j >>> 5)] >>> (j & 31)) & 1) !== 0) {
          this.hit = this.base + j * POW2[o];
          return o;
        }
      }
      return -1;
    }
    // Inside the word: up the orders while the group holding the frame is all free.
    const top = this.small - 1;
    let f = ~taken;
    let k = 0;
    while (k < top) {
      const up = f & (f >>> POW2[k]) & PAIRS[k];
      if (((up >>> (bit & -POW2[k + 1])) & 1) === 0) break;
      f = up;
      k++;
    }
    this.hit = this.base + (i & -POW2[k]);
    return k;
  }

  /**
   * Frees block `i` of order `o` (an in-area index, < 2^31; its frames allocated), merging
   * with its buddy while the buddy is free. Indices, not frame numbers, cross the call: small
   * integers to V8.
   */
  #merge(i: number, o: number): void {
    // A block of whole words, all allocated: they read 0 (uniform), free once indexed.
    if (o >= this.small) {
      this.#mergeWhole(i, o);
      return;
    }
    const h = i << o;
    this.#writable();
    this.#mergeInWord(h >>> 5, h & 31, o);
  }

  /**
   * Frees the block of order `k0` (< 5) at bit `pos` of word `w`: its buddies inside the word
   * join it while they are free (each leaves its order), and a word made all free joins the
   * blocks of whole words.
   */
  #mergeInWord(w: number, pos: number, k0: number): void {
    // The caller made the frame words, or read a word that is not uniform.
    const words = this.frames;
    const blocks = this.blocks;
    const max = this.maxOrder;
    const word = words[w];
    const taken = (word === 0 && this.wide ? -1 : word) & ~bitsOf(pos, POW2[k0]);
    let f = fullOf(~taken, k0);
    let k = k0;
    let p = pos;
    while (k < max && k < WORD_ORDER) {
      const size = POW2[k];
      // The buddy all free: it was a whole block of order `k` (this block was not free). It
      // leaves its order; the word keeps that order's index bit while another block of it is whole.
      if (((f >>> (p ^ size)) & 1) === 0) break;
      const up = f & (f >>> size) & PAIRS[k];
      if (--blocks[k] === 0) this.#lost(k);
      if ((f & ~(up | (up << size))) === 0) this.#clear(k, w);
      p &= ~size;
      f = up;
      k++;
    }
    // A word made all free is one order-5 block (its word reads 0), which may merge on among whole words.
    if (k === WORD_ORDER) {
      words[w] = 0;
      this.#mergeWhole(w, WORD_ORDER);
    } else {
      words[w] = taken;
      this.#set(k, w);
      if (blocks[k]++ === 0) this.#gained(k);
    }
  }

  /** Frees block `i` of order `o` (>= 5, its words marked free already), merging with its buddy while the buddy is free. */
  #mergeWhole(i: number, o: number): void {
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
    return order !== 0 ? this.#takeAbove(order, want) : this.takeLowest0(MAX_AREA_FRAMES);
  }

  /**
   * Takes the lowest free block of order 0 (there is one) when its offset is below `limit`,
   * and returns that offset; else -1 and nothing changes. The common case, a single frame from
   * an order-0 block (a free frame whose buddy is taken), kept short so that V8 inlines it into
   * the allocator's calls.
   */
  takeLowest0(limit: number): number {
    const w = this.#firstSet(0);
    // An order-0 block lies in a frame word: the area has them.
    const frames = this.frames;
    const word = frames[w];
    const free = ~word;
    const pairs = free & (free >>> 1) & 0x55555555;
    const heads = this.maxOrder === 0 ? free : free & ~(pairs | (pairs << 1));
    const pos = lowestBit(heads);
    if (w * 32 + pos >= limit) return -1;
    const taken = word | (1 << pos);
    frames[w] = taken === -1 && this.wide ? 0 : taken;
    if (--this.blocks[0] === 0) this.#lost(0);
    // `| 0`: 32-bit arithmetic, which never overflows to a double (see `lowestBit`).
    if ((heads & ((heads - 1) | 0)) === 0) this.#clear(0, w);
    return w * 32 + pos;
  }

  /** `take` from an order above 0. */
  #takeAbove(order: number, want: number): number {
    if (order >= this.small) return this.takeAt(order, this.#firstSet(order), want);
    const w = this.#firstSet(order);
    const heads = blocksIn(~wordAt(this.frames, w), order, this.maxOrder);
    return this.#takeInWord(order, w, lowestBit(heads), want, (heads & ((heads - 1) | 0)) === 0);
  }

  /** `take` of free block `i` of `order` (an in-area index, < 2^31), which a search has found already. */
  takeAt(order: number, i: number, want: number): number {
    if (order < this.small) {
      const h = i << order;
      const w = h >>> 5;
      const pos = h & 31;
      const heads = blocksIn(~wordAt(this.frames, w), order, this.maxOrder);
      return this.#takeInWord(order, w, pos, want, (heads & ~(1 << pos)) === 0);
    }
    const blocks = this.blocks;
    if (--blocks[order] === 0) this.#lost(order);
    this.#clear(order, i);
    // In-area indices (< 2^31): the lower half of block `j` is block `2j` one order down.
    let j = i;
    const low = Math.max(want, WORD_ORDER);
    for (let o = order - 1; o >= low; o--) {
      j <<= 1;
      this.#set(o, j + 1);
      if (blocks[o]++ === 0) this.#gained(o);
    }
    // Taken whole words keep reading 0 (uniform): no index holds them now, so they read allocated.
    if (want < WORD_ORDER) {
      // Block `j` of order 5 is word `j`: split inside it.
      this.#writable()[j] = bitsOf(0, POW2[want]);
      for (let o = want; o < WORD_ORDER; o++) {
        this.#set(o, j);
        if (blocks[o]++ === 0) this.#gained(o);
      }
    }
    return i << order;
  }

  /**
   * Takes the free block of `order` (< 5) at bit `pos` of word `w` (`last`: the word holds no
   * other block of that order): its first 2^want frames are taken, the rest stays free as one
   * block of each order from `want` up. Returns its offset. Only small integers cross the call
   * (a 32-bit mask would be boxed).
   */
  #takeInWord(order: number, w: number, pos: number, want: number, last: boolean): number {
    const blocks = this.blocks;
    // A block of an order below 5 lies in a frame word: the area has them.
    const frames = this.frames;
    const taken = frames[w] | bitsOf(pos, POW2[want]);
    frames[w] = taken === -1 && this.wide ? 0 : taken;
    if (--blocks[order] === 0) this.#lost(order);
    if (last) this.#clear(order, w);
    for (let o = want; o < order; o++) {
      this.#set(o, w);
      if (blocks[o]++ === 0) this.#gained(o);
    }
    return w * 32 + pos;
  }

  /**
   * Frees the frame at in-area offset `i` (< 2^31) and merges it, or returns false when it is
   * free already (a double free; nothing changes). Unless `checked`, the frame is known to be
   * allocated (the caller checked it) and merges at once.
   */
  freeFrameAt(i: number, checked = true): boolean {
    const w = i >>> 5;
    const word = wordAt(this.frames, w);
    if (word === 0) return this.#freeUniform(i, checked);
    // Not uniform: the area has its frame words.
    const words = this.frames;
    const bit = 1 << (i & 31);
    if (checked && (word & bit) === 0) return false;
    const taken = word & ~bit;
    // The common case, kept short so that V8 inlines it: the buddy frame is taken, so the
    // frame is a block of order 0 on its own.
    if (this.maxOrder !== 0 && (taken & (1 << ((i ^ 1) & 31))) === 0) this.#mergeInWord(w, i & 31, 0);
    else {
      words[w] = taken;
      this.#set(0, w);
      if (this.blocks[0]++ === 0) this.#gained(0);
    }
    return true;
  }

  /** `freeFrameAt` in a word that reads 0: wide, allocated unless a free block of order 5 or more holds it; else all free. */
  #freeUniform(i: number, checked: boolean): boolean {
    if (!this.wide || (checked && this.#covered(i))) return false;
    this.#writable();
    this.#mergeInWord(i >>> 5, i & 31, 0);
    return true;
  }

  /** True when the frame at in-area offset `i` (< 2^31) is free: its bit, or for a uniform word the index of orders 5 and up. */
  isFreeAt(i: number): boolean {
    const taken = wordAt(this.frames, i >>> 5);
    if (taken !== 0 || !this.wide) return ((taken >>> (i & 31)) & 1) === 0;
    return this.#covered(i);
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

  /**
   * Indexes the free frames `[from, to)` of a new area as maximal aligned blocks (no merging):
   * their frame bits read free already, so only the indexes are written, one bit per block.
   */
  #carve(from: number, to: number): void {
    const top = this.maxOrder;
    let p = from;
    // The blocks below the top order up to the first top-order boundary, one by one (at most
    // one per order), then, wide (a bit per top-order block), every whole top-order block at
    // once, a word of the index at a time (1 TiB: 2^18 blocks in 8,192 words), then the rest.
    while (p < to && ((p - this.base) & (POW2[top] - 1)) !== 0) p = this.#carveOne(p, to);
    const n = Math.floor((to - p) / POW2[top]);
    if (n > 0 && this.wide) {
      this.#setRange(top, (p - this.base) >>> top, n);
      if (this.blocks[top] === 0) this.#gained(top);
      this.blocks[top] += n;
      p += n * POW2[top];
    }
    while (p < to) p = this.#carveOne(p, to);
  }

  /** Indexes the largest aligned block at `p` that ends by `to` as free; returns its end. */
  #carveOne(p: number, to: number): number {
    const o = this.#largestAt(p, to);
    this.#index(o, p - this.base);
    return p + POW2[o];
  }

  /**
   * Sets bits `[i, i + n)` of order `o`'s index (`o >= small`: a bit per block) and the summary
   * bits above them, a word at a time: as `n` calls of `#set` would, without the per-bit climb.
   */
  #setRange(o: number, i: number, n: number): void {
    const words = this.words;
    const p = o * LEVELS;
    if (i >>> 5 < this.#low[o]) this.#low[o] = i >>> 5;
    let lo = i;
    let hi = i + n - 1;
    for (let l = 0; l < this.levels[o]; l++) {
      const base = this.off[p + l];
      const first = lo >>> 5;
      const last = hi >>> 5;
      if (first === last) words[base + first] |= bitsOf(lo & 31, (hi & 31) - (lo & 31) + 1);
      else {
        words[base + first] |= bitsOf(lo & 31, 32 - (lo & 31));
        words.fill(-1, base + first + 1, base + last);
        words[base + last] |= bitsOf(0, (hi & 31) + 1);
      }
      lo = first;
      hi = last;
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
   * `anyFreeIn` over the in-area offsets `[lo, hi]` (inclusive, < 2^31), in O(maxOrder ·
   * levels) words whatever its length: the free blocks of orders 5 and up over it (one bit for
   * an order whose blocks are at least as long as the run), the frame bits of its first and last
   * words, and for the words between, the small orders' indexes (a word with a free frame that
   * is not all free holds a block of a small order).
   */
  anyFreeAt(lo: number, hi: number): boolean {
    const words = this.words;
    const off0 = this.off0;
    const wide = this.wide;
    if (wide) {
      // From `split` up, the run lies inside one block of the order.
      const split = 32 - Math.clz32(lo ^ hi);
      let orders = this.orders >>> WORD_ORDER;
      while (orders !== 0) {
        const o = WORD_ORDER + lowestBit(orders);
        orders &= orders - 1;
        const i = lo >>> o;
        if (o >= split) {
          if (((words[off0[o] + (i >>> 5)] >>> (i & 31)) & 1) !== 0) return true;
        } else if (this.#anySet(o, i, hi >>> o)) return true;
      }
    }
    // The free frames of the words at the ends (a uniform word's were counted above). Frame
    // words not made yet all read uniform, and no block of a small order exists.
    const frames = this.frames;
    if (frames.length === 0) return false;
    const first = lo >>> 5;
    const last = hi >>> 5;
    const upper = -1 >>> (31 - (hi & 31));
    const a = frames[first];
    const freeFirst = (a === 0 && wide ? 0 : ~a) & (-1 << (lo & 31));
    if (first === last) return (freeFirst & upper) !== 0;
    const z = frames[last];
    if (freeFirst !== 0 || ((z === 0 && wide ? 0 : ~z) & upper) !== 0) return true;
    if (last - first < 2) return false;
    let orders = this.orders & ((1 << this.small) - 1);
    while (orders !== 0) {
      const o = lowestBit(orders);
      orders &= orders - 1;
      if (this.#anySet(o, first + 1, last - 1)) return true;
    }
    return false;
  }

  /** The lowest free frame in `[from, to)`, or -1. O(maxOrder · log n). */
  firstFreeIn(from: number, to: number): number {
    const words = this.frames;
    const rel = (from - this.base) >>> 0;
    const w = rel >>> 5;
    const taken = wordAt(words, w);
    let lowest = -1;
    if (taken === 0 && this.wide) {
      if (this.#covered(rel)) lowest = rel;
    } else {
      const here = ~taken & (-1 << (rel & 31));
      if (here !== 0) lowest = w * 32 + lowestBit(here);
    }
    if (lowest < 0) {
      // The next word with a free frame: the lowest word a small order's index names (its
      // bits exact), or the lowest block of a larger order after this word.
      // Only the orders that hold a block.
      let orders = this.orders;
      while (orders !== 0) {
        const o = lowestBit(orders);
        orders &= orders - 1;
        let at: number;
        if (o < this.small) {
          const v = this.#nextSet(o, w + 1);
          at = v < 0 ? -1 : v * 32 + lowestBit(~wordAt(words, v));
        } else {
          const j = this.#nextSet(o, ((w + 1) * 32) >>> o);
          at = j < 0 ? -1 : Math.max(j * POW2[o], (w + 1) * 32);
        }
        if (at >= 0 && (lowest < 0 || at < lowest)) lowest = at;
      }
    }
    return lowest >= 0 && this.base + lowest < to ? this.base + lowest : -1;
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

  /**
   * The first frame of the free stretch that ends at `p` (`p` itself when frame `p - 1` is not
   * free): down the frame bits a word at a time, a free block of order 5 or more at a time.
   */
  freeDownFrom(p: number): number {
    const words = this.frames;
    const lo = this.start - this.base;
    let i = p - this.base;
    while (i > lo) {
      const w = (i - 1) >>> 5;
      const word = wordAt(words, w);
      if (word === 0 && this.wide) {
        // A uniform word: free while a block of order 5 or more holds it; down past that block.
        const o = this.#coveringOrder(i - 1);
        if (o < 0) break;
        i = ((i - 1) >>> o) << o;
        continue;
      }
      const taken = word & (-1 >>> (31 - ((i - 1) & 31)));
      if (taken !== 0) {
        i = w * 32 + 32 - Math.clz32(taken);
        break;
      }
      i = w * 32;
    }
    return this.base + Math.max(i, lo);
  }

  /** The end of the free stretch that starts at `p`: up the frame bits a word at a time, a free block of order 5 or more at a time. */
  freeUpFrom(p: number): number {
    const words = this.frames;
    const hi = this.end - this.base;
    let i = p - this.base;
    while (i < hi) {
      const w = i >>> 5;
      const word = wordAt(words, w);
      if (word === 0 && this.wide) {
        const o = this.#coveringOrder(i);
        if (o < 0) break;
        i = ((i >>> o) + 1) * POW2[o]; // up to 2^31: a product, not a shift
        continue;
      }
      const taken = word & (-1 << (i & 31));
      if (taken !== 0) {
        i = w * 32 + lowestBit(taken);
        break;
      }
      i = w * 32 + 32;
    }
    return this.base + Math.min(i, hi);
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
