import {
  type AllocatorStats,
  FrameError,
  type FrameRange,
  type FrameSpace,
  formatBuddyInfo,
  NO_FRAME,
  type Pfn,
  type PfnArray,
  type RunOptions,
} from '@framekit/core';
import {
  checkBatch,
  checkCount,
  checkFrame,
  checkNoDuplicates,
  checkRun,
  freeError,
  lastAtOrBelow,
  readAlign,
  readBelow,
} from '@framekit/core/plugin';
import { BUDDY_CAPABILITIES, type BuddyAllocator } from './api';
import { Area, MAX_AREA_FRAMES, type OrderTotals, POW2 } from './area';
import { LevelBitmap, lowestBit } from './level-bitmap';
import type { ResolvedBuddyOptions } from './options';

/**
 * A binary buddy allocator over usable ranges (ranges that touch share one area). A request
 * for `count` frames at alignment `align` takes the lowest free block of the smallest order
 * `k` with `2^k >= max(count, align)` that exists (a larger one is split, the upper halves
 * going to the lower orders), and gives the tail beyond `count` back at once
 * (`alloc_pages_exact`). Frees are cut into aligned blocks and merged with their buddies.
 * Every check runs before anything changes, so misuse throws and leaves the allocator as it was.
 */
export class BuddyFrameAllocator implements BuddyAllocator {
  readonly name = 'buddy';
  readonly capabilities = BUDDY_CAPABILITIES;
  readonly space: FrameSpace;
  readonly ranges: readonly FrameRange[];
  // The fields the hot paths read start with a value of their final type (see `Area`).
  readonly maxOrder: number = 0;
  readonly trusted: boolean = false;
  readonly #areas: Area[] = [];
  readonly #starts: Float64Array = new Float64Array(0);
  readonly #totals: OrderTotals;
  readonly #total: number = 0;
  #free = 0;
  /** The only area, when there is one: searches skip the per-order area summaries. */
  readonly #single: Area | undefined = undefined;
  /** The area the last frame-number lookup found: frees nearby skip the binary search. */
  #last: Area = NO_AREA;
  /** What the last search found: the block's head and the area holding it. */
  #hitHead = 0;
  #hitArea = 0;

  constructor(
    space: FrameSpace,
    ranges: readonly FrameRange[],
    options: ResolvedBuddyOptions,
    empty = false,
  ) {
    this.space = space;
    this.ranges = ranges;
    this.maxOrder = options.maxOrder;
    this.trusted = options.trusted;
    const stretches = joinTouching(ranges);
    // Which areas hold blocks of each order: needed only when there are several.
    this.#totals = {
      areas:
        stretches.length > 1
          ? Array.from({ length: this.maxOrder + 1 }, () => new LevelBitmap(stretches.length))
          : undefined,
    };
    let total = 0;
    for (const { start, end } of stretches) {
      const area = new Area(this.#areas.length, start, end, this.maxOrder, this.#totals, empty);
      this.#areas.push(area);
      total += end - start;
    }
    this.#starts = Float64Array.from(this.#areas, (a) => a.start);
    this.#single = this.#areas.length === 1 ? this.#areas[0] : undefined;
    this.#last = this.#areas[0] ?? NO_AREA;
    this.#total = total;
    this.#free = empty ? 0 : total;
  }

  // ---- allocation ---------------------------------------------------------------------

  alloc(): Pfn {
    if (this.#free === 0) return NO_FRAME;
    const area = this.#single;
    if (area !== undefined) {
      // One area (the usual case): its lowest order-0 block, else the lowest of the smallest
      // order above, split down; the upper halves go to the lower orders. Some order holds a
      // block (frames are free).
      this.#free--;
      return area.base + area.take(lowestBit(area.orders), 0);
    }
    return this.#takeBlock(0, 1, Number.POSITIVE_INFINITY);
  }

  allocMany(out: PfnArray, count: number): boolean {
    checkBatch('allocMany', out, count);
    if (count > this.#free) return false;
    const area = this.#single;
    if (area !== undefined) {
      // One area: each frame as `alloc` takes it (there are `count` free frames).
      for (let i = 0; i < count; i++) out[i] = area.base + area.take(lowestBit(area.orders), 0);
      this.#free -= count;
      return true;
    }
    const infinity = Number.POSITIVE_INFINITY;
    for (let i = 0; i < count; i++) out[i] = this.#takeBlock(0, 1, infinity);
    return true;
  }

  allocRun(count: number, options?: RunOptions): Pfn {
    checkCount('allocRun', count);
    let align = 1;
    let below = Number.POSITIVE_INFINITY;
    if (options !== undefined) {
      if (options.align !== undefined) align = readAlign('allocRun', options);
      if (options.below !== undefined) below = readBelow('allocRun', options);
    }
    if (count > this.#free) return NO_FRAME;
    const single = this.#single;
    if (count === 1 && align === 1 && single !== undefined && (single.orders & 1) !== 0) {
      // One frame, from one area: the lowest order-0 block (as `alloc` takes it) when it lies
      // below the bound, which is the block the search below would find first.
      const at = single.takeLowest0(below - single.base);
      if (at >= 0) {
        this.#free--;
        return single.base + at;
      }
    }
    const top = POW2[this.maxOrder];
    if (count > top || align > top) return this.#takeLarge(count, align, below);
    const order = orderFor(count, align);
    const area = this.#single;
    if (area !== undefined && below === Number.POSITIVE_INFINITY) {
      // One area, no bound: the lowest block of the smallest order that holds the run, taken
      // in one step (no separate search); the tail past `count` goes back at once.
      const orders = area.orders >>> order;
      if (orders === 0) return NO_FRAME;
      const head = area.base + area.take(order + lowestBit(orders), order);
      if (count < POW2[order]) area.release(head + count, head + POW2[order]);
      this.#free -= count;
      return head;
    }
    return this.#takeBlock(order, count, below);
  }

  /**
   * The lowest free block of the smallest order `>= order` whose first `count` frames lie
   * below `below`, split down to `order`, its tail past `count` given back. One look at the
   * lowest block of each order: the lowest block of an order is the best one for `below`.
   */
  #takeBlock(order: number, count: number, below: number): Pfn {
    const from = this.#findBlock(order, count, below);
    if (from < 0) return NO_FRAME;
    const head = this.#hitHead;
    const area = this.#areas[this.#hitArea];
    // The block found: taken by its index, not searched for again.
    area.takeAt(from, (head - area.base) >>> from, order);
    if (count < POW2[order]) area.release(head + count, head + POW2[order]);
    this.#free -= count;
    return head;
  }

  /** The order of the block `#takeBlock` would take (its head and area go to `#hitHead`, `#hitArea`), or -1. */
  #findBlock(order: number, count: number, below: number): number {
    const single = this.#single;
    if (single !== undefined) {
      // The orders from `order` up that hold a block, smallest first.
      let orders = single.orders >>> order;
      while (orders !== 0) {
        const o = order + lowestBit(orders);
        orders &= orders - 1;
        const head = single.lowest(o);
        if (head + count > below) continue;
        this.#hitArea = 0;
        this.#hitHead = head;
        return o;
      }
      return -1;
    }
    return this.#findBlockInAreas(order, count, below);
  }

  /** `#findBlock` over several areas: the per-order area summaries name the lowest area holding each order. */
  #findBlockInAreas(order: number, count: number, below: number): number {
    const areas = this.#totals.areas as LevelBitmap[];
    for (let o = order; o <= this.maxOrder; o++) {
      const a = areas[o].first();
      if (a < 0) continue;
      const head = this.#areas[a].lowest(o);
      if (head + count > below) continue;
      this.#hitArea = a;
      this.#hitHead = head;
      return o;
    }
    return -1;
  }

  /** Where `allocRun(count, options)` would take its frames from, in words. Changes nothing. */
  explainRun(count: number, options?: RunOptions): { at: Pfn; detail: string } {
    checkCount('explainRun', count);
    const align = readAlign('explainRun', options);
    const below = readBelow('explainRun', options);
    const top = POW2[this.maxOrder];
    if (count > top || align > top) {
      const at = count > this.#free ? NO_FRAME : this.#findLarge(count, align, below);
      return {
        at,
        detail:
          at < 0
            ? `no chain of free order-${this.maxOrder} blocks holds ${count} frames`
            : `a chain of free order-${this.maxOrder} blocks (and the smaller blocks at its ends) at frame ${at}`,
      };
    }
    const order = orderFor(count, align);
    const from = count > this.#free ? -1 : this.#findBlock(order, count, below);
    if (from < 0) {
      return {
        at: NO_FRAME,
        detail: `no free block of order ${order} … ${this.maxOrder}${below < Number.POSITIVE_INFINITY ? ` below frame ${below}` : ''}`,
      };
    }
    const head = this.#hitHead;
    const tail = POW2[order] - count;
    return {
      at: head,
      detail: `a block from the order-${from} free list (${this.freeBlocksPerOrder()[from]} blocks) at frame ${head}${from > order ? `, split down to order ${order}` : ''}${tail > 0 ? `, its last ${tail} frames given back` : ''}`,
    };
  }

  /**
   * A run longer than a top-order block, or aligned beyond one: found among chains of free
   * top-order blocks, each extended by the free smaller blocks at both of its ends. Costs
   * time in the number of free top-order blocks it passes (like Linux's `alloc_contig_range`,
   * which scans too); runs that fit a block never come here.
   */
  #takeLarge(count: number, align: number, below: number): Pfn {
    const start = this.#findLarge(count, align, below);
    if (start < 0) return NO_FRAME;
    this.#areas[this.#hitArea].claim(start, start + count);
    this.#free -= count;
    return start;
  }

  /** The first frame of the run `#takeLarge` would take (its area goes to `#hitArea`), or NO_FRAME. */
  #findLarge(count: number, align: number, below: number): Pfn {
    const max = this.maxOrder;
    const top = POW2[max];
    for (const area of this.#areas) {
      if (area.start + count > below) break;
      if (area.end - area.start < count) continue;
      const bits = area.bits[max];
      let i = area.first(max);
      while (i >= 0) {
        const chainStart = area.base + i * top;
        if (chainStart >= below) break;
        let j = i + 1;
        while (j < bits && area.test(max, j)) j++;
        const from = area.freeDownFrom(chainStart);
        const to = Math.min(area.freeUpFrom(area.base + j * top), below);
        const start = Math.ceil(from / align) * align;
        if (start + count <= to) {
          this.#hitArea = area.index;
          return start;
        }
        i = area.next(max, j + 1);
      }
    }
    return NO_FRAME;
  }

  allocAt(pfn: Pfn, count: number): Pfn {
    const first = this.#areasOfRun('allocAt', pfn, count);
    const end = pfn + count;
    // Usually one area; a run across an 8 TiB cut is claimed area by area, all or nothing.
    for (let a = first, s = pfn; s < end; s = this.#areas[a++].end) {
      if (!this.#areas[a].allFree(s, Math.min(end, this.#areas[a].end))) return NO_FRAME;
    }
    for (let a = first, s = pfn; s < end; s = this.#areas[a++].end) {
      this.#areas[a].claim(s, Math.min(end, this.#areas[a].end));
    }
    this.#free -= count;
    return pfn;
  }

  // ---- release ------------------------------------------------------------------------

  free(pfn: Pfn): void {
    let area = this.#last;
    // A frame of the area the last lookup found (no binary search), else the search.
    if (!(pfn >= area.start && pfn < area.end && Number.isInteger(pfn))) {
      const a = Number.isSafeInteger(pfn) ? this.#areaOf(pfn) : -1;
      if (a < 0) throw this.#misuse('free', pfn, false);
      area = this.#areas[a];
      this.#last = area;
    }
    // In-area offsets (< 2^31) cross the call, not frame numbers: nothing is boxed.
    // Trusted, the caller has checked that the frame is allocated: it merges at once.
    if (!area.freeFrameAt((pfn - area.base) >>> 0, !this.trusted)) throw this.#misuse('free', pfn, false);
    this.#free++;
  }

  freeMany(pfns: PfnArray, count: number): void {
    checkBatch('freeMany', pfns, count);
    if (this.trusted) {
      // The caller has checked that every frame is allocated and none is listed twice: only
      // that each is a frame of ours is checked (all first, so a bad entry changes nothing),
      // then each merges at once.
      for (let i = 0; i < count; i++) {
        const pfn = pfns[i];
        if (!Number.isSafeInteger(pfn) || this.#areaOf(pfn) < 0) throw this.#misuse('freeMany', pfn, false);
      }
      for (let i = 0; i < count; i++) {
        const pfn = pfns[i];
        const area = this.#areas[this.#areaOf(pfn)];
        area.freeFrameAt((pfn - area.base) >>> 0, false);
      }
      this.#free += count;
      return;
    }
    // Each frame is freed as `free` frees it: ours and allocated (a frame listed twice is free by
    // its second place). At the first that is not, the frames freed before it are claimed back
    // (a buddy merges eagerly, so its blocks follow from its free frames: they are as they were)
    // and the batch's error is named as the checks name it. No sort, no set on the way to a yes.
    for (let i = 0; i < count; i++) {
      const pfn = pfns[i];
      const a = Number.isSafeInteger(pfn) ? this.#areaOf(pfn) : -1;
      if (a < 0 || !this.#areas[a].freeFrameAt((pfn - this.#areas[a].base) >>> 0, true)) {
        for (let j = 0; j < i; j++) this.#areas[this.#areaOf(pfns[j])].claim(pfns[j], pfns[j] + 1);
        this.#throwFreeManyError(pfns, count);
      }
    }
    this.#free += count;
  }

  /** Throws why `freeMany(pfns, count)` is refused (it changed nothing): a frame not ours or not allocated, else one listed twice. */
  #throwFreeManyError(pfns: PfnArray, count: number): never {
    for (let i = 0; i < count; i++) {
      const pfn = pfns[i];
      const a = Number.isSafeInteger(pfn) ? this.#areaOf(pfn) : -1;
      const area = a >= 0 ? this.#areas[a] : undefined;
      if (area === undefined || area.isFreeAt((pfn - area.base) >>> 0))
        throw this.#misuse('freeMany', pfn, false);
    }
    checkNoDuplicates('freeMany', pfns, count);
    throw new Error('alloc-buddy: freeMany refused a batch that its checks pass');
  }

  freeRun(pfn: Pfn, count: number): void {
    const area = this.#last;
    // A run inside the area the last lookup found: its bounds prove pfn and count valid.
    if (
      pfn >= area.start &&
      count >= 1 &&
      pfn + count <= area.end &&
      Number.isInteger(pfn) &&
      Number.isInteger(count)
    ) {
      // In-area offsets (< 2^31) cross the calls, not frame numbers: nothing is boxed.
      const lo = (pfn - area.base) >>> 0;
      if (count === 1) {
        // One frame: as `free`, a frame already free being this call's misuse (`NOT_ALLOCATED`).
        if (area.freeFrameAt(lo, !this.trusted)) {
          this.#free++;
          return;
        }
      } else if (this.trusted || !area.anyFreeAt(lo, lo + count - 1)) {
        area.releaseAt(lo, lo + count);
        this.#free += count;
        return;
      }
    }
    this.#freeRunSlow(pfn, count);
  }

  #freeRunSlow(pfn: Pfn, count: number): void {
    const first = this.#areasOfRun('freeRun', pfn, count);
    const end = pfn + count;
    for (let a = first, s = pfn; s < end; s = this.#areas[a++].end) {
      const area = this.#areas[a];
      const e = Math.min(end, area.end);
      // Trusted, the frames are not searched (the caller checked them).
      if (!this.trusted && area.anyFreeIn(s, e))
        throw freeError('freeRun', this.space, area.firstFreeIn(s, e), true);
    }
    for (let a = first, s = pfn; s < end; s = this.#areas[a++].end) {
      this.#areas[a].release(s, Math.min(end, this.#areas[a].end));
    }
    this.#free += count;
  }

  // ---- queries ------------------------------------------------------------------------

  isFree(pfn: Pfn): boolean {
    if (!Number.isSafeInteger(pfn)) return false;
    const a = this.#areaOf(pfn);
    return a >= 0 && this.#areas[a].blockOf(pfn) >= 0;
  }

  stats(): AllocatorStats {
    let bytes = this.#starts.byteLength;
    for (const map of this.#totals.areas ?? []) bytes += map.byteLength;
    for (const area of this.#areas) bytes += area.byteLength;
    return {
      totalFrames: this.#total,
      freeFrames: this.#free,
      usedFrames: this.#total - this.#free,
      metadataBytes: bytes,
    };
  }

  freeBlocksPerOrder(): number[] {
    const counts = new Array<number>(this.maxOrder + 1).fill(0);
    for (const area of this.#areas) for (let o = 0; o <= this.maxOrder; o++) counts[o] += area.blocks[o];
    return counts;
  }

  buddyinfo(zoneName = 'Normal'): string {
    return formatBuddyInfo(zoneName, this.freeBlocksPerOrder());
  }

  forEachFreeRun(visit: (start: Pfn, count: number) => void): void {
    // Areas touch only at 8 TiB cuts: a free run across one is reported as two (metrics join them).
    for (const area of this.#areas) area.forEachFreeRun(visit);
  }

  // ---- helpers ------------------------------------------------------------------------

  /** The area whose stretch holds `pfn` (a safe integer), or -1. Binary search. */
  #areaOf(pfn: Pfn): number {
    const last = this.#last;
    if (pfn >= last.start && pfn < last.end) return last.index;
    const a = lastAtOrBelow(this.#starts, pfn);
    if (a < 0 || pfn >= this.#areas[a].end) return -1;
    this.#last = this.#areas[a];
    return a;
  }

  /**
   * The first of the areas that hold all of `[pfn, pfn + count)` one after another (one area,
   * or several that touch at 8 TiB cuts); throws the contract's error for a frame outside them.
   */
  #areasOfRun(op: string, pfn: Pfn, count: number): number {
    checkRun(op, this.space, pfn, count);
    const first = this.#areaOf(pfn);
    if (first < 0) throw this.#misuse(op, pfn, true);
    const end = pfn + count;
    for (let a = first; end > this.#areas[a].end; a++) {
      const next = this.#areas[a + 1];
      if (next === undefined || next.start !== this.#areas[a].end)
        throw this.#misuse(op, this.#areas[a].end, true);
    }
    return first;
  }

  /** Why freeing `pfn` is wrong, in the contract's order of codes (may throw the earlier ones itself). */
  #misuse(op: string, pfn: Pfn, inRun: boolean): FrameError {
    checkFrame(op, this.space, pfn);
    if (this.#areaOf(pfn) < 0 && this.space.isUsable(pfn)) {
      return new FrameError('NOT_USABLE', `${op}: frame ${pfn} is not managed by this allocator`, {
        op,
        pfn,
      });
    }
    return freeError(op, this.space, pfn, inRun);
  }
}

/** `#last` of an allocator with no area: it holds no frame, so every lookup goes past it. */
const NO_AREA = new Area(0, 0, 0, 0, { areas: undefined });

/** The smallest order whose blocks hold `count` frames at alignment `align` (both at most 2^18). */
function orderFor(count: number, align: number): number {
  const size = Math.max(count, align);
  return size === 1 ? 0 : 32 - Math.clz32(size - 1);
}

/**
 * Ranges as `[start, end)` with touching ones joined (they share an area), cut at multiples of
 * `MAX_AREA_FRAMES` so that offsets inside an area stay below 2^31.
 */
function joinTouching(ranges: readonly FrameRange[]): { start: number; end: number }[] {
  const joined: { start: number; end: number }[] = [];
  for (const r of ranges) {
    const last = joined[joined.length - 1];
    if (last !== undefined && last.end === r.start) last.end = r.start + r.count;
    else joined.push({ start: r.start, end: r.start + r.count });
  }
  const out: { start: number; end: number }[] = [];
  for (const { start, end } of joined) {
    for (let from = start; from < end; ) {
      const cut = Math.min(end, (Math.floor(from / MAX_AREA_FRAMES) + 1) * MAX_AREA_FRAMES);
      out.push({ start: from, end: cut });
      from = cut;
    }
  }
  return out;
}
