import { LevelBitmap } from './level-bitmap';

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

/** What every area of one allocator shares: free blocks per order, and which areas hold some. */
export interface OrderTotals {
  /** Free blocks per order, over all areas. */
  readonly blocks: Float64Array;
  /** Per order: bit `a` set while area `a` holds a free block of that order. */
  readonly areas: LevelBitmap[];
}

/**
 * The free blocks of one contiguous stretch of usable frames `[start, end)`: one summary
 * bitmap per order, bit `i` of order `o` set while the block `[base + i·2^o, base + (i+1)·2^o)`
 * is free and whole (its buddy is not free at the same order, or `o` is the top order). `base`
 * is `start` rounded down to a top-order block, so blocks are naturally aligned in absolute
 * frame numbers. Metadata: about 2 bits per frame of the stretch over all orders.
 *
 * Blocks never cross a stretch: frames outside it are never free here, so no buddy merges
 * across it.
 */
export class Area {
  readonly base: number;
  readonly maps: LevelBitmap[] = [];
  /** Free blocks per order in this area. */
  readonly blocks: Float64Array;
  /** After `blockOf`: the head of the block it found. */
  hit = 0;

  constructor(
    readonly index: number,
    readonly start: number,
    readonly end: number,
    readonly maxOrder: number,
    readonly totals: OrderTotals,
  ) {
    const top = POW2[maxOrder];
    this.base = Math.floor(start / top) * top;
    const span = Math.ceil(end / top) * top - this.base;
    for (let o = 0; o <= maxOrder; o++) this.maps.push(new LevelBitmap(span / POW2[o]));
    // Offsets inside the area are below MAX_AREA_FRAMES (2^31): the allocator cuts stretches there.
    this.blocks = new Float64Array(maxOrder + 1);
  }

  get byteLength(): number {
    let bytes = this.blocks.byteLength;
    for (const map of this.maps) bytes += map.byteLength;
    return bytes;
  }

  /** True when `[head, head + 2^order)` is a free block. */
  has(order: number, head: number): boolean {
    return this.maps[order].test((head - this.base) >>> order);
  }

  add(order: number, head: number): void {
    this.maps[order].set((head - this.base) >>> order);
    if (this.blocks[order]++ === 0) this.totals.areas[order].set(this.index);
    this.totals.blocks[order]++;
  }

  remove(order: number, head: number): void {
    this.maps[order].clear((head - this.base) >>> order);
    if (--this.blocks[order] === 0) this.totals.areas[order].clear(this.index);
    this.totals.blocks[order]--;
  }

  /** The lowest free block of `order` (its head), or -1. */
  lowest(order: number): number {
    const i = this.maps[order].first();
    return i < 0 ? -1 : this.base + i * POW2[order];
  }

  /** The order of the free block holding `pfn` (its head goes to `hit`), or -1. O(maxOrder). */
  blockOf(pfn: number): number {
    const rel = pfn - this.base;
    const maps = this.maps;
    for (let o = 0; o <= this.maxOrder; o++) {
      const i = rel >>> o;
      if (maps[o].test(i)) {
        this.hit = this.base + i * POW2[o];
        return o;
      }
    }
    return -1;
  }

  /** Frees the block `[head, head + 2^order)`, merging with its buddy while the buddy is free. */
  freeBlock(head: number, order: number): void {
    let o = order;
    let i = (head - this.base) >>> o;
    while (o < this.maxOrder) {
      const half = i >>> 1;
      const buddy = i ^ 1;
      const map = this.maps[o];
      if (!map.test(buddy)) break;
      map.clear(buddy);
      if (--this.blocks[o] === 0) this.totals.areas[o].clear(this.index);
      this.totals.blocks[o]--;
      i = half;
      o++;
    }
    this.add(o, this.base + i * POW2[o]);
  }

  /** Frees `[from, to)` (allocated frames), cut into maximal aligned blocks, each merged. */
  release(from: number, to: number): void {
    let p = from;
    while (p < to) {
      const o = this.#largestAt(p, to);
      this.freeBlock(p, o);
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
    let o = this.maxOrder;
    const rel = p - this.base;
    while (o > 0 && ((rel & (POW2[o] - 1)) !== 0 || p + POW2[o] > to)) o--;
    return o;
  }

  /** Takes the free block `[head, head + 2^order)` and splits it down to `want`, keeping the lower part. */
  split(head: number, order: number, want: number): void {
    this.remove(order, head);
    for (let o = order - 1; o >= want; o--) this.add(o, head + POW2[o]);
  }

  /** True when a frame of `[from, to)` is free: one masked word per order for short runs. */
  anyFreeIn(from: number, to: number): boolean {
    const lo = from - this.base;
    const hi = to - 1 - this.base;
    const maps = this.maps;
    for (let o = 0; o <= this.maxOrder; o++) if (maps[o].anyIn(lo >>> o, hi >>> o)) return true;
    return false;
  }

  /** The lowest free frame in `[from, to)`, or -1. O(maxOrder · log n). */
  firstFreeIn(from: number, to: number): number {
    let lowest = -1;
    const rel = from - this.base;
    for (let o = 0; o <= this.maxOrder; o++) {
      const size = POW2[o];
      const i = this.maps[o].next(rel >>> o);
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
