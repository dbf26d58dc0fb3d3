import { FrameError, NO_FRAME, type Pfn, type RefCountedAllocator } from '@framekit/core';
import { Pte } from './api';
import type { FrameMemory } from './frame-memory';
import { entryHigh, entryLow, entryPfn, NX_HIGH, TABLE_FLAGS } from './pte';

/** Bytes one entry covers at each level (index = level; level 1 maps 4 KiB, level 4 is the root). */
const SPAN = [0, 2 ** 12, 2 ** 21, 2 ** 30, 2 ** 39];
/** One past the last 48-bit address. */
export const U48_END = 2 ** 48;

/** The index of `u`'s entry in its level-`level` table. `& 511` truncates and wraps exactly below 2^48. */
export function indexAt(u: number, level: number): number {
  return (u / SPAN[level]) & 511;
}

/** Receives the leaves of a walked range; set `done` to stop the walk. */
export interface LeafVisitor {
  done: boolean;
  /** A non-zero leaf entry (level 1: 4 KiB, level 2: 2 MiB) whose first address (48-bit form) is `u`. */
  leaf(table: Pfn, index: number, level: number, u: number): void;
}

/**
 * A 4-level x86-64 page table in frames of `pmm`: each table is one frame of 512 entries of
 * two little-endian 32-bit words. Keeps, per table frame, the number of non-zero entries so
 * that a table is freed the moment it becomes empty.
 *
 * `find(u)` leaves its answer in `table`, `index`, `level`, `lo` and `hi`, and the walked
 * path in `pathTable`/`pathIndex`: no objects per walk.
 */
export class PageTables {
  readonly root: Pfn;
  /** Frames holding tables, the root included. */
  tableFrames = 1;
  table = 0;
  index = 0;
  level = 0;
  lo = 0;
  hi = 0;
  /** `pathTable[l]` is the level-`l` table `find` went through; `pathIndex[l]` the entry it used. */
  readonly pathTable = new Float64Array(5);
  readonly pathIndex = new Int32Array(5);
  readonly #pmm: RefCountedAllocator;
  readonly #mem: FrameMemory;
  readonly #used = new Map<number, number>();

  /** Takes `root`, an allocated frame, as the (zeroed) top-level table. */
  constructor(pmm: RefCountedAllocator, mem: FrameMemory, root: Pfn) {
    this.#pmm = pmm;
    this.#mem = mem;
    this.root = root;
    mem.zero(root, 1);
    this.#used.set(root, 0);
  }

  lowWord(table: Pfn, index: number): number {
    const words = this.#mem.words(table);
    return words[this.#mem.wordBase + 2 * index];
  }

  highWord(table: Pfn, index: number): number {
    const words = this.#mem.words(table);
    return words[this.#mem.wordBase + 2 * index + 1];
  }

  /** Rewrites an entry that stays non-zero (flag changes); counts are untouched. */
  write(table: Pfn, index: number, lo: number, hi: number): void {
    const words = this.#mem.words(table);
    const at = this.#mem.wordBase + 2 * index;
    words[at] = lo;
    words[at + 1] = hi;
  }

  /** Sets an entry, keeping the table's count of non-zero entries. */
  set(table: Pfn, index: number, lo: number, hi: number): void {
    const words = this.#mem.words(table);
    const at = this.#mem.wordBase + 2 * index;
    const was = (words[at] | words[at + 1]) !== 0;
    const now = (lo | hi) !== 0;
    words[at] = lo;
    words[at + 1] = hi;
    if (was !== now) this.#used.set(table, (this.#used.get(table) ?? 0) + (now ? 1 : -1));
  }

  /** Non-zero entries in `table`. */
  usedEntries(table: Pfn): number {
    return this.#used.get(table) ?? 0;
  }

  /**
   * Walks to the leaf for `u`. True when a non-zero leaf exists (present or kept for a
   * PROT_NONE region); then `table`/`index`/`level` locate it and `lo`/`hi` hold it. When
   * false, `level` is where the walk met a zero entry.
   */
  find(u: number): boolean {
    const mem = this.#mem;
    let table = this.root;
    for (let level = 4; level >= 1; level--) {
      const index = indexAt(u, level);
      const words = mem.words(table);
      const at = mem.wordBase + 2 * index;
      const lo = words[at];
      const hi = words[at + 1];
      this.pathTable[level] = table;
      this.pathIndex[level] = index;
      this.table = table;
      this.index = index;
      this.level = level;
      this.lo = lo;
      this.hi = hi;
      if ((lo | hi) === 0) return false;
      if (level === 1 || (level === 2 && (lo & Pte.PS) !== 0)) return true;
      table = entryPfn(lo, hi);
    }
    return false;
  }

  /**
   * The table that holds `u`'s level-`level` entry, making the tables above it as needed.
   * `NO_FRAME` when a table cannot be allocated (tables made on the way are freed again).
   */
  ensure(u: number, level: number): Pfn {
    const mem = this.#mem;
    let table = this.root;
    for (let l = 4; l > level; l--) {
      const index = indexAt(u, l);
      const words = mem.words(table);
      const at = mem.wordBase + 2 * index;
      const lo = words[at];
      const hi = words[at + 1];
      if ((lo | hi) !== 0) {
        if (l === 2 && (lo & Pte.PS) !== 0) {
          throw new FrameError('INVALID_REQUEST', 'page tables: a 2 MiB page covers this address', { u });
        }
        table = entryPfn(lo, hi);
        continue;
      }
      const fresh = this.#pmm.alloc();
      if (fresh === NO_FRAME) {
        this.prune(u);
        return NO_FRAME;
      }
      this.adopt(fresh);
      this.set(table, index, entryLow(fresh, TABLE_FLAGS), entryHigh(fresh, 0));
      table = fresh;
    }
    return table;
  }

  /** Takes an allocated frame as a new, empty table. */
  adopt(frame: Pfn): void {
    this.#mem.zero(frame, 1);
    this.#used.set(frame, 0);
    this.tableFrames++;
  }

  /** Frees the empty tables on `u`'s path, deepest first (never the root). */
  prune(u: number): void {
    this.find(u);
    let level = this.level;
    // `find` stopped at a leaf or a zero entry in the table at `level`; tables above may be empty.
    while (level < 4) {
      const table = this.pathTable[level];
      if (this.usedEntries(table) !== 0) return;
      this.#freeTable(table);
      this.set(this.pathTable[level + 1], this.pathIndex[level + 1], 0, 0);
      level++;
    }
  }

  /**
   * Calls `visitor.leaf` for every non-zero leaf whose first address lies in `[start, end)`
   * (48-bit form; a 2 MiB leaf is visited when its first address is in range). With `prune`,
   * tables left empty are freed on the way back up.
   */
  walk(start: number, end: number, visitor: LeafVisitor, prune: boolean): void {
    if (start < end) this.#walkTable(this.root, 4, 0, start, end, visitor, prune);
  }

  #walkTable(
    table: Pfn,
    level: number,
    base: number,
    start: number,
    end: number,
    visitor: LeafVisitor,
    prune: boolean,
  ): void {
    const span = SPAN[level];
    const from = start > base ? Math.floor((start - base) / span) : 0;
    const to = Math.min(511, Math.floor((end - 1 - base) / span));
    const mem = this.#mem;
    for (let i = from; i <= to; i++) {
      const words = mem.words(table);
      const at = mem.wordBase + 2 * i;
      const lo = words[at];
      const hi = words[at + 1];
      if ((lo | hi) === 0) continue;
      const entryBase = base + i * span;
      if (level === 1 || (level === 2 && (lo & Pte.PS) !== 0)) {
        if (entryBase >= start) visitor.leaf(table, i, level, entryBase);
      } else {
        const child = entryPfn(lo, hi);
        this.#walkTable(child, level - 1, entryBase, start, end, visitor, prune);
        if (prune && this.usedEntries(child) === 0) {
          this.#freeTable(child);
          this.set(table, i, 0, 0);
        }
      }
      if (visitor.done) return;
    }
  }

  /**
   * Turns the 2 MiB leaf at `table[index]` into a level-1 table of 512 4 KiB entries over
   * the same frames with the same bits, held in `deposit` (an allocated frame).
   */
  splitHuge(table: Pfn, index: number, deposit: Pfn): void {
    const lo = this.lowWord(table, index);
    const hi = this.highWord(table, index);
    const pfn = entryPfn(lo, hi);
    const flags = lo & 0xfff & ~Pte.PS;
    const nx = hi >= NX_HIGH ? Pte.NX : 0;
    this.adopt(deposit);
    const mem = this.#mem;
    const words = mem.words(deposit);
    const base = mem.wordBase;
    for (let j = 0; j < 512; j++) {
      words[base + 2 * j] = entryLow(pfn + j, flags);
      words[base + 2 * j + 1] = entryHigh(pfn + j, nx);
    }
    this.#used.set(deposit, 512);
    this.write(table, index, entryLow(deposit, TABLE_FLAGS), entryHigh(deposit, 0));
  }

  /** Frees the root once every other table is gone (the space is being disposed). */
  freeRoot(): void {
    this.#freeTable(this.root);
  }

  #freeTable(table: Pfn): void {
    this.#used.delete(table);
    this.tableFrames--;
    this.#pmm.free(table);
  }
}
