import type { FrameRange } from '@framekit/core';
import type { EntryMap } from './entry-map';
import { ALL_FIELDS, FIELDS_PER_ENTRY, FRAMES_PER_ENTRY, FULL_FIELD, IS_2M, LOW, PARTIAL } from './layout';

/*
 * The seed's `pmm_entry` array, one typed array per member (structure of arrays), indexed
 * by local entry number `e`:
 *
 *   fields[e * 16 + i]  page field i: bit b set = frame (entry, i, b) is free
 *   hasPages[e]         bit i set = fields[i] != 0
 *   fullPages[e]        bit i set = fields[i] == 0xFFFFFFFF (in 2 MiB mode: 0xFFFF free, 0 allocated)
 *   flags[e]            IS_2M, PARTIAL, LOW, ON_4K, ON_2M (see layout.ts)
 *   next4k[e], next2m[e] the two singly linked free lists, -1 ends a list
 *
 * A local entry's frames are found through the `EntryMap` (`globalOf(e) * 512`). The seed's
 * per-entry spinlock is gone: JavaScript runs one call at a time.
 */
/**
 * Bytes per entry: 16 page fields (64), `has_pages` and `full_pages` (2 + 2), flags (1), two
 * links (4 + 4). The seed's packed entry is 77 bytes too: it spends 4 on a lock and 2 + 2 on
 * 16-bit links, which cap it at 32768 entries (64 GiB).
 */
export const BYTES_PER_ENTRY = FIELDS_PER_ENTRY * 4 + 2 + 2 + 1 + 4 + 4;

export class EntryTable {
  readonly count: number = 0;
  readonly fields: Int32Array = new Int32Array(0);
  readonly hasPages: Uint16Array = new Uint16Array(0);
  readonly fullPages: Uint16Array = new Uint16Array(0);
  readonly flags: Uint8Array = new Uint8Array(0);
  readonly next4k: Int32Array = new Int32Array(0);
  readonly next2m: Int32Array = new Int32Array(0);

  constructor(map: EntryMap) {
    const n = map.count;
    this.count = n;
    this.fields = new Int32Array(n * FIELDS_PER_ENTRY);
    this.hasPages = new Uint16Array(n);
    this.fullPages = new Uint16Array(n);
    this.flags = new Uint8Array(n);
    this.next4k = new Int32Array(n).fill(-1);
    this.next2m = new Int32Array(n).fill(-1);
  }

  get byteLength(): number {
    return (
      this.fields.byteLength +
      this.hasPages.byteLength +
      this.fullPages.byteLength +
      this.flags.byteLength +
      this.next4k.byteLength +
      this.next2m.byteLength
    );
  }

  /**
   * Marks every frame of `ranges` free, a page field at a time (never frame by frame), then
   * derives each entry's summaries and flags. Returns the number of wholly free entries.
   *
   * An entry wholly inside one stretch of touching ranges is a free 2 MiB page: its summaries
   * say so, and its fields are not written (they are all set in the seed). The allocator sets
   * them when it first splits such an entry, so a start touches the fields of the entries at
   * the stretches' edges only: about 2 bytes of metadata per entry, not 64.
   */
  fill(map: EntryMap, ranges: readonly FrameRange[], lowLimit: number, empty = false): number {
    const fields = this.fields;
    // Ranges joined where they touch, for the "wholly inside" test below.
    const starts: number[] = [];
    const ends: number[] = [];
    for (const r of ranges) {
      if (ends.length > 0 && ends[ends.length - 1] === r.start) ends[ends.length - 1] += r.count;
      else {
        starts.push(r.start);
        ends.push(r.start + r.count);
      }
    }
    // Empty (every frame in use): no field holds a free bit, so none is written. Otherwise each
    // stretch's frames outside its whole entries: the head before its first whole entry and the
    // tail after its last (the whole stretch when it holds no whole entry).
    for (let k = 0; !empty && k < starts.length; k++) {
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
    let whole = 0;
    const lowEntries = lowLimit / FRAMES_PER_ENTRY;
    // Entries wholly inside one range are full without reading their fields (a two-pointer
    // walk over the sorted ranges); only entries at a range's edge are read field by field.
    // Empty, a whole entry is an allocated 2 MiB page (full_pages 0) and any other has nothing free.
    let r = 0;
    for (let e = 0; e < this.count; e++) {
      const g = map.globalOf(e);
      const first = g * FRAMES_PER_ENTRY;
      while (r < starts.length && ends[r] <= first) r++;
      const inside = r < starts.length && starts[r] <= first && ends[r] >= first + FRAMES_PER_ENTRY;
      let has = ALL_FIELDS;
      let full = ALL_FIELDS;
      if (!inside) {
        has = 0;
        full = 0;
        for (let i = 0; !empty && i < FIELDS_PER_ENTRY; i++) {
          const word = fields[e * FIELDS_PER_ENTRY + i];
          if (word !== 0) has |= 1 << i;
          if (word === FULL_FIELD) full |= 1 << i;
        }
      }
      let flags = g < lowEntries ? LOW : 0;
      if (full === ALL_FIELDS) {
        flags |= IS_2M;
        if (empty) full = 0;
        else whole++;
      } else flags |= PARTIAL;
      this.hasPages[e] = has;
      this.fullPages[e] = full;
      this.flags[e] = flags;
    }
    return whole;
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
