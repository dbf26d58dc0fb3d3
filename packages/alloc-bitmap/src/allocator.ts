import {
  type AllocatorStats,
  FrameError,
  type FrameRange,
  type FrameSpace,
  NO_FRAME,
  type Pfn,
  type PfnArray,
  type RunOptions,
} from '@framekit/core';
import {
  checkBatch,
  checkCount,
  checkFrame,
  checkRun,
  freeError,
  lastAtOrBelow,
  readAlign,
  readBelow,
} from '@framekit/core/plugin';
import { runIsFree } from './alloc-at';
import { BITMAP_CAPABILITIES, type BitmapAllocator } from './api';
import { Arena, MAX_ARENA_FRAMES } from './arena';
import type { ResolvedBitmapOptions } from './options';
import { ABORT } from './run-tree';

/**
 * Bitmap arenas over usable ranges (ranges that touch share one arena, so a run may cross
 * them). Single frames come from the "any free" index in O(log n); runs from the summary
 * tree, lowest address first (or from a next-fit rover). Every check runs before any bit
 * changes, so misuse throws and leaves the allocator as it was.
 */
export class BitmapFrameAllocator implements BitmapAllocator {
  readonly name = 'bitmap';
  readonly capabilities = BITMAP_CAPABILITIES;
  readonly space: FrameSpace;
  readonly ranges: readonly FrameRange[];
  readonly metadataFrames: number = 0;
  readonly #arenas: Arena[] = [];
  readonly #starts: Float64Array = new Float64Array(0);
  readonly #ends: Float64Array = new Float64Array(0);
  readonly #total: number = 0;
  readonly #metadataBytes: number = 0;
  readonly #nextFit: boolean = false;
  #free = 0;
  /** Next fit: where the next search starts. */
  #rover = 0;
  /** The frame `#firstFree` found, and the arena `#search` found a run in. */
  #hit = 0;
  #hitArena = 0;

  constructor(space: FrameSpace, ranges: readonly FrameRange[], options: ResolvedBitmapOptions) {
    if (options.metadataInFrames && !space.hasContents) {
      throw new FrameError(
        'INVALID_REQUEST',
        `bitmap: metadataInFrames keeps each arena's bitmap in the arena's first frames, so it needs a frame space with contents (backing 'dense', 'shared' or 'sparse'); this space has backing '${space.backing}'`,
        { plugin: 'bitmap', backing: space.backing },
      );
    }
    this.space = space;
    this.ranges = ranges;
    this.#nextFit = options.nextFit;
    for (const { start, end } of joinTouching(ranges)) {
      if (end - start > MAX_ARENA_FRAMES) {
        throw new FrameError(
          'INVALID_REQUEST',
          `bitmap: the usable range [${start}, ${end}) has ${end - start} frames; one arena holds at most ${MAX_ARENA_FRAMES} (8 TiB): split it into zones`,
          { plugin: 'bitmap', start, end },
        );
      }
      this.#arenas.push(new Arena(space, start, end, options.metadataInFrames));
    }
    this.#starts = Float64Array.from(this.#arenas, (a) => a.start);
    this.#ends = Float64Array.from(this.#arenas, (a) => a.end);
    let total = 0;
    let metadataFrames = 0;
    let bytes = this.#starts.byteLength + this.#ends.byteLength;
    for (const arena of this.#arenas) {
      total += arena.end - arena.dataStart;
      metadataFrames += arena.metadataFrames;
      bytes += arena.heapBytes;
    }
    this.#total = total;
    this.#free = total;
    this.metadataFrames = metadataFrames;
    this.#metadataBytes = bytes;
  }

  // ---- allocation ---------------------------------------------------------------------

  alloc(): Pfn {
    if (this.#free === 0) return NO_FRAME;
    return this.#takeFirstFree(this.#nextFit ? this.#rover : 0, Number.POSITIVE_INFINITY);
  }

  allocMany(out: PfnArray, count: number): boolean {
    checkBatch('allocMany', out, count);
    if (count > this.#free) return false;
    const infinity = Number.POSITIVE_INFINITY;
    for (let i = 0; i < count; i++) out[i] = this.#takeFirstFree(this.#nextFit ? this.#rover : 0, infinity);
    return true;
  }

  allocRun(count: number, options?: RunOptions): Pfn {
    checkCount('allocRun', count);
    const align = readAlign('allocRun', options);
    const below = readBelow('allocRun', options);
    if (count > this.#free) return NO_FRAME;
    const from = this.#nextFit ? this.#rover : 0;
    if (count === 1 && align === 1) return this.#takeFirstFree(from, below);
    let pfn = this.#search(count, align, below, from);
    if (pfn === NO_FRAME && from > 0) pfn = this.#search(count, align, below, 0);
    if (pfn === NO_FRAME) return NO_FRAME;
    this.#arenas[this.#hitArena].setRun(pfn, count, false);
    this.#free -= count;
    this.#rover = pfn + count;
    return pfn;
  }

  /** Takes the lowest free frame at or after `from` (wrapping to 0 once), if it is `< below`. */
  #takeFirstFree(from: number, below: number): Pfn {
    let a = this.#firstFree(from);
    if ((a < 0 || this.#hit >= below) && from > 0) a = this.#firstFree(0);
    if (a < 0 || this.#hit >= below) return NO_FRAME;
    const arena = this.#arenas[a];
    const pfn = this.#hit;
    arena.takeBit(pfn - arena.base);
    this.#free--;
    this.#rover = pfn + 1;
    return pfn;
  }

  /** The arena holding the lowest free frame `>= from` (the frame goes to `#hit`), or -1. */
  #firstFree(from: number): number {
    const arenas = this.#arenas;
    for (let a = 0; a < arenas.length; a++) {
      const arena = arenas[a];
      if (arena.free === 0 || arena.end <= from) continue;
      const bit = arena.firstFreeBit(from <= arena.dataStart ? 0 : from - arena.base);
      if (bit >= 0) {
        this.#hit = arena.base + bit;
        return a;
      }
    }
    return -1;
  }

  /** The lowest fitting run at or after `from` (its arena goes to `#hitArena`), or NO_FRAME. Changes nothing. */
  #search(count: number, align: number, below: number, from: number): Pfn {
    const arenas = this.#arenas;
    for (let a = 0; a < arenas.length; a++) {
      const arena = arenas[a];
      if (arena.end <= from) continue;
      if (arena.dataStart + count > below) break;
      if (arena.free < count) continue;
      const found = arena.tree.search(count, align, below, from);
      if (found >= 0) {
        this.#hitArena = a;
        return found;
      }
      if (found === ABORT) break;
    }
    return NO_FRAME;
  }

  /** Claims exactly `[pfn, pfn + count)` when every frame of it is free, else `NO_FRAME`. */
  allocAt(pfn: Pfn, count: number): Pfn {
    checkRun('allocAt', this.space, pfn, count);
    const a = this.#arenaOf(pfn);
    const arena = a >= 0 ? this.#arenas[a] : undefined;
    if (arena === undefined || pfn < arena.dataStart) throw this.#misuse('allocAt', pfn, true);
    if (pfn + count > arena.end) throw this.#misuse('allocAt', arena.end, true);
    if (!runIsFree(arena, pfn, count)) return NO_FRAME;
    arena.setRun(pfn, count, false);
    this.#free -= count;
    return pfn;
  }

  // ---- release ------------------------------------------------------------------------

  free(pfn: Pfn): void {
    if (Number.isSafeInteger(pfn)) {
      const a = this.#arenaOf(pfn);
      if (a >= 0) {
        const arena = this.#arenas[a];
        if (pfn >= arena.dataStart && !arena.isFreeFrame(pfn)) {
          arena.releaseBit(pfn - arena.base);
          this.#free++;
          return;
        }
      }
    }
    throw this.#misuse('free', pfn, false);
  }

  freeMany(pfns: PfnArray, count: number): void {
    checkBatch('freeMany', pfns, count);
    // Pass 1 checks each frame and sets its bit, so a frame listed twice is seen as free the
    // second time; a bad entry clears the bits set so far before throwing.
    for (let i = 0; i < count; i++) {
      const pfn = pfns[i];
      const a = Number.isSafeInteger(pfn) ? this.#arenaOf(pfn) : -1;
      const arena = a >= 0 ? this.#arenas[a] : undefined;
      if (arena === undefined || pfn < arena.dataStart || arena.isFreeFrame(pfn)) {
        this.#undoTentative(pfns, i);
        throw this.#batchMisuse(pfn);
      }
      arena.toggleBit(pfn - arena.base);
    }
    // Pass 2: the free index, the summaries and the counts.
    for (let i = 0; i < count; i++) {
      const pfn = pfns[i];
      const arena = this.#arenas[this.#arenaOf(pfn)];
      arena.settleReleased(pfn - arena.base);
    }
    this.#free += count;
  }

  #undoTentative(pfns: PfnArray, count: number): void {
    for (let i = 0; i < count; i++) {
      const pfn = pfns[i];
      const arena = this.#arenas[this.#arenaOf(pfn)];
      arena.toggleBit(pfn - arena.base);
    }
  }

  freeRun(pfn: Pfn, count: number): void {
    checkRun('freeRun', this.space, pfn, count);
    const a = this.#arenaOf(pfn);
    const arena = a >= 0 ? this.#arenas[a] : undefined;
    if (arena === undefined || pfn < arena.dataStart) throw this.#misuse('freeRun', pfn, true);
    if (pfn + count > arena.end) throw this.#misuse('freeRun', arena.end, true);
    const loose = arena.firstFreeIn(pfn, count);
    if (loose >= 0) throw freeError('freeRun', this.space, loose, true);
    arena.setRun(pfn, count, true);
    this.#free += count;
  }

  // ---- queries ------------------------------------------------------------------------

  isFree(pfn: Pfn): boolean {
    if (!Number.isSafeInteger(pfn)) return false;
    const a = this.#arenaOf(pfn);
    if (a < 0) return false;
    const arena = this.#arenas[a];
    return pfn >= arena.dataStart && arena.isFreeFrame(pfn);
  }

  stats(): AllocatorStats {
    return {
      totalFrames: this.#total,
      freeFrames: this.#free,
      usedFrames: this.#total - this.#free,
      metadataBytes: this.#metadataBytes,
    };
  }

  forEachFreeRun(visit: (start: Pfn, count: number) => void): void {
    for (const arena of this.#arenas) arena.forEachFreeRun(visit);
  }

  largestFreeRun(): number {
    let largest = 0;
    for (const arena of this.#arenas) largest = Math.max(largest, arena.tree.largestRun());
    return largest;
  }

  // ---- helpers ------------------------------------------------------------------------

  /** The arena whose range holds `pfn` (a safe integer), or -1. Binary search over the arenas. */
  #arenaOf(pfn: Pfn): number {
    const hi = lastAtOrBelow(this.#starts, pfn);
    return hi >= 0 && pfn < this.#ends[hi] ? hi : -1;
  }

  /** Why freeing `pfn` is wrong, in the contract's order of codes (may throw the earlier ones itself). */
  #misuse(op: string, pfn: Pfn, inRun: boolean): FrameError {
    checkFrame(op, this.space, pfn);
    const a = this.#arenaOf(pfn);
    if (a < 0) {
      if (!this.space.isUsable(pfn)) return freeError(op, this.space, pfn, inRun);
      return new FrameError('NOT_USABLE', `${op}: frame ${pfn} is not managed by this allocator`, {
        op,
        pfn,
      });
    }
    const arena = this.#arenas[a];
    if (pfn < arena.dataStart) {
      return new FrameError(
        'NOT_USABLE',
        `${op}: frame ${pfn} holds the bitmap of the arena at frame ${arena.start}; it is never handed out`,
        { op, pfn },
      );
    }
    return freeError(op, this.space, pfn, inRun);
  }

  /** The error for entry `pfn` of a `freeMany`, after the tentative bits were undone. */
  #batchMisuse(pfn: Pfn): FrameError {
    if (Number.isSafeInteger(pfn)) {
      const a = this.#arenaOf(pfn);
      const arena = a >= 0 ? this.#arenas[a] : undefined;
      // Allocated now, yet found free in pass 1: an earlier entry had set its bit.
      if (arena !== undefined && pfn >= arena.dataStart && !arena.isFreeFrame(pfn)) {
        return new FrameError('DOUBLE_FREE', `freeMany: frame ${pfn} is listed twice`, {
          op: 'freeMany',
          pfn,
        });
      }
    }
    return this.#misuse('freeMany', pfn, false);
  }
}

/** Ranges as `[start, end)` with touching ones joined (they share an arena). */
function joinTouching(ranges: readonly FrameRange[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last !== undefined && last.end === r.start) last.end = r.start + r.count;
    else out.push({ start: r.start, end: r.start + r.count });
  }
  return out;
}
