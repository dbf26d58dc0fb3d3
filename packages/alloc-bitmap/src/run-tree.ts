import {
  alignedOrder,
  alignMask,
  floorLog2,
  leadingOnes,
  longestRun,
  lowestBit,
  runStarts,
  trailingOnes,
} from './bits';
import { SEGMENT_MASK, SEGMENT_SHIFT } from './word-storage';

/*
 * The run-length summary above an arena's bitmap: a 32-ary tree whose leaves are blocks of
 * 32 bitmap words (1024 frames). Every node stores, in frames,
 *
 *   prefix — free frames from the node's first frame on (== the node's size when all free),
 *   suffix — free frames ending at the node's last frame,
 *   inner  — the longest free run touching neither edge of the node,
 *   order  — the largest o such that one of those inner runs holds a free block of 2^o
 *            frames starting at a multiple of 2^o (absolute frame numbers), or -1.
 *
 * They combine like a segment tree's, and they decide the search: a run of `n` frames at a
 * multiple of `align` can only start inside a node's interior when `inner >= n` and
 * `order >= min(log2 align, floor(log2 n))` (the fit's first 2^that frames are such a
 * block). Otherwise the node is crossed in O(1): its prefix closes the run that came in,
 * its suffix opens the next. The order test is what lets a 2 MiB search pass over long but
 * misaligned runs without looking inside them; for `n` a power of two and `align >= n` it
 * is exact.
 *
 * Summaries are refreshed lazily: a change to the bitmap marks its block dirty (and the
 * block's ancestors, stopping at the first already dirty one, so O(1) amortised), and a
 * search refreshes the dirty part of a subtree before reading it. Single-frame alloc/free
 * therefore cost O(log n) bit operations; the recomputation is paid once per dirty block.
 */

export const BLOCK_SHIFT = 10;
export const BLOCK_FRAMES = 1 << BLOCK_SHIFT;

/** Search results besides a frame number: not in this arena / nothing can fit from here on. */
export const CONTINUE = -1;
export const ABORT = -2;

export class RunTree {
  /** Number of levels; level 1 holds the blocks, the top level one node. */
  readonly height: number = 0;
  /** Nodes per level (index 0: bitmap words). */
  readonly counts: number[] = [];
  /** Frames per node of each level. */
  readonly sizes: number[] = [];
  /** Level 1 (values <= 1024). */
  readonly pre1: Uint16Array = new Uint16Array(0);
  readonly suf1: Uint16Array = new Uint16Array(0);
  readonly inn1: Uint16Array = new Uint16Array(0);
  /** Levels 2 and up, by level (entries 0 and 1 unused). */
  readonly pre: Float64Array[] = [];
  readonly suf: Float64Array[] = [];
  readonly inn: Float64Array[] = [];
  /** Every level (entry 0 unused). */
  readonly ord: Int8Array[] = [];
  /** Per level, one bit per node: its summary is stale. */
  readonly dirty: Int32Array[] = [];
  /**
   * Per level below the top, one bit per node: it is all free (`prefix` is its size), by
   * parent (word `j` of `full[level]` holds the bits of node `j`'s 32 children). Combining a
   * node steps over its all-free children a word at a time and reads only the others.
   */
  readonly full: Int32Array[] = [];

  readonly #base: number = 0;
  /** One past the arena's last frame: padding after it says nothing about `below`. */
  readonly #end: number = 0;
  readonly #segments: Int32Array[];
  readonly #skew: number = 0;
  /** The free index's level 0: word `b`, bit `i` set while word `32b + i` of the bitmap has a free frame. */
  readonly #nonEmpty: Int32Array;

  // The search in progress (fields rather than arguments: the recursion allocates nothing).
  #n = 1;
  #align = 1;
  #alignMask = -1;
  /** The order an inner run needs to possibly hold a fit. */
  #order = 0;
  #below = 0;
  #from = 0;
  /** Start of the free run reaching the current position, or -1. */
  #carry = -1;

  constructor(
    base: number,
    end: number,
    blocks: number,
    segments: Int32Array[],
    skew: number,
    nonEmpty: Int32Array,
  ) {
    this.#nonEmpty = nonEmpty;
    this.#base = base;
    this.#end = end;
    this.#segments = segments;
    this.#skew = skew;
    this.counts.push(blocks * 32);
    this.sizes.push(32);
    const empty = new Float64Array(0);
    this.pre.push(empty, empty);
    this.suf.push(empty, empty);
    this.inn.push(empty, empty);
    this.dirty.push(new Int32Array(0));
    this.full.push(new Int32Array(0));
    this.ord.push(new Int8Array(0));
    let count = blocks;
    let size = BLOCK_FRAMES;
    for (let level = 1; ; level++) {
      this.counts.push(count);
      this.sizes.push(size);
      this.dirty.push(new Int32Array((count + 31) >>> 5));
      this.full.push(new Int32Array((count + 31) >>> 5));
      this.ord.push(new Int8Array(count));
      if (level >= 2) {
        this.pre.push(new Float64Array(count));
        this.suf.push(new Float64Array(count));
        this.inn.push(new Float64Array(count));
      }
      if (count === 1) {
        this.height = level;
        break;
      }
      count = (count + 31) >>> 5;
      size *= 32;
    }
    this.pre1 = new Uint16Array(blocks);
    this.suf1 = new Uint16Array(blocks);
    this.inn1 = new Uint16Array(blocks);
  }

  get bytes(): number {
    let sum = this.pre1.byteLength * 3;
    for (let level = 1; level <= this.height; level++) {
      sum += this.dirty[level].byteLength + this.full[level].byteLength + this.ord[level].byteLength;
      if (level >= 2) sum += this.pre[level].byteLength * 3;
    }
    return sum;
  }

  /**
   * Summaries for a bitmap of all ones: every block is free, and so is every node but the
   * last of each level when it has missing children (counted as used); those are combined
   * here, bottom up. Later changes are found through the dirty bits.
   */
  initAllFree(): void {
    this.pre1.fill(BLOCK_FRAMES);
    this.suf1.fill(BLOCK_FRAMES);
    this.inn1.fill(0);
    this.ord[1].fill(-1);
    for (let level = 1; level <= this.height; level++) {
      const full = this.full[level];
      full.fill(-1);
      const rest = this.counts[level] & 31;
      if (rest !== 0) full[full.length - 1] = (1 << rest) - 1;
    }
    for (let level = 2; level <= this.height; level++) {
      this.pre[level].fill(this.sizes[level]);
      this.suf[level].fill(this.sizes[level]);
      this.inn[level].fill(0);
      this.ord[level].fill(-1);
      this.#combineChildren(level, this.counts[level] - 1);
    }
  }

  /** Block `block`'s words changed. */
  markDirty(block: number): void {
    const dirty = this.dirty;
    let index = block;
    for (let level = 1; level <= this.height; level++) {
      const bits = dirty[level];
      const j = index >> 5;
      const bit = 1 << (index & 31);
      if ((bits[j] & bit) !== 0) return;
      bits[j] |= bit;
      index = j;
    }
  }

  /** Blocks `first … last` changed. */
  markDirtyRange(first: number, last: number): void {
    for (let block = first; block <= last; block++) this.markDirty(block);
  }

  #isDirty(level: number, node: number): boolean {
    return (this.dirty[level][node >> 5] & (1 << (node & 31))) !== 0;
  }

  #clean(level: number, node: number): void {
    this.dirty[level][node >> 5] &= ~(1 << (node & 31));
  }

  /** Recomputes block `block` from its 32 words, a word at a time; true when its summary changed. */
  #refreshBlock(block: number): boolean {
    const v = (block << 5) + this.#skew;
    const words = this.#segments[v >>> SEGMENT_SHIFT];
    let o = v & SEGMENT_MASK;
    let wordStart = this.#base + block * BLOCK_FRAMES;
    let run = 0;
    let runStart = wordStart;
    let prefix = -1;
    let inner = 0;
    let order = -1;
    const nonEmpty = this.#nonEmpty[block];
    for (let i = 0; i < 32; i++, o++, wordStart += 32) {
      const w = words[o];
      if (w === -1) {
        if (run === 0) runStart = wordStart;
        run += 32;
        continue;
      }
      // The run coming in ends in this word's free prefix (ctz(~0) is 0, so w === 0 works too).
      const head = trailingOnes(w);
      const total = run + head;
      if (prefix < 0) prefix = total;
      else if (total > 0) {
        if (total > inner) inner = total;
        if (floorLog2(total) > order) {
          const runOrder = alignedOrder(run === 0 ? wordStart : runStart, wordStart + head);
          if (runOrder > order) order = runOrder;
        }
      }
      if (w === 0) {
        run = 0;
        // The all-used words after it change nothing: on to the next word with a free frame
        // (the free index's word for this block says which those are).
        const later = i === 31 ? 0 : nonEmpty & (-1 << (i + 1));
        const skip = (later === 0 ? 32 : lowestBit(later)) - i - 1;
        i += skip;
        o += skip;
        wordStart += skip * 32;
        continue;
      }
      const tail = leadingOnes(w);
      // Runs strictly inside the word: clear its prefix and suffix runs. Their order is
      // bounded by their length (an upper bound keeps the pruning safe; n <= 32 rechecks).
      const middle = w & (-1 << head) & (tail === 0 ? -1 : ~(-1 << (32 - tail)));
      if (middle !== 0) {
        const longest = longestRun(middle);
        if (longest > inner) inner = longest;
        const bound = floorLog2(longest);
        if (bound > order) order = bound;
      }
      run = tail;
      runStart = wordStart + 32 - tail;
    }
    if (prefix < 0) {
      prefix = BLOCK_FRAMES;
      run = BLOCK_FRAMES;
    }
    this.#clean(1, block);
    const ord = this.ord[1];
    if (
      this.pre1[block] === prefix &&
      this.suf1[block] === run &&
      this.inn1[block] === inner &&
      ord[block] === order
    ) {
      return false;
    }
    // All free before or after, not both: the parent's mask follows.
    if ((this.pre1[block] === BLOCK_FRAMES) !== (prefix === BLOCK_FRAMES)) {
      this.#markFull(1, block, prefix === BLOCK_FRAMES);
    }
    this.pre1[block] = prefix;
    this.suf1[block] = run;
    this.inn1[block] = inner;
    ord[block] = order;
    return true;
  }

  /** Node `node` of `level` is all free (`isFull`) or not, in its parent's mask. */
  #markFull(level: number, node: number, isFull: boolean): void {
    const full = this.full[level];
    const bit = 1 << (node & 31);
    if (isFull) full[node >> 5] |= bit;
    else full[node >> 5] &= ~bit;
  }

  /**
   * Refreshes the dirty children of `node` (level >= 2), then, if any of them changed,
   * combines all 32. True when the node's own summary changed: an alloc undone by a free
   * stops at the block.
   */
  #refreshNode(level: number, node: number): boolean {
    const below = level - 1;
    let stale = this.dirty[below][node];
    let changed = false;
    while (stale !== 0) {
      const child = (node << 5) + lowestBit(stale);
      stale &= stale - 1;
      if (below === 1 ? this.#refreshBlock(child) : this.#refreshNode(below, child)) changed = true;
    }
    this.#clean(level, node);
    return changed && this.#combineChildren(level, node);
  }

  #combineChildren(level: number, node: number): boolean {
    const below = level - 1;
    if (below === 1) return this.#combine(level, node, this.pre1, this.suf1, this.inn1);
    return this.#combine(level, node, this.pre[below], this.suf[below], this.inn[below]);
  }

  #combine(
    level: number,
    node: number,
    childPre: ArrayLike<number>,
    childSuf: ArrayLike<number>,
    childInn: ArrayLike<number>,
  ): boolean {
    const childSize = this.sizes[level - 1];
    const childOrd = this.ord[level - 1];
    const first = node << 5;
    const children = Math.min(32, this.counts[level - 1] - first);
    const nodeStart = this.#base + first * childSize;
    let run = 0;
    let runStart = nodeStart;
    let prefix = -1;
    let inner = 0;
    let order = -1;
    // The children that are not all free, lowest first; the all-free ones between them only
    // lengthen the run that crosses them (a word of bits, not a child at a time).
    let partial = ~this.full[level - 1][node] & (children === 32 ? -1 : (1 << children) - 1);
    let next = 0;
    for (;;) {
      const k = partial === 0 ? children : lowestBit(partial);
      if (k > next) {
        if (run === 0) runStart = nodeStart + next * childSize;
        run += (k - next) * childSize;
      }
      if (k === 32) break;
      // Child `k`, or at `k === children` the first child past the arena's last node, which
      // counts as used: the run reaching it ends there.
      const c = first + k;
      const childStart = nodeStart + k * childSize;
      const p = k < children ? childPre[c] : 0;
      const total = run + p;
      if (prefix < 0) prefix = total;
      else if (total > 0) {
        if (total > inner) inner = total;
        if (floorLog2(total) > order) {
          const runOrder = alignedOrder(run === 0 ? childStart : runStart, childStart + p);
          if (runOrder > order) order = runOrder;
        }
      }
      if (k === children) {
        run = 0;
        break;
      }
      partial &= partial - 1;
      next = k + 1;
      if (childInn[c] > inner) inner = childInn[c];
      if (childOrd[c] > order) order = childOrd[c];
      run = childSuf[c];
      runStart = childStart + childSize - run;
    }
    const size = this.sizes[level];
    if (prefix < 0) {
      prefix = size;
      run = size;
    }
    const pre = this.pre[level];
    const suf = this.suf[level];
    const inn = this.inn[level];
    const ord = this.ord[level];
    if (pre[node] === prefix && suf[node] === run && inn[node] === inner && ord[node] === order) return false;
    if ((pre[node] === size) !== (prefix === size)) this.#markFull(level, node, prefix === size);
    pre[node] = prefix;
    suf[node] = run;
    inn[node] = inner;
    ord[node] = order;
    return true;
  }

  /** Brings every summary up to date (tests and statistics; searches refresh on their own). */
  refreshAll(): void {
    const top = this.height;
    if (!this.#isDirty(top, 0)) return;
    if (top === 1) this.#refreshBlock(0);
    else this.#refreshNode(top, 0);
  }

  /** The longest free run of the arena, in frames. */
  largestRun(): number {
    this.refreshAll();
    const top = this.height;
    if (top === 1) return Math.max(this.pre1[0], this.suf1[0], this.inn1[0]);
    return Math.max(this.pre[top][0], this.suf[top][0], this.inn[top][0]);
  }

  /**
   * The lowest `n`-frame run of free frames starting at a multiple of `align`, at or after
   * `from`, every frame `< below`: its first frame, `CONTINUE` when this arena has none, or
   * `ABORT` when a frame of the arena at or past `below` was reached, so no run can fit
   * below `below` from here on (later arenas neither). Changes no bit.
   */
  search(n: number, align: number, below: number, from: number): number {
    this.#n = n;
    this.#align = align;
    this.#alignMask = align <= 32 ? alignMask(align, 0) : 0;
    // log2 of the power of two `align`: by `clz32` below 2^32 (`Math.log2` is a call into C).
    const alignOrder = align < 2 ** 32 ? floorLog2(align) : Math.round(Math.log2(align));
    this.#order = Math.min(alignOrder, floorLog2(n));
    this.#below = below;
    this.#from = from;
    this.#carry = -1;
    return this.height === 1 ? this.#block(0) : this.#node(this.height, 0);
  }

  /** The first fit in the free run `[start, end)`, if any. */
  #fit(start: number, end: number): number {
    const align = this.#align;
    const fit = align === 1 ? start : Math.ceil(start / align) * align;
    if (fit + this.#n > end) return CONTINUE;
    return fit + this.#n <= this.#below ? fit : ABORT;
  }

  #node(level: number, node: number): number {
    const size = this.sizes[level];
    const start = this.#base + node * size;
    const end = start + size;
    if (end <= this.#from || start >= this.#end) {
      this.#carry = -1;
      return CONTINUE;
    }
    if (start >= this.#below) return ABORT;
    if (this.#isDirty(level, node)) this.#refreshNode(level, node);
    if (start < this.#from) {
      this.#carry = -1;
      return this.#children(level, node);
    }
    const prefix = this.pre[level][node];
    if (prefix === size) {
      if (this.#carry < 0) this.#carry = start;
      return this.#fit(this.#carry, end);
    }
    if (this.inn[level][node] >= this.#n && this.ord[level][node] >= this.#order) {
      return this.#children(level, node);
    }
    return this.#cross(start, end, prefix, this.suf[level][node]);
  }

  #block(block: number): number {
    const start = this.#base + block * BLOCK_FRAMES;
    const end = start + BLOCK_FRAMES;
    if (end <= this.#from || start >= this.#end) {
      this.#carry = -1;
      return CONTINUE;
    }
    if (start >= this.#below) return ABORT;
    if (this.#isDirty(1, block)) this.#refreshBlock(block);
    if (start < this.#from) {
      this.#carry = -1;
      return this.#scan(block);
    }
    const prefix = this.pre1[block];
    if (prefix === BLOCK_FRAMES) {
      if (this.#carry < 0) this.#carry = start;
      return this.#fit(this.#carry, end);
    }
    if (this.inn1[block] >= this.#n && this.ord[1][block] >= this.#order) return this.#scan(block);
    return this.#cross(start, end, prefix, this.suf1[block]);
  }

  /** Passes a node with no room inside: close the incoming run at its prefix, open one at its suffix. */
  #cross(start: number, end: number, prefix: number, suffix: number): number {
    if (prefix > 0) {
      const r = this.#fit(this.#carry < 0 ? start : this.#carry, start + prefix);
      if (r !== CONTINUE) return r;
    }
    if (suffix === 0) {
      this.#carry = -1;
      return CONTINUE;
    }
    this.#carry = end - suffix;
    return this.#fit(this.#carry, end);
  }

  #children(level: number, node: number): number {
    const first = node << 5;
    const end = Math.min(first + 32, this.counts[level - 1]);
    for (let c = first; c < end; c++) {
      const r = level === 2 ? this.#block(c) : this.#node(level - 1, c);
      if (r !== CONTINUE) return r;
    }
    if (end - first < 32) this.#carry = -1;
    return CONTINUE;
  }

  /** The words of one block, each handled whole: free prefix, runs inside it, free suffix. */
  #scan(block: number): number {
    const v = (block << 5) + this.#skew;
    const words = this.#segments[v >>> SEGMENT_SHIFT];
    let o = v & SEGMENT_MASK;
    const n = this.#n;
    const from = this.#from;
    const below = this.#below;
    let wordStart = this.#base + block * BLOCK_FRAMES;
    for (let i = 0; i < 32; i++, o++, wordStart += 32) {
      const wordEnd = wordStart + 32;
      if (wordEnd <= from) continue;
      if (wordStart >= this.#end) break;
      if (wordStart >= below) return ABORT;
      let w = words[o];
      if (wordStart < from) w &= -1 << (from - wordStart);
      if (w === -1) {
        if (this.#carry < 0) this.#carry = wordStart;
        const r = this.#fit(this.#carry, wordEnd);
        if (r !== CONTINUE) return r;
        continue;
      }
      if (w === 0) {
        this.#carry = -1;
        continue;
      }
      const head = trailingOnes(w);
      if (head > 0) {
        const r = this.#fit(this.#carry < 0 ? wordStart : this.#carry, wordStart + head);
        if (r !== CONTINUE) return r;
      }
      if (n <= 32) {
        // Runs wholly inside the word; all start after any run that came in, so lower ones win.
        const aligned = this.#align <= 32 ? this.#alignMask : alignMask(this.#align, wordStart);
        const starts = runStarts(w, n) & aligned;
        if (starts !== 0) {
          const fit = wordStart + lowestBit(starts);
          return fit + n <= below ? fit : ABORT;
        }
      }
      const tail = leadingOnes(w);
      if (tail === 0) {
        this.#carry = -1;
        continue;
      }
      this.#carry = wordEnd - tail;
      const r = this.#fit(this.#carry, wordEnd);
      if (r !== CONTINUE) return r;
    }
    return CONTINUE;
  }
}
