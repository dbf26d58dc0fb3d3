import {
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
  checkNoDuplicates,
  checkRun,
  freeError,
  lastAtOrBelow,
  readAlign,
  readBelow,
  unsupported,
} from '@framekit/core/plugin';
import type { EntrySnapshot, Hier2mAllocator, Hier2mList, Hier2mStats } from './api';
import { EntryMap } from './entry-map';
import { EntrySet } from './entry-set';
import { EntryTable } from './entry-table';
import { forEachFreeRunIn } from './free-run-scan';
import {
  ALL_FIELDS,
  bitOf,
  FIELDS_PER_ENTRY,
  FRAMES_PER_ENTRY,
  FRAMES_PER_FIELD,
  FULL_FIELD,
  fieldOf,
  IS_2M,
  LOW,
  lowestBit,
  ON_2M,
  ON_4K,
  PARTIAL,
} from './layout';
import { HIER2M_CAPABILITIES } from './options';

/** List heads, indexed `(LOW ? 2 : 0) + (2 MiB list ? 1 : 0)`. */
const HIGH_4K = 0;
const HIGH_2M = 1;
const LOW_4K = 2;
const LOW_2M = 3;
const LIST_INDEX: Record<Hier2mList, number> = {
  high4k: HIGH_4K,
  high2m: HIGH_2M,
  low4k: LOW_4K,
  low2m: LOW_2M,
};

const NAME = 'hier2m';

/**
 * The Z903 two-layer allocator. Every entry with a free frame is linked on the list for its
 * mode (4 KiB: `!IS_2M` with `has_pages != 0`; 2 MiB: `IS_2M` with `full_pages == 0xFFFF`).
 * An entry whose mode changed stays linked where it was until that list is popped past it
 * (the seed's lazy cleanup), and the `ON_*` flags keep a push from linking it twice.
 */
export class Hier2m implements Hier2mAllocator {
  readonly name = NAME;
  readonly capabilities = HIER2M_CAPABILITIES;
  readonly space: FrameSpace;
  readonly ranges: readonly FrameRange[];
  // The fields start with a value of their final type (not `undefined`, as a declared field
  // without one does): V8 then knows the arrays' classes and keeps the numbers unboxed.
  readonly lowLimit: number = 0;

  readonly #map: EntryMap;
  readonly #table: EntryTable;
  readonly #fields: Int32Array = new Int32Array(0);
  readonly #has: Uint16Array = new Uint16Array(0);
  readonly #full: Uint16Array = new Uint16Array(0);
  readonly #flags: Uint8Array = new Uint8Array(0);
  readonly #next4k: Int32Array = new Int32Array(0);
  readonly #next2m: Int32Array = new Int32Array(0);
  readonly #heads = new Int32Array(4).fill(-1);
  /** Entries that are wholly free 2 MiB pages; and entries with any free frame. For `below` searches. */
  readonly #whole: EntrySet;
  readonly #hasFree: EntrySet;
  /** Our ranges, touching ones joined, for "is this frame ours" in partial entries. */
  readonly #rangeStarts: Float64Array = new Float64Array(0);
  readonly #rangeEnds: Float64Array = new Float64Array(0);
  /** Local entries below this one are LOW. */
  readonly #firstHigh: number = 0;
  /** One past our highest frame: a `below` at or above it constrains nothing. */
  readonly #topEnd: number = 0;
  readonly #total: number = 0;
  #free: number = 0;
  #wholeCount: number = 0;

  /**
   * `empty`: every frame starts in use (a router's cache, filled only by what is freed to it):
   * each entry wholly ours is an allocated 2 MiB page (so a 2 MiB block can be freed into it),
   * every other entry a partial 4 KiB entry with no free frame. Same cost as a full start.
   */
  constructor(space: FrameSpace, ranges: readonly FrameRange[], lowLimit: number, empty = false) {
    this.space = space;
    this.ranges = ranges;
    this.lowLimit = lowLimit;
    const starts: number[] = [];
    const ends: number[] = [];
    let total = 0;
    for (const r of ranges) {
      total += r.count;
      if (ends.length > 0 && ends[ends.length - 1] === r.start) ends[ends.length - 1] += r.count;
      else {
        starts.push(r.start);
        ends.push(r.start + r.count);
      }
    }
    this.#rangeStarts = Float64Array.from(starts);
    this.#rangeEnds = Float64Array.from(ends);
    this.#topEnd = ends.length > 0 ? ends[ends.length - 1] : 0;
    this.#total = total;
    this.#free = total;

    const map = new EntryMap(ranges);
    const table = new EntryTable(map);
    this.#map = map;
    this.#table = table;
    this.#fields = table.fields;
    this.#has = table.hasPages;
    this.#full = table.fullPages;
    this.#flags = table.flags;
    this.#next4k = table.next4k;
    this.#next2m = table.next2m;
    this.#wholeCount = table.fill(map, ranges, lowLimit, empty);
    this.#firstHigh = map.countBelow(lowLimit / FRAMES_PER_ENTRY);
    this.#whole = new EntrySet(table.count);
    this.#hasFree = new EntrySet(table.count);
    if (empty) {
      // The table starts empty: each whole entry an allocated 2 MiB page (`full_pages == 0`,
      // its fields never written; `#release2m` writes them), every other entry without a free bit.
      this.#free = 0;
      return;
    }
    // Push from the top so each list starts with its lowest entry: frames go out lowest first.
    for (let e = table.count - 1; e >= 0; e--) {
      this.#hasFree.add(e);
      if ((this.#flags[e] & IS_2M) !== 0) {
        this.#whole.add(e);
        this.#push2m(e);
      } else this.#push4k(e);
    }
  }

  // ---- allocation ----------------------------------------------------------------------

  alloc(): Pfn {
    // Partly used entries first, then split a 2 MiB entry; low memory only when high is gone.
    let e = this.#peek4k(HIGH_4K);
    if (e < 0) {
      e = this.#pop2m(HIGH_2M);
      if (e < 0) {
        e = this.#peek4k(LOW_4K);
        if (e < 0) {
          e = this.#pop2m(LOW_2M);
          if (e < 0) return NO_FRAME;
        }
      }
    }
    return this.#takeFrame(e);
  }

  allocMany(out: PfnArray, count: number): boolean {
    checkBatch('allocMany', out, count);
    // Every free frame is reachable from a list, so the count alone decides all-or-nothing.
    if (count > this.#free) return false;
    for (let i = 0; i < count; i++) out[i] = this.alloc();
    return true;
  }

  allocRun(count: number, options?: RunOptions): Pfn {
    // The shape this allocator serves, asked plainly: the general checks below would all pass.
    if (count === FRAMES_PER_ENTRY && options?.align === FRAMES_PER_ENTRY && options.below === undefined) {
      let e = this.#pop2m(HIGH_2M);
      if (e < 0) e = this.#pop2m(LOW_2M);
      return e < 0 ? NO_FRAME : this.#take2m(e);
    }
    return this.#allocRunChecked(count, options);
  }

  /**
   * `allocRun` of any other request, checked. Kept out of `allocRun` so that its fast path stays
   * small: V8 inlines it whole into a caller's loop only while the caller's inlining budget
   * lasts (measured: 22 ns per 2 MiB alloc+free inlined, 39 ns when it was not).
   */
  #allocRunChecked(count: number, options?: RunOptions): Pfn {
    checkCount('allocRun', count);
    const align = readAlign('allocRun', options);
    const below = readBelow('allocRun', options);
    if (count !== FRAMES_PER_ENTRY || align !== FRAMES_PER_ENTRY) {
      throw unsupported(
        NAME,
        'allocRun',
        `only 2 MiB pages, allocRun(512, { align: 512 }); not ${count} frames aligned to ${align}`,
      );
    }
    const e = this.#findWhole(below);
    return e < 0 ? NO_FRAME : this.#take2m(e);
  }

  allocBelow(below: number): Pfn {
    if (!Number.isSafeInteger(below) || below < 0) readBelow('allocBelow', { below });
    if (below >= this.#topEnd) return this.alloc();
    const lowLimit = this.lowLimit;
    // Entries that start below `below` may hold a fitting frame.
    const bound = this.#map.countBelow(Math.ceil(below / FRAMES_PER_ENTRY));
    let e: number;
    if (below < lowLimit) e = this.#lowestFrameEntry(0, bound, below);
    else {
      e = below > lowLimit ? this.#lowestFrameEntry(this.#firstHigh, bound, below) : -1;
      if (e < 0) {
        // Every frame on the low lists is below the limit, so any of them fits.
        e = this.#peek4k(LOW_4K);
        if (e < 0) e = this.#pop2m(LOW_2M);
      }
    }
    return e < 0 ? NO_FRAME : this.#takeFrame(e);
  }

  // ---- release -------------------------------------------------------------------------

  free(pfn: Pfn): void {
    const e = this.#checkSingle('free', pfn, false);
    this.#release(e, pfn);
  }

  freeMany(pfns: PfnArray, count: number): void {
    checkBatch('freeMany', pfns, count);
    for (let i = 0; i < count; i++) this.#checkSingle('freeMany', pfns[i], false);
    checkNoDuplicates('freeMany', pfns, count);
    for (let i = 0; i < count; i++) this.#release(this.#map.locate(pfns[i]), pfns[i]);
  }

  freeRun(pfn: Pfn, count: number): void {
    if (count === FRAMES_PER_ENTRY) {
      const e = this.#map.locate(pfn);
      // A 2 MiB page handed out (an integer frame, since it was located): the common case.
      if (
        e >= 0 &&
        (pfn & 511) === 0 &&
        (this.#flags[e] & (IS_2M | PARTIAL)) === IS_2M &&
        this.#full[e] === 0
      ) {
        this.#release2m(e);
        return;
      }
    }
    this.#freeRunChecked(pfn, count);
  }

  /** `freeRun` of anything but a 2 MiB page handed out: checked (see `#allocRunChecked`). */
  #freeRunChecked(pfn: Pfn, count: number): void {
    checkRun('freeRun', this.space, pfn, count);
    const e = this.#map.locate(pfn);
    const flags = e < 0 ? PARTIAL : this.#flags[e];
    if (count === FRAMES_PER_ENTRY && pfn % FRAMES_PER_ENTRY === 0 && (flags & PARTIAL) === 0) {
      // A whole entry, all ours, but not a 2 MiB page handed out.
      if ((flags & IS_2M) === 0) throw this.#splitEntryError(e, pfn);
      throw freeError('freeRun', this.space, pfn, true);
    }
    // A one-frame run is a single frame.
    if (count === 1) {
      this.#release(this.#checkSingle('freeRun', pfn, true), pfn);
      return;
    }
    this.#checkOursRun('freeRun', pfn, count);
    throw new FrameError(
      'NOT_ALLOCATED',
      `freeRun: [${pfn}, ${pfn + count}) was never handed out: hier2m gives single frames and 2 MiB pages (512 frames at a multiple of 512)`,
      { op: 'freeRun', pfn, count },
    );
  }

  // ---- queries -------------------------------------------------------------------------

  isFree(pfn: Pfn): boolean {
    const e = this.#map.locate(pfn);
    if (e < 0) return false;
    if ((this.#flags[e] & IS_2M) !== 0) return this.#full[e] === ALL_FIELDS;
    return (this.#fields[e * FIELDS_PER_ENTRY + fieldOf(pfn)] & (1 << bitOf(pfn))) !== 0;
  }

  free2MiBEntries(): number {
    return this.#wholeCount;
  }

  stats(): Hier2mStats {
    return {
      totalFrames: this.#total,
      freeFrames: this.#free,
      usedFrames: this.#total - this.#free,
      metadataBytes:
        this.#table.byteLength +
        this.#map.byteLength +
        this.#whole.byteLength +
        this.#hasFree.byteLength +
        this.#heads.byteLength +
        this.#rangeStarts.byteLength +
        this.#rangeEnds.byteLength,
      free2MiBEntries: this.#wholeCount,
      entries: this.#table.count,
    };
  }

  forEachFreeRun(visit: (start: Pfn, count: number) => void): void {
    forEachFreeRunIn(this.#map, this.#table, visit);
  }

  inspectEntry(pfn: Pfn): EntrySnapshot | undefined {
    const e = this.#map.locate(pfn);
    if (e < 0) return undefined;
    const flags = this.#flags[e];
    const fields: number[] = [];
    // A 2 MiB entry's fields are all set, as in the seed, whether written yet or not.
    const is2m = (flags & IS_2M) !== 0;
    for (let i = 0; i < FIELDS_PER_ENTRY; i++) {
      fields.push(is2m ? FULL_FIELD >>> 0 : this.#fields[e * FIELDS_PER_ENTRY + i] >>> 0);
    }
    const next4k = this.#next4k[e];
    const next2m = this.#next2m[e];
    return {
      entry: this.#map.globalOf(e),
      firstFrame: this.#map.globalOf(e) * FRAMES_PER_ENTRY,
      fields,
      hasPages: this.#has[e],
      fullPages: this.#full[e],
      is2m: (flags & IS_2M) !== 0,
      partial: (flags & PARTIAL) !== 0,
      low: (flags & LOW) !== 0,
      on4kList: (flags & ON_4K) !== 0,
      on2mList: (flags & ON_2M) !== 0,
      next4k: next4k < 0 ? -1 : this.#map.globalOf(next4k),
      next2m: next2m < 0 ? -1 : this.#map.globalOf(next2m),
    };
  }

  listEntries(list: Hier2mList): number[] {
    const index = LIST_INDEX[list];
    if (index === undefined) {
      throw new FrameError('INVALID_REQUEST', `listEntries: no list '${list}'`, { op: 'listEntries', list });
    }
    const next = index % 2 === 0 ? this.#next4k : this.#next2m;
    const out: number[] = [];
    for (let e = this.#heads[index]; e >= 0; e = next[e]) out.push(this.#map.globalOf(e));
    return out;
  }

  // ---- the lists -----------------------------------------------------------------------

  /** The first entry of a 4 KiB list that has a free frame, dropping stale entries on the way. */
  #peek4k(list: number): number {
    const heads = this.#heads;
    const flags = this.#flags;
    const has = this.#has;
    const next = this.#next4k;
    let e = heads[list];
    while (e >= 0) {
      if ((flags[e] & IS_2M) === 0 && has[e] !== 0) return e;
      // Lazy cleanup: merged into a 2 MiB page, or emptied, since it was linked.
      heads[list] = next[e];
      next[e] = -1;
      flags[e] &= ~ON_4K;
      e = heads[list];
    }
    return -1;
  }

  /** Unlinks and returns the first wholly free entry of a 2 MiB list, dropping stale ones. */
  #pop2m(list: number): number {
    const heads = this.#heads;
    const flags = this.#flags;
    const full = this.#full;
    const next = this.#next2m;
    let e = heads[list];
    while (e >= 0) {
      heads[list] = next[e];
      next[e] = -1;
      const f = flags[e] & ~ON_2M;
      flags[e] = f;
      if ((f & IS_2M) !== 0 && full[e] === ALL_FIELDS) return e;
      // Lazy cleanup: split into 4 KiB frames, or handed out by a `below` search, since it was linked.
      e = heads[list];
    }
    return -1;
  }

  #push4k(e: number): void {
    const f = this.#flags[e];
    if ((f & ON_4K) !== 0) return;
    const list = (f & LOW) !== 0 ? LOW_4K : HIGH_4K;
    this.#next4k[e] = this.#heads[list];
    this.#heads[list] = e;
    this.#flags[e] = f | ON_4K;
  }

  #push2m(e: number): void {
    const f = this.#flags[e];
    if ((f & ON_2M) !== 0) return;
    const list = (f & LOW) !== 0 ? LOW_2M : HIGH_2M;
    this.#next2m[e] = this.#heads[list];
    this.#heads[list] = e;
    this.#flags[e] = f | ON_2M;
  }

  // ---- entry state changes ---------------------------------------------------------------

  /** Hands out the lowest free frame of entry `e`, splitting it first if it is a free 2 MiB page. */
  #takeFrame(e: number): Pfn {
    const flags = this.#flags[e];
    if ((flags & IS_2M) !== 0) {
      this.#flags[e] = flags & ~IS_2M;
      this.#whole.delete(e);
      this.#wholeCount--;
      this.#push4k(e);
      this.#setFields(e);
    }
    const has = this.#has[e];
    const field = lowestBit(has);
    const w = e * FIELDS_PER_ENTRY + field;
    const word = this.#fields[w];
    const bit = word & -word;
    const rest = word ^ bit;
    this.#fields[w] = rest;
    this.#full[e] &= ~(1 << field);
    if (rest === 0) {
      const left = has & ~(1 << field);
      this.#has[e] = left;
      // Still linked on its 4 KiB list; the next peek drops it.
      if (left === 0) this.#hasFree.delete(e);
    }
    this.#free--;
    return this.#map.globalOf(e) * FRAMES_PER_ENTRY + field * FRAMES_PER_FIELD + (31 - Math.clz32(bit));
  }

  /** Hands out wholly free entry `e` as a 2 MiB page: as in the seed, only `full_pages` changes. */
  #take2m(e: number): Pfn {
    this.#full[e] = 0;
    this.#whole.delete(e);
    this.#hasFree.delete(e);
    this.#wholeCount--;
    this.#free -= FRAMES_PER_ENTRY;
    return this.#map.globalOf(e) * FRAMES_PER_ENTRY;
  }

  /**
   * Sets every field bit of 2 MiB entry `e`, unless they are set: in the seed they are, for a
   * free 2 MiB page and one handed out, but a start leaves the fields of whole entries unwritten
   * (and so does an allocator that starts empty). A 2 MiB entry's fields are all set or all
   * clear (never written), so the first word tells. Called before a split reads them and when
   * a page comes back.
   */
  #setFields(e: number): void {
    const base = e * FIELDS_PER_ENTRY;
    if (this.#fields[base] !== FULL_FIELD) this.#fields.fill(FULL_FIELD, base, base + FIELDS_PER_ENTRY);
  }

  /** Returns 2 MiB page `e` (checked): `full_pages` back to 0xFFFF, and on the 2 MiB list. */
  #release2m(e: number): void {
    this.#setFields(e);
    this.#full[e] = ALL_FIELDS;
    this.#whole.add(e);
    this.#hasFree.add(e);
    this.#wholeCount++;
    this.#free += FRAMES_PER_ENTRY;
    this.#push2m(e);
  }

  /** Frees frame `pfn` of 4 KiB-mode entry `e` (checked), merging the entry when it becomes whole. */
  #release(e: number, pfn: Pfn): void {
    const field = fieldOf(pfn);
    const w = e * FIELDS_PER_ENTRY + field;
    const has = this.#has[e];
    const word = this.#fields[w] | (1 << bitOf(pfn));
    this.#fields[w] = word;
    this.#has[e] = has | (1 << field);
    this.#free++;
    if (has === 0) {
      this.#hasFree.add(e);
      this.#push4k(e);
    }
    if (word === -1) {
      const full = this.#full[e] | (1 << field);
      this.#full[e] = full;
      if (full === ALL_FIELDS) {
        // Merge: the entry is a free 2 MiB page again. It stays on the 4 KiB list until popped.
        this.#flags[e] |= IS_2M;
        this.#whole.add(e);
        this.#wholeCount++;
        this.#push2m(e);
      }
    }
  }

  // ---- searches ------------------------------------------------------------------------

  /** A wholly free entry ending at or below `below`, or -1. */
  #findWhole(below: number): number {
    if (below >= this.#topEnd) {
      const e = this.#pop2m(HIGH_2M);
      return e >= 0 ? e : this.#pop2m(LOW_2M);
    }
    const lowLimit = this.lowLimit;
    // Entries that end at or below `below`.
    const bound = this.#map.countBelow(Math.floor(below / FRAMES_PER_ENTRY));
    // Found by the bitmap, an entry is taken where it stands; its list drops it when popped.
    if (below < lowLimit) return this.#whole.findFirst(0, bound);
    if (below > lowLimit) {
      const e = this.#whole.findFirst(this.#firstHigh, bound);
      if (e >= 0) return e;
    }
    return this.#pop2m(LOW_2M);
  }

  /** The lowest entry in `[from, to)` with a free frame, if its lowest free frame is `< below`; else -1. */
  #lowestFrameEntry(from: number, to: number, below: number): number {
    const e = this.#hasFree.findFirst(from, to);
    if (e < 0) return -1;
    let pfn = this.#map.globalOf(e) * FRAMES_PER_ENTRY;
    if ((this.#flags[e] & IS_2M) === 0) {
      const field = lowestBit(this.#has[e]);
      pfn += field * FRAMES_PER_FIELD + lowestBit(this.#fields[e * FIELDS_PER_ENTRY + field]);
    }
    return pfn < below ? e : -1;
  }

  // ---- misuse --------------------------------------------------------------------------

  /** The local entry of `pfn`, a single frame that is ours and handed out; else throws. */
  #checkSingle(op: string, pfn: Pfn, inRun: boolean): number {
    const e = this.#map.locate(pfn);
    if (e < 0) throw this.#notOurs(op, pfn);
    const flags = this.#flags[e];
    if ((flags & IS_2M) !== 0) {
      if (this.#full[e] === ALL_FIELDS) throw freeError(op, this.space, pfn, inRun);
      const start = this.#map.globalOf(e) * FRAMES_PER_ENTRY;
      throw new FrameError(
        'NOT_ALLOCATED',
        `${op}: frame ${pfn} was not handed out alone: it is part of the 2 MiB page at ${start}; free that with freeRun(${start}, 512)`,
        { op, pfn, run: start },
      );
    }
    if ((this.#fields[e * FIELDS_PER_ENTRY + fieldOf(pfn)] & (1 << bitOf(pfn))) !== 0) {
      throw freeError(op, this.space, pfn, inRun);
    }
    // A clear bit in a partial entry may be a hole rather than a handed-out frame.
    if ((flags & PARTIAL) !== 0 && !this.#isOurs(pfn)) throw this.#notOurs(op, pfn);
    return e;
  }

  /** Throws unless every frame of `[pfn, pfn + count)` is in our ranges. */
  #checkOursRun(op: string, pfn: Pfn, count: number): void {
    const i = this.#rangeIndex(pfn);
    if (i < 0 || pfn >= this.#rangeEnds[i]) throw this.#notOurs(op, pfn);
    // Ranges are joined where they touch, so the frame after a range's end is not ours.
    if (pfn + count > this.#rangeEnds[i]) throw this.#notOurs(op, this.#rangeEnds[i]);
  }

  #isOurs(pfn: Pfn): boolean {
    const i = this.#rangeIndex(pfn);
    return i >= 0 && pfn < this.#rangeEnds[i];
  }

  /** The last of our ranges starting at or before `pfn`, or -1. */
  #rangeIndex(pfn: Pfn): number {
    return lastAtOrBelow(this.#rangeStarts, pfn);
  }

  /** The error for a frame that is not ours: invalid, out of the space, a hole, or another allocator's. */
  #notOurs(op: string, pfn: Pfn): FrameError {
    const error = freeError(op, this.space, pfn);
    if (error.code === 'NOT_USABLE') return error;
    return new FrameError('NOT_USABLE', `${op}: frame ${pfn} is not managed by this allocator`, { op, pfn });
  }

  /** The error for `freeRun(pfn, 512)` of an entry that was split into 4 KiB frames. */
  #splitEntryError(e: number, pfn: Pfn): FrameError {
    const base = e * FIELDS_PER_ENTRY;
    for (let i = 0; i < FIELDS_PER_ENTRY; i++) {
      const word = this.#fields[base + i];
      if (word !== 0)
        return freeError('freeRun', this.space, pfn + i * FRAMES_PER_FIELD + lowestBit(word), true);
    }
    return new FrameError(
      'NOT_ALLOCATED',
      `freeRun: the 2 MiB block at ${pfn} was split into 4 KiB frames, not handed out as one page; free its frames with free()`,
      { op: 'freeRun', pfn, count: FRAMES_PER_ENTRY },
    );
  }
}
