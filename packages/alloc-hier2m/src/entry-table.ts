import type { FrameRange } from '@framekit/core';
import type { EntryMap } from './entry-map';
import {
  FIELDS_PER_ENTRY,
  FRAMES_PER_ENTRY,
  FREE_2M,
  FULL_FIELD,
  LOW,
  ON_2M,
  ON_4K,
  PARTIAL,
} from './layout';

/*
 * The seed's `pmm_entry` array, one typed array per member (structure of arrays), in two
 * levels. Local entry `e` has its flags in one flat array; everything else lives in *slots* of
 * pooled arrays:
 *
 *   flags[e]            SPLIT, PARTIAL, LOW, ON_4K, ON_2M, FREE_2M (layout.ts): one byte an entry
 *   s                   the entry's slot: `e` itself in a full table; else
 *                       `base[e >> 5] + (e & 31)`, its chunk of 32 entries having slots, or none
 *   fields[s * 16 + i]  page field i: bit b set = frame (entry, i, b) is free
 *   hasPages[s]         bit i set = fields[i] != 0
 *   fullPages[s]        bit i set = fields[i] == 0xFFFFFFFF
 *   next4k[s], next2m[s] the two singly linked free lists (of local entry numbers), -1 ends a list
 *
 * An entry in 2 MiB mode is all in its flags (free or handed out); its fields and summaries
 * are all ones as the seed keeps them, written when it is first split. An entry in 4 KiB mode
 * in a chunk without slots has no free frame, and no entry there is linked on a list.
 *
 * A full start gives every entry its slot (slot = entry: a "full table"). A table that starts
 * empty (a router's cache) has no slots: a chunk of 32 entries gets them, zeroed, when a frame
 * is first freed into it, new ones from the top of the pools until they are full. Then every
 * chunk that holds nothing (no free frame, which its one word of the allocator's has-free set
 * says) and is linked nowhere gives its slots back; when that frees under a quarter of them, the
 * pools double too. So the pools stay within a few times the chunks that hold frames at once:
 * what the table holds, not the space it covers. Pools that would reach half of a full table
 * become the full table (slot = entry): never more than a full start costs.
 */

/** log2 of the entries per chunk: 32 entries (64 MiB of frames), one word of an `EntrySet`. */
export const CHUNK_SHIFT = 5;
export const CHUNK_ENTRIES = 1 << CHUNK_SHIFT;
export const CHUNK_MASK = CHUNK_ENTRIES - 1;

/**
 * Bytes per entry with a slot: 16 page fields (64), `has_pages` and `full_pages` (2 + 2),
 * flags (1), two links (4 + 4). The seed's packed entry is 77 bytes too: it spends 4 on a lock
 * and 2 + 2 on 16-bit links, which cap it at 32768 entries (64 GiB).
 */
export const BYTES_PER_ENTRY = FIELDS_PER_ENTRY * 4 + 2 + 2 + 1 + 4 + 4;

export class EntryTable {
  readonly count: number = 0;
  readonly chunks: number = 0;
  readonly flags: Uint8Array = new Uint8Array(0);
  /** Per chunk, in a table that is not full: its first slot, or -1 (no slots). */
  base: Int32Array = new Int32Array(0);
  // The pools: replaced when they grow, so a user re-reads them after `materialize`.
  fields: Int32Array = new Int32Array(0);
  hasPages: Uint16Array = new Uint16Array(0);
  fullPages: Uint16Array = new Uint16Array(0);
  next4k: Int32Array = new Int32Array(0);
  next2m: Int32Array = new Int32Array(0);
  /** Per chunk of slots (not full): the chunk of entries holding them, or -1. */
  #owner: Int32Array = new Int32Array(0);
  /** Chunks of slots given back (zeroed), a stack; those at or past `#top` were never given. */
  #spare: Int32Array = new Int32Array(0);
  #spareCount = 0;
  #top = 0;
  /** Slot = entry: a full start's table, or one whose pools grew to half of that. */
  #identity = false;
  /** After `fill`: the local entries that are not whole ("partial": they hold a range's edge), ascending. */
  partial: readonly number[] = [];

  constructor(map: EntryMap) {
    const n = map.count;
    this.count = n;
    this.chunks = Math.ceil(n / CHUNK_ENTRIES);
    this.flags = new Uint8Array(n);
  }

  /** Slot = entry (a full table). */
  get identity(): boolean {
    return this.#identity;
  }

  /** Slots in the pools. */
  get slots(): number {
    return this.hasPages.length;
  }

  get byteLength(): number {
    return (
      this.fields.byteLength +
      this.hasPages.byteLength +
      this.fullPages.byteLength +
      this.next4k.byteLength +
      this.next2m.byteLength +
      this.flags.byteLength +
      this.base.byteLength +
      this.#owner.byteLength +
      this.#spare.byteLength
    );
  }

  /** The slot of local entry `e`, or -1 when it has none. */
  slotOf(e: number): number {
    if (this.#identity) return e;
    const b = this.base[e >>> CHUNK_SHIFT];
    return b < 0 ? -1 : b + (e & CHUNK_MASK);
  }

  /**
   * Gives chunk `c` (without slots) zeroed slots and returns its base. `holdsNothing(k)`: no
   * entry of chunk `k` has a free frame (the allocator knows).
   */
  materialize(c: number, holdsNothing: (k: number) => boolean): number {
    if (this.#spareCount === 0 && this.#top === this.slots) this.#makeRoom(holdsNothing);
    // A full table: the chunk's own slots, zero while it had none.
    if (this.#identity) return c * CHUNK_ENTRIES;
    let b: number;
    if (this.#spareCount > 0) b = this.#spare[--this.#spareCount] * CHUNK_ENTRIES;
    else {
      b = this.#top;
      this.#top = b + CHUNK_ENTRIES;
    }
    this.base[c] = b;
    this.#owner[b >>> CHUNK_SHIFT] = c;
    return b;
  }

  /**
   * The pools are full: every chunk that holds nothing and is linked nowhere gives its slots
   * back (zeroed), and when that is under a quarter of them, the pools double (or become a full
   * table, at half of one), so sweeps come at most every quarter of the pools' worth of chunks.
   */
  #makeRoom(holdsNothing: (k: number) => boolean): void {
    const flags = this.flags;
    const used = this.#top >>> CHUNK_SHIFT;
    for (let p = 0; p < used; p++) {
      const k = this.#owner[p];
      if (k < 0 || !holdsNothing(k)) continue;
      // A stale entry still linked on a list needs its link: the chunk keeps its slots.
      const from = k * CHUNK_ENTRIES;
      const to = Math.min(this.count, from + CHUNK_ENTRIES);
      let linked = false;
      for (let e = from; e < to && !linked; e++) linked = (flags[e] & (ON_4K | ON_2M)) !== 0;
      if (linked) continue;
      const b = p * CHUNK_ENTRIES;
      this.base[k] = -1;
      this.#owner[p] = -1;
      this.fields.fill(0, b * FIELDS_PER_ENTRY, (b + CHUNK_ENTRIES) * FIELDS_PER_ENTRY);
      this.hasPages.fill(0, b, b + CHUNK_ENTRIES);
      this.fullPages.fill(0, b, b + CHUNK_ENTRIES);
      this.#spare[this.#spareCount++] = p;
    }
    if (this.#spareCount * 4 >= used && used > 0) return;
    const slots = Math.max(CHUNK_ENTRIES, this.slots * 2);
    if (slots * 2 >= this.count) this.#toIdentity();
    else this.#resize(slots);
  }

  /** Moves every chunk's slots to its own place in pools as large as a full start's. */
  #toIdentity(): void {
    const n = this.count;
    const fields = new Int32Array(n * FIELDS_PER_ENTRY);
    const has = new Uint16Array(n);
    const full = new Uint16Array(n);
    const next4k = new Int32Array(n);
    const next2m = new Int32Array(n);
    for (let k = 0; k < this.chunks; k++) {
      const b = this.base[k];
      if (b < 0) continue;
      const to = k * CHUNK_ENTRIES;
      const end = b + Math.min(CHUNK_ENTRIES, n - to);
      fields.set(this.fields.subarray(b * FIELDS_PER_ENTRY, end * FIELDS_PER_ENTRY), to * FIELDS_PER_ENTRY);
      has.set(this.hasPages.subarray(b, end), to);
      full.set(this.fullPages.subarray(b, end), to);
      next4k.set(this.next4k.subarray(b, end), to);
      next2m.set(this.next2m.subarray(b, end), to);
    }
    this.fields = fields;
    this.hasPages = has;
    this.fullPages = full;
    this.next4k = next4k;
    this.next2m = next2m;
    this.#becomeFull();
  }

  /** Slot = entry from now on: the chunks' bookkeeping goes. */
  #becomeFull(): void {
    this.#identity = true;
    this.base = new Int32Array(0);
    this.#owner = new Int32Array(0);
    this.#spare = new Int32Array(0);
    this.#spareCount = 0;
  }

  /** Pools of `slots` slots (a multiple of a chunk's, or every entry's), keeping their contents. */
  #resize(slots: number): void {
    const fields = new Int32Array(slots * FIELDS_PER_ENTRY);
    fields.set(this.fields);
    const has = new Uint16Array(slots);
    has.set(this.hasPages);
    const full = new Uint16Array(slots);
    full.set(this.fullPages);
    const next4k = new Int32Array(slots);
    next4k.set(this.next4k);
    const next2m = new Int32Array(slots);
    next2m.set(this.next2m);
    this.fields = fields;
    this.hasPages = has;
    this.fullPages = full;
    this.next4k = next4k;
    this.next2m = next2m;
    if (this.#identity) return;
    const chunks = slots >>> CHUNK_SHIFT;
    const owner = new Int32Array(chunks).fill(-1);
    owner.set(this.#owner);
    this.#owner = owner;
    const spare = new Int32Array(chunks);
    spare.set(this.#spare.subarray(0, this.#spareCount));
    this.#spare = spare;
  }

  /**
   * Sets every entry's flags, and for a full start (`empty` false) gives every chunk its slots
   * (slot = entry) and marks every frame of `ranges` free, a page field at a time (never frame by
   * frame). Returns the number of wholly free entries (0 when `empty`); `partial` lists the
   * entries that are not whole.
   *
   * An entry wholly inside one stretch of touching ranges is a 2 MiB page: free (on a full
   * start, its summaries say so and its fields are not written) or handed out (empty: nothing
   * written at all). Only the entries at the stretches' edges are looked at one by one, so a
   * start costs a few fills of typed arrays plus work per range, not a loop over the entries:
   * 1 TiB is 524,288 entries.
   */
  fill(map: EntryMap, ranges: readonly FrameRange[], lowLimit: number, empty = false): number {
    const n = this.count;
    // Ranges joined where they touch, for the "wholly inside" test.
    const starts: number[] = [];
    const ends: number[] = [];
    for (const r of ranges) {
      if (r.count <= 0) continue;
      if (ends.length > 0 && ends[ends.length - 1] === r.start) ends[ends.length - 1] += r.count;
      else {
        starts.push(r.start);
        ends.push(r.start + r.count);
      }
    }
    // Every entry whole at first: a 2 MiB page, handed out when empty (flags 0: nothing to
    // write), else free and on its 2 MiB list; LOW below the limit.
    const firstHigh = map.countBelow(lowLimit / FRAMES_PER_ENTRY);
    const whole = empty ? 0 : FREE_2M | ON_2M;
    this.flags.fill(whole | LOW, 0, firstHigh);
    if (whole !== 0) this.flags.fill(whole, firstHigh, n);
    // The entries holding a stretch's edge: its first entry unless the stretch starts on an
    // entry's first frame, its last unless it ends on one's last; every entry of a stretch that
    // holds no whole entry.
    const partial: number[] = [];
    const add = (g: number) => {
      const e = map.countBelow(g);
      if (partial.length === 0 || partial[partial.length - 1] !== e) partial.push(e);
    };
    for (let k = 0; k < starts.length; k++) {
      const start = starts[k];
      const end = ends[k];
      const first = Math.floor(start / FRAMES_PER_ENTRY);
      const last = Math.floor((end - 1) / FRAMES_PER_ENTRY);
      const wholeFrom = Math.ceil(start / FRAMES_PER_ENTRY);
      const wholeTo = Math.floor(end / FRAMES_PER_ENTRY);
      if (wholeFrom >= wholeTo) for (let g = first; g <= last; g++) add(g);
      else {
        if (wholeFrom !== first) add(first);
        if (wholeTo !== last + 1) add(last);
      }
    }
    for (const e of partial) this.flags[e] = PARTIAL | (e < firstHigh ? LOW : 0);
    this.partial = partial;
    if (empty) {
      // No slots yet.
      this.base = new Int32Array(this.chunks).fill(-1);
      return 0;
    }

    // A full start: every entry has a free frame, so a slot: slot = entry, no chunks to look up.
    // The whole entries' slots stay as allocated (zero, untouched: 2 MiB mode is in the flags).
    this.#becomeFull();
    this.#resize(n);
    // Each stretch's frames outside its whole entries: the head before its first whole entry
    // and the tail after its last (the whole stretch when it holds no whole entry).
    const fields = this.fields;
    for (let k = 0; k < starts.length; k++) {
      const start = starts[k];
      const end = ends[k];
      const wholeFrom = Math.ceil(start / FRAMES_PER_ENTRY) * FRAMES_PER_ENTRY;
      const wholeTo = Math.floor(end / FRAMES_PER_ENTRY) * FRAMES_PER_ENTRY;
      if (wholeFrom >= wholeTo) markFree(map, fields, start, end);
      else {
        markFree(map, fields, start, wholeFrom);
        markFree(map, fields, wholeTo, end);
      }
    }
    for (const e of partial) {
      let has = 0;
      let full = 0;
      for (let i = 0; i < FIELDS_PER_ENTRY; i++) {
        const word = fields[e * FIELDS_PER_ENTRY + i];
        if (word !== 0) has |= 1 << i;
        if (word === FULL_FIELD) full |= 1 << i;
      }
      this.hasPages[e] = has;
      this.fullPages[e] = full;
    }
    return n - partial.length;
  }
}

/** Sets the field bits of frames `[from, to)` (in one segment of the map's entries), a field at a time. */
function markFree(map: EntryMap, fields: Int32Array, from: number, to: number): void {
  if (from >= to) return;
  let pfn = from;
  let w = map.wordOf(pfn);
  while (pfn < to) {
    const bit = pfn & 31;
    const n = Math.min(32 - bit, to - pfn);
    if (n === 32) {
      // Whole fields in one go.
      const words = Math.floor((to - pfn) / 32);
      fields.fill(FULL_FIELD, w, w + words);
      w += words;
      pfn += words * 32;
      continue;
    }
    fields[w] |= ((1 << n) - 1) << bit;
    pfn += n;
    w++;
  }
}
