import type { FrameRange } from '@framekit/core';
import { lastAtOrBelow } from '@framekit/core/plugin';
import { FRAMES_PER_ENTRY } from './layout';

/*
 * Where the seed had one static array for the first 64 GiB, entries here exist only for the
 * 2 MiB blocks that hold at least one managed frame. Each range covers the entries
 * [start / 512, ceil(end / 512)); overlapping or touching spans join into a segment, and the
 * segments' entries are numbered 0, 1, 2, … in address order ("local" entry numbers). A 12 TiB
 * space with a few GiB of RAM costs a few thousand entries, not six million.
 */

/** Maps frame numbers to local entry numbers and back. */
export class EntryMap {
  /** Local entries (2 MiB blocks with at least one managed frame). */
  readonly count: number = 0;
  /** Per segment: the global entry number (`pfn / 512`) of its first entry. */
  readonly #first: Float64Array = new Float64Array(0);
  /** Per segment: one past its last global entry number. */
  readonly #end: Float64Array = new Float64Array(0);
  /** Per segment: the local number of its first entry. */
  readonly #base: Float64Array = new Float64Array(0);
  /*
   * Lookups cluster, so the segment the last `locate` found is kept as plain numbers: global
   * entries [#hitFirst, #hitEnd) are local entries from #hitBase. Likewise for `globalOf`:
   * local entries [#localLo, #localHi) are global entries `e + #localShift`.
   */
  #hitFirst = 0;
  #hitEnd = 0;
  #hitBase = 0;
  #localLo = 0;
  #localHi = 0;
  #localShift = 0;
  /** Frames below `#lowPfn` or at/after `#highPfn` have no entry. */
  readonly #lowPfn: number = 0;
  readonly #highPfn: number = 0;

  constructor(ranges: readonly FrameRange[]) {
    const first: number[] = [];
    const end: number[] = [];
    for (const r of ranges) {
      const a = Math.floor(r.start / FRAMES_PER_ENTRY);
      const b = Math.ceil((r.start + r.count) / FRAMES_PER_ENTRY);
      const last = end.length - 1;
      if (last >= 0 && a <= end[last]) end[last] = Math.max(end[last], b);
      else {
        first.push(a);
        end.push(b);
      }
    }
    this.#first = Float64Array.from(first);
    this.#end = Float64Array.from(end);
    this.#base = new Float64Array(first.length);
    let count = 0;
    for (let s = 0; s < first.length; s++) {
      this.#base[s] = count;
      count += end[s] - first[s];
    }
    this.count = count;
    this.#lowPfn = first.length > 0 ? first[0] * FRAMES_PER_ENTRY : 0;
    this.#highPfn = first.length > 0 ? end[end.length - 1] * FRAMES_PER_ENTRY : 0;
  }

  get segments(): number {
    return this.#first.length;
  }

  /** The local entry holding `pfn`, or -1 (not an integer, or no entry there). */
  locate(pfn: number): number {
    if (!(pfn >= this.#lowPfn && pfn < this.#highPfn) || !Number.isInteger(pfn)) return -1;
    const g = Math.floor(pfn / FRAMES_PER_ENTRY);
    // Another segment than the last one found: looked up out of line, to keep this small (V8
    // inlines small functions into a caller's loop while its inlining budget lasts).
    if ((g < this.#hitFirst || g >= this.#hitEnd) && !this.#hit(g)) return -1;
    // Local numbers fit 31 bits: `| 0` keeps the result a small integer, never a boxed double.
    return (g - this.#hitFirst + this.#hitBase) | 0;
  }

  /** Makes the segment holding global entry `g` the one `locate` remembers; false when no segment holds it. */
  #hit(g: number): boolean {
    const s = this.#segmentOf(g);
    if (s < 0 || g >= this.#end[s]) return false;
    this.#hitFirst = this.#first[s];
    this.#hitEnd = this.#end[s];
    this.#hitBase = this.#base[s];
    return true;
  }

  /** The number of local entries whose global entry number is below `g`. */
  countBelow(g: number): number {
    const s = this.#segmentOf(g);
    if (s < 0) return 0;
    return this.#base[s] + Math.min(g, this.#end[s]) - this.#first[s];
  }

  /** The global entry number (`pfn / 512`) of local entry `e` (`0 <= e < count`). */
  globalOf(e: number): number {
    if (e < this.#localLo || e >= this.#localHi) this.#hitLocal(e);
    return e + this.#localShift;
  }

  /** Makes the segment holding local entry `e` the one `globalOf` remembers. */
  #hitLocal(e: number): void {
    const s = this.#segmentOfLocal(e);
    this.#localLo = this.#base[s];
    this.#localHi = this.#base[s] + (this.#end[s] - this.#first[s]);
    this.#localShift = this.#first[s] - this.#base[s];
  }

  /** Index of the page field holding managed frame `pfn` in a 16-fields-per-entry array. */
  wordOf(pfn: number): number {
    const g = Math.floor(pfn / FRAMES_PER_ENTRY);
    const s = this.#segmentOf(g);
    return (this.#base[s] - this.#first[s]) * 16 + Math.floor(pfn / 32);
  }

  get byteLength(): number {
    return this.#first.byteLength + this.#end.byteLength + this.#base.byteLength;
  }

  /** The segment holding local entry `e`. */
  #segmentOfLocal(e: number): number {
    return lastAtOrBelow(this.#base, e);
  }

  /** The last segment whose first entry is `<= g`, or -1. */
  #segmentOf(g: number): number {
    const first = this.#first;
    // One segment (a machine with one run of memory) is the common case: no search.
    if (first.length === 1) return first[0] <= g ? 0 : -1;
    return lastAtOrBelow(first, g);
  }
}
