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
import { CHUNK_MASK, CHUNK_SHIFT, EntryTable } from './entry-table';
import { forEachFreeRunIn } from './free-run-scan';
import {
  ALL_FIELDS,
  bitOf,
  FIELDS_PER_ENTRY,
  FRAMES_PER_ENTRY,
  FRAMES_PER_FIELD,
  FREE_2M,
  FULL_FIELD,
  fieldOf,
  LOW,
  lowestBit,
  NOT_2M,
  ON_2M,
  ON_4K,
  PARTIAL,
  SPLIT,
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
 * mode (4 KiB: `NOT_2M` with `has_pages != 0`; 2 MiB: `FREE_2M`). An entry whose mode changed
 * stays linked where it was until that list is popped past it (the seed's lazy cleanup), and
 * the `ON_*` flags keep a push from linking it twice.
 *
 * Each 2 MiB list is its linked entries followed by a *tail*: on a full start every whole
 * entry is on its list in ascending order, which is kept as a range of entries (`#tailFrom`,
 * `#tailTo`: those in it flagged `ON_2M`) rather than written as links, and popped from its
 * low end once the linked part is empty. Entries pushed later are linked in front, so the
 * list reads exactly as the seed's would.
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
  /** Per local entry (flat): SPLIT, PARTIAL, LOW, ON_4K, ON_2M, FREE_2M. */
  readonly #flags: Uint8Array = new Uint8Array(0);
  /**
   * Slot = entry (a full start, or pools grown to a full table's): no chunks to look up. Else
   * per chunk of 32 entries: its first slot, or -1 (no slots: nothing free, nothing linked).
   */
  #identity = false;
  #base: Int32Array = new Int32Array(0);
  // The table's pools, indexed by slot (`#base[e >>> 5] + (e & 31)`): re-read when a chunk gets slots.
  #fields: Int32Array = new Int32Array(0);
  #has: Uint16Array = new Uint16Array(0);
  #full: Uint16Array = new Uint16Array(0);
  #next4k: Int32Array = new Int32Array(0);
  #next2m: Int32Array = new Int32Array(0);
  readonly #heads = new Int32Array(4).fill(-1);
  /** Per list: its tail `[#tailFrom, #tailTo)` of local entries (2 MiB lists of a full start; empty otherwise). */
  readonly #tailFrom = new Int32Array(4);
  readonly #tailTo = new Int32Array(4);
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
   * every other entry a partial 4 KiB entry with no free frame. An empty start writes the flags
   * of its low entries and its ranges' edges only, and gives no entry slots: a chunk of entries
   * gets them when a frame is first freed into it.
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
    this.#flags = table.flags;
    this.#wholeCount = table.fill(map, ranges, lowLimit, empty);
    this.#pools();
    const firstHigh = map.countBelow(lowLimit / FRAMES_PER_ENTRY);
    this.#firstHigh = firstHigh;
    const count = table.count;
    this.#whole = new EntrySet(count);
    this.#hasFree = new EntrySet(count);
    if (empty) {
      // Every whole entry an allocated 2 MiB page, every other entry without a free frame: what
      // flags of 0 and a chunk without slots say.
      this.#free = 0;
      return;
    }
    // Every entry has a free frame. Each list starts with its lowest entry (frames go out lowest
    // first), as pushing every entry from the top would link them: the whole entries (flagged
    // ON_2M by `fill`) are the 2 MiB lists' tails; the partial ones are pushed from the top.
    this.#hasFree.addAll(count);
    this.#whole.addAll(count);
    const partial = table.partial;
    for (const e of partial) this.#whole.delete(e);
    this.#tailTo[LOW_2M] = firstHigh;
    this.#tailFrom[HIGH_2M] = firstHigh;
    this.#tailTo[HIGH_2M] = count;
    // A full table: slot = entry.
    for (let i = partial.length - 1; i >= 0; i--) this.#push4k(partial[i], partial[i]);
  }

  /** Re-reads the table's pools (after `fill`, and after a chunk got slots: the pools may have grown). */
  #pools(): void {
    const t = this.#table;
    this.#identity = t.identity;
    this.#base = t.base;
    this.#fields = t.fields;
    this.#has = t.hasPages;
    this.#full = t.fullPages;
    this.#next4k = t.next4k;
    this.#next2m = t.next2m;
  }

  /** The slot of entry `e`, whose chunk has slots (it has a free frame, or is linked). */
  #slot(e: number): number {
    return this.#identity ? e : this.#base[e >>> CHUNK_SHIFT] + (e & CHUNK_MASK);
  }

  /** The slot of entry `e`, giving its chunk slots first if it has none (a frame is being freed into it). */
  #slotForFree(e: number): number {
    if (this.#identity) return e;
    const c = e >>> CHUNK_SHIFT;
    let b = this.#base[c];
    if (b < 0) {
      b = this.#table.materialize(c, this.#holdsNothing);
      this.#pools();
    }
    return b + (e & CHUNK_MASK);
  }

  /** The slot of entry `e`, or -1 when its chunk has none. */
  #slotOrNone(e: number): number {
    if (this.#identity) return e;
    const b = this.#base[e >>> CHUNK_SHIFT];
    return b < 0 ? -1 : b + (e & CHUNK_MASK);
  }

  /** Page field `field` of 4 KiB-mode entry `e` (0 in a chunk without slots: nothing there is free). */
  #fieldOf(e: number, field: number): number {
    if (this.#identity) return this.#fields[e * FIELDS_PER_ENTRY + field];
    const b = this.#base[e >>> CHUNK_SHIFT];
    return b < 0 ? 0 : this.#fields[(b + (e & CHUNK_MASK)) * FIELDS_PER_ENTRY + field];
  }

  /** No entry of chunk `k` has a free frame (a chunk is one word of the has-free set): its slots may go. */
  readonly #holdsNothing = (k: number): boolean => this.#hasFree.noneInWord(k);

  // ---- allocation ----------------------------------------------------------------------

  alloc(): Pfn {
    // `#entryToTake`, written out: one call level fewer keeps `alloc` inside V8's inlining
    // budget in a caller's loop (measured: 20.2 vs 21.8 ns per alloc + free through the helper).
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

  /**
   * The entry the next single frame comes from, or -1: partly used entries first, then a 2 MiB
   * entry to split (popped off its list); low memory only when high is gone.
   */
  #entryToTake(): number {
    let e = this.#peek4k(HIGH_4K);
    if (e < 0) {
      e = this.#pop2m(HIGH_2M);
      if (e < 0) {
        e = this.#peek4k(LOW_4K);
        if (e < 0) e = this.#pop2m(LOW_2M);
      }
    }
    return e;
  }

  allocMany(out: PfnArray, count: number): boolean {
    checkBatch('allocMany', out, count);
    // Every free frame is reachable from a list, so the count alone decides all-or-nothing.
    if (count > this.#free) return false;
    // The frames `alloc` would hand out one by one: the entry it takes from stays its choice
    // until it has no free frame, so each entry gives its frames lowest first, a field word at
    // a time, with its bookkeeping written once per word.
    let k = 0;
    while (k < count) k = this.#takeFrames(this.#entryToTake(), out, k, count);
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
    const e = this.#map.locate(pfn);
    // The common case checked and done in one pass: a handed-out frame of a 4 KiB entry that
    // has a slot (whole, or ours in a partial entry). Anything else goes the checked way.
    if (e >= 0) {
      const flags = this.#flags[e];
      const s = this.#slotOrNone(e);
      if ((flags & NOT_2M) !== 0 && s >= 0) {
        const field = fieldOf(pfn);
        const w = s * FIELDS_PER_ENTRY + field;
        const word = this.#fields[w];
        const bit = 1 << bitOf(pfn);
        if ((word & bit) === 0 && ((flags & PARTIAL) === 0 || this.#isOurs(pfn))) {
          this.#freeAt(e, s, field, w, word | bit);
          return;
        }
      }
    }
    this.#release(this.#checkSingle('free', pfn, false), pfn);
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
      if (e >= 0 && (pfn & 511) === 0 && (this.#flags[e] & (NOT_2M | FREE_2M)) === 0) {
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
      if ((flags & SPLIT) !== 0) throw this.#splitEntryError(e, pfn);
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
    const flags = this.#flags[e];
    if ((flags & NOT_2M) === 0) return (flags & FREE_2M) !== 0;
    return (this.#fieldOf(e, fieldOf(pfn)) & (1 << bitOf(pfn))) !== 0;
  }

  /**
   * The lowest frame of `[pfn, pfn + count)` that is not handed out here (free, a hole, or
   * another allocator's), or `NO_FRAME`; changes nothing. Our ranges are joined where they
   * touch, so the run is ours from `pfn` up to the end of the range holding it, and the frame at
   * that end is not ours: only the frames before it are scanned for a free one, an entry at a
   * time (`#firstFreeIn`), never frame by frame.
   */
  firstNotAllocated(pfn: Pfn, count: number): Pfn {
    checkRun('firstNotAllocated', this.space, pfn, count);
    const i = this.#rangeIndex(pfn);
    // `pfn` itself is a hole or another allocator's frame.
    if (i < 0 || pfn >= this.#rangeEnds[i]) return pfn;
    const end = pfn + count;
    // The first frame of the run that is not ours, or `end`.
    const oursEnd = Math.min(end, this.#rangeEnds[i]);
    const free = this.#firstFreeIn(pfn, oursEnd);
    if (free >= 0) return free;
    return oursEnd < end ? oursEnd : NO_FRAME;
  }

  /**
   * The lowest free frame of frames `[from, to)`, or -1. Every frame there is ours, so the run's
   * entries are consecutive local entries. A 2 MiB entry answers from its flags alone (free:
   * its first frame asked about; handed out: skipped); a 4 KiB entry is read a field at a time.
   */
  #firstFreeIn(from: number, to: number): number {
    let e = this.#map.locate(from);
    let entryStart = from - (from % FRAMES_PER_ENTRY);
    let start = from;
    while (start < to) {
      const entryEnd = entryStart + FRAMES_PER_ENTRY;
      const flags = this.#flags[e];
      if ((flags & NOT_2M) === 0) {
        if ((flags & FREE_2M) !== 0) return start;
      } else {
        const found = this.#firstFreeInEntry(e, entryStart, start, Math.min(to, entryEnd));
        if (found >= 0) return found;
      }
      e++;
      entryStart = entryEnd;
      start = entryEnd;
    }
    return -1;
  }

  /**
   * The lowest free frame of frames `[from, to)` inside 4 KiB-mode entry `e` (whose first frame is
   * `entryStart`), or -1: only the fields that `has_pages` says hold a free frame are read, a
   * 32-frame word each, with the frames before `from` and from `to` on masked off.
   */
  #firstFreeInEntry(e: number, entryStart: number, from: number, to: number): number {
    const s = this.#slotOrNone(e);
    // A chunk without slots has no free frame.
    if (s < 0) return -1;
    const firstField = fieldOf(from);
    const lastField = fieldOf(to - 1);
    // The fields from `firstField` to `lastField`; of those, the ones that hold a free frame.
    const fieldsAsked = (ALL_FIELDS << firstField) & (ALL_FIELDS >>> (FIELDS_PER_ENTRY - 1 - lastField));
    let fieldsLeft = this.#has[s] & fieldsAsked;
    while (fieldsLeft !== 0) {
      const field = lowestBit(fieldsLeft);
      let word = this.#fields[s * FIELDS_PER_ENTRY + field];
      if (field === firstField) word &= -1 << bitOf(from);
      if (field === lastField) word &= -1 >>> (31 - bitOf(to - 1));
      if (word !== 0) return entryStart + field * FRAMES_PER_FIELD + lowestBit(word);
      fieldsLeft &= fieldsLeft - 1;
    }
    return -1;
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
        this.#tailFrom.byteLength +
        this.#tailTo.byteLength +
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
    // A 2 MiB entry's fields and has_pages are all set, as in the seed, whether written yet or not;
    // its full_pages says free (0xFFFF) or handed out (0).
    const is2m = (flags & NOT_2M) === 0;
    const fields: number[] = [];
    for (let i = 0; i < FIELDS_PER_ENTRY; i++)
      fields.push(is2m ? FULL_FIELD >>> 0 : this.#fieldOf(e, i) >>> 0);
    const s = this.#table.slotOf(e);
    const next4k = (flags & ON_4K) !== 0 ? this.#next4k[this.#slot(e)] : -1;
    const next2m = (flags & ON_2M) !== 0 ? this.#nextOn2m((flags & LOW) !== 0 ? LOW_2M : HIGH_2M, e) : -1;
    return {
      entry: this.#map.globalOf(e),
      firstFrame: this.#map.globalOf(e) * FRAMES_PER_ENTRY,
      fields,
      hasPages: is2m ? ALL_FIELDS : s < 0 ? 0 : this.#has[s],
      fullPages: is2m ? ((flags & FREE_2M) !== 0 ? ALL_FIELDS : 0) : s < 0 ? 0 : this.#full[s],
      is2m,
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
    const out: number[] = [];
    if (index % 2 === 0) {
      for (let e = this.#heads[index]; e >= 0; e = this.#next4k[this.#slot(e)])
        out.push(this.#map.globalOf(e));
    } else {
      for (let e = this.#heads[index]; e >= 0; e = this.#nextOn2m(index, e)) out.push(this.#map.globalOf(e));
      if (this.#heads[index] < 0) {
        for (let e = this.#tailEntry(index, this.#tailFrom[index]); e >= 0; e = this.#nextOn2m(index, e))
          out.push(this.#map.globalOf(e));
      }
    }
    return out;
  }

  /** The entry after `e` (linked on 2 MiB list `list`) on that list: its link, else the tail's next. */
  #nextOn2m(list: number, e: number): number {
    const from = this.#tailFrom[list];
    const to = this.#tailTo[list];
    // In the tail: the next tail entry. Linked in front: its link, and after the last the tail.
    if (e >= from && e < to) return this.#tailEntry(list, e + 1);
    const next = this.#next2m[this.#slot(e)];
    return next >= 0 ? next : this.#tailEntry(list, from);
  }

  /** The first entry of list `list`'s tail at or after `e`, or -1 (the tail's entries are flagged ON_2M). */
  #tailEntry(list: number, e: number): number {
    const to = this.#tailTo[list];
    const flags = this.#flags;
    while (e < to && (flags[e] & ON_2M) === 0) e++;
    return e < to ? e : -1;
  }

  // ---- the lists -----------------------------------------------------------------------

  /** The first entry of a 4 KiB list that has a free frame, dropping stale entries on the way. */
  #peek4k(list: number): number {
    let e = this.#heads[list];
    while (e >= 0) {
      const s = this.#slot(e);
      if ((this.#flags[e] & NOT_2M) !== 0 && this.#has[s] !== 0) return e;
      e = this.#drop4k(list, e, s);
    }
    return -1;
  }

  /** Lazy cleanup: unlinks head `e` (slot `s`) of a 4 KiB list, merged or emptied since it was linked; returns the next head. */
  #drop4k(list: number, e: number, s: number): number {
    const next = this.#next4k[s];
    this.#heads[list] = next;
    this.#flags[e] &= ~ON_4K;
    return next;
  }

  /** Unlinks and returns the first wholly free entry of a 2 MiB list, dropping stale ones. */
  #pop2m(list: number): number {
    const e = this.#heads[list];
    if (e >= 0) {
      this.#heads[list] = this.#next2m[this.#slot(e)];
      const f = this.#flags[e] & ~ON_2M;
      this.#flags[e] = f;
      if ((f & FREE_2M) !== 0) return e;
    }
    return this.#pop2mSlow(list);
  }

  /** `#pop2m` past its first linked entry: stale entries dropped, then the tail. */
  #pop2mSlow(list: number): number {
    const heads = this.#heads;
    const flags = this.#flags;
    for (;;) {
      let e = heads[list];
      if (e >= 0) heads[list] = this.#next2m[this.#slot(e)];
      else {
        // The linked part is empty: the tail's lowest entry (the tail skips what is not on it).
        e = this.#tailEntry(list, this.#tailFrom[list]);
        if (e < 0) {
          this.#tailFrom[list] = this.#tailTo[list];
          return -1;
        }
        this.#tailFrom[list] = e + 1;
      }
      const f = flags[e] & ~ON_2M;
      flags[e] = f;
      if ((f & FREE_2M) !== 0) return e;
      // Lazy cleanup: split into 4 KiB frames, or handed out by a `below` search, since it was linked.
    }
  }

  /** Links entry `e` (slot `s`) on its 4 KiB list, unless it is linked there. */
  #push4k(e: number, s: number): void {
    const f = this.#flags[e];
    if ((f & ON_4K) !== 0) return;
    const list = (f & LOW) !== 0 ? LOW_4K : HIGH_4K;
    this.#next4k[s] = this.#heads[list];
    this.#heads[list] = e;
    this.#flags[e] = f | ON_4K;
  }

  /** Links entry `e` (slot `s`) in front of its 2 MiB list, unless it is on it. */
  #push2m(e: number, s: number): void {
    const f = this.#flags[e];
    if ((f & ON_2M) !== 0) return;
    const list = (f & LOW) !== 0 ? LOW_2M : HIGH_2M;
    this.#next2m[s] = this.#heads[list];
    this.#heads[list] = e;
    this.#flags[e] = f | ON_2M;
  }

  // ---- entry state changes ---------------------------------------------------------------

  /** Hands out the lowest free frame of entry `e`, splitting it first if it is a free 2 MiB page. */
  #takeFrame(e: number): Pfn {
    // From a list or the has-free set: its chunk has slots.
    const s = this.#slot(e);
    if ((this.#flags[e] & NOT_2M) === 0) this.#split(e, s);
    const has = this.#has[s];
    const field = lowestBit(has);
    const w = s * FIELDS_PER_ENTRY + field;
    const word = this.#fields[w];
    const bit = word & -word;
    const rest = word ^ bit;
    this.#fields[w] = rest;
    this.#full[s] &= ~(1 << field);
    if (rest === 0) {
      const left = has & ~(1 << field);
      this.#has[s] = left;
      // Still linked on its 4 KiB list; the next peek drops it.
      if (left === 0) this.#hasFree.delete(e);
    }
    this.#free--;
    return this.#map.globalOf(e) * FRAMES_PER_ENTRY + field * FRAMES_PER_FIELD + (31 - Math.clz32(bit));
  }

  /**
   * `#takeFrame` until entry `e` has no free frame or `out` holds `count`: frames go to `out` from
   * index `k`, lowest first; returns the index after the last.
   */
  #takeFrames(e: number, out: PfnArray, k: number, count: number): number {
    const s = this.#slot(e);
    if ((this.#flags[e] & NOT_2M) === 0) this.#split(e, s);
    const head = this.#map.globalOf(e) * FRAMES_PER_ENTRY;
    const fields = this.#fields;
    let has = this.#has[s];
    let i = k;
    while (i < count && has !== 0) {
      const field = lowestBit(has);
      const w = s * FIELDS_PER_ENTRY + field;
      const first = head + field * FRAMES_PER_FIELD;
      let word = fields[w];
      while (i < count && word !== 0) {
        // `| 0`: 32-bit arithmetic, which never overflows to a double (see `lowestBit`).
        const bit = word & ((0 - word) | 0);
        out[i++] = first + (31 - Math.clz32(bit));
        word ^= bit;
      }
      fields[w] = word;
      this.#full[s] &= ~(1 << field);
      if (word === 0) has &= ~(1 << field);
    }
    this.#has[s] = has;
    // Still linked on its 4 KiB list when emptied; the next peek drops it.
    if (has === 0) this.#hasFree.delete(e);
    this.#free -= i - k;
    return i;
  }

  /** Splits free 2 MiB entry `e` (slot `s`) into 4 KiB frames, every one free as the seed keeps them (its slot may hold anything). */
  #split(e: number, s: number): void {
    this.#flags[e] = (this.#flags[e] & ~FREE_2M) | SPLIT;
    this.#whole.delete(e);
    this.#wholeCount--;
    this.#push4k(e, s);
    this.#setFields(s);
    this.#has[s] = ALL_FIELDS;
    this.#full[s] = ALL_FIELDS;
  }

  /** Hands out wholly free entry `e` as a 2 MiB page: as in the seed, only its 2 MiB state changes. */
  #take2m(e: number): Pfn {
    this.#flags[e] &= ~FREE_2M;
    this.#whole.delete(e);
    this.#hasFree.delete(e);
    this.#wholeCount--;
    this.#free -= FRAMES_PER_ENTRY;
    return this.#map.globalOf(e) * FRAMES_PER_ENTRY;
  }

  /**
   * Sets every field bit of the 2 MiB entry in slot `s`, unless they are set: in the seed they
   * are, for a free 2 MiB page and one handed out, but a start leaves the fields of whole entries
   * unwritten, and a chunk's slots come zeroed. Until the entry is split (the one place that
   * reads them) they are all set or all clear, so the first word tells.
   */
  #setFields(s: number): void {
    const base = s * FIELDS_PER_ENTRY;
    if (this.#fields[base] !== FULL_FIELD) this.#fields.fill(FULL_FIELD, base, base + FIELDS_PER_ENTRY);
  }

  /** Returns 2 MiB page `e` (checked): free again, and on the 2 MiB list (its chunk gets slots for the link). */
  #release2m(e: number): void {
    const s = this.#slotForFree(e);
    this.#flags[e] |= FREE_2M;
    this.#whole.add(e);
    this.#hasFree.add(e);
    this.#wholeCount++;
    this.#free += FRAMES_PER_ENTRY;
    this.#push2m(e, s);
  }

  /** Frees frame `pfn` of 4 KiB-mode entry `e` (checked), merging the entry when it becomes whole. */
  #release(e: number, pfn: Pfn): void {
    const s = this.#slotForFree(e);
    const field = fieldOf(pfn);
    const w = s * FIELDS_PER_ENTRY + field;
    this.#freeAt(e, s, field, w, this.#fields[w] | (1 << bitOf(pfn)));
  }

  /** Writes `word`, field `field` (word `w`) of entry `e` in slot `s` with one more frame free. */
  #freeAt(e: number, s: number, field: number, w: number, word: number): void {
    const has = this.#has[s];
    this.#fields[w] = word;
    this.#has[s] = has | (1 << field);
    this.#free++;
    if (has === 0) {
      this.#hasFree.add(e);
      this.#push4k(e, s);
    }
    if (word === -1) this.#fieldFull(e, s, field);
  }

  /** Field `field` of entry `e` (slot `s`) became all free: when the whole entry is, it merges. */
  #fieldFull(e: number, s: number, field: number): void {
    const full = this.#full[s] | (1 << field);
    this.#full[s] = full;
    if (full === ALL_FIELDS) {
      // Merge: the entry is a free 2 MiB page again. It stays on the 4 KiB list until popped.
      this.#flags[e] = (this.#flags[e] & ~SPLIT) | FREE_2M;
      this.#whole.add(e);
      this.#wholeCount++;
      this.#push2m(e, s);
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
    if ((this.#flags[e] & NOT_2M) !== 0) {
      const s = this.#slot(e);
      const field = lowestBit(this.#has[s]);
      pfn += field * FRAMES_PER_FIELD + lowestBit(this.#fields[s * FIELDS_PER_ENTRY + field]);
    }
    return pfn < below ? e : -1;
  }

  // ---- misuse --------------------------------------------------------------------------

  /** The local entry of `pfn`, a single frame that is ours and handed out; else throws. */
  #checkSingle(op: string, pfn: Pfn, inRun: boolean): number {
    const e = this.#map.locate(pfn);
    // The common case in few bytecodes (V8 inlines small callees into a caller's loop): a frame
    // of a 4 KiB entry, handed out (its bit clear), in a whole entry or ours in a partial one.
    if (e >= 0) {
      const flags = this.#flags[e];
      if (
        (flags & NOT_2M) !== 0 &&
        (this.#fieldOf(e, fieldOf(pfn)) & (1 << bitOf(pfn))) === 0 &&
        ((flags & PARTIAL) === 0 || this.#isOurs(pfn))
      )
        return e;
    }
    throw this.#singleError(op, pfn, inRun, e);
  }

  /** Why `#checkSingle` refused `pfn` (of local entry `e`, or -1). */
  #singleError(op: string, pfn: Pfn, inRun: boolean, e: number): FrameError {
    if (e < 0) return this.#notOurs(op, pfn);
    const flags = this.#flags[e];
    if ((flags & NOT_2M) === 0) {
      if ((flags & FREE_2M) !== 0) return freeError(op, this.space, pfn, inRun);
      const start = this.#map.globalOf(e) * FRAMES_PER_ENTRY;
      return new FrameError(
        'NOT_ALLOCATED',
        `${op}: frame ${pfn} was not handed out alone: it is part of the 2 MiB page at ${start}; free that with freeRun(${start}, 512)`,
        { op, pfn, run: start },
      );
    }
    if ((this.#fieldOf(e, fieldOf(pfn)) & (1 << bitOf(pfn))) !== 0)
      return freeError(op, this.space, pfn, inRun);
    // A clear bit in a partial entry that is not ours: a hole rather than a handed-out frame.
    return this.#notOurs(op, pfn);
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
    for (let i = 0; i < FIELDS_PER_ENTRY; i++) {
      const word = this.#fieldOf(e, i);
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
