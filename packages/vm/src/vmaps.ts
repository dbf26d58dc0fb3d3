import { NO_FRAME, type Pfn } from '@framekit/core';
import { PAGE_SIZE } from './address';
import type { VmapContent } from './api';
import type { MemoryFile } from './memory-file';

/** Region protection bits. */
export const PROT_R = 1;
export const PROT_W = 2;
export const PROT_X = 4;

/** Protection bits as normalised text: `''`, `'r'`, `'rw'`, `'rx'`, `'rwx'`. */
export function protText(prot: number): string {
  return `${prot & PROT_R ? 'r' : ''}${prot & PROT_W ? 'w' : ''}${prot & PROT_X ? 'x' : ''}`;
}

/**
 * One region of an address space (MOS `vmap_t`): `[start, end)`, page-aligned, with its
 * protection, what it holds and what `fork()` does with it. File-backed regions (and shared
 * anonymous ones, which are backed by an anonymous file so that every sharer sees the same
 * pages) hold a use of their file.
 */
export class Vmap {
  start: number;
  end: number;
  prot: number;
  readonly content: VmapContent;
  readonly shared: boolean;
  readonly huge: boolean;
  /** The file behind the region, or null for private anonymous memory and DMA. */
  readonly file: MemoryFile | null;
  /** The file page `start` maps. */
  filePage: number;
  /** The frame `start` maps, for DMA regions. */
  dmaPfn: Pfn;
  /** True when the file is ours alone (a shared anonymous region's backing), not the caller's. */
  readonly anonymousFile: boolean;

  constructor(
    start: number,
    end: number,
    prot: number,
    content: VmapContent,
    shared: boolean,
    huge: boolean,
    file: MemoryFile | null,
    filePage: number,
    dmaPfn: Pfn,
    anonymousFile: boolean,
  ) {
    this.start = start;
    this.end = end;
    this.prot = prot;
    this.content = content;
    this.shared = shared;
    this.huge = huge;
    this.file = file;
    this.filePage = filePage;
    this.dmaPfn = dmaPfn;
    this.anonymousFile = anonymousFile;
    file?.retain();
  }

  get pages(): number {
    return (this.end - this.start) / PAGE_SIZE;
  }

  /** The same region, holding its own use of the file. */
  clone(): Vmap {
    return new Vmap(
      this.start,
      this.end,
      this.prot,
      this.content,
      this.shared,
      this.huge,
      this.file,
      this.filePage,
      this.dmaPfn,
      this.anonymousFile,
    );
  }

  /** Gives back the region's use of its file. */
  destroy(): void {
    this.file?.release();
  }
}

/** An address space's regions, sorted by start, never overlapping. */
export class VmapList {
  readonly list: Vmap[] = [];

  /** The index of the region holding `va`, or -1. Binary search; allocates nothing. */
  indexOf(va: number): number {
    const list = this.list;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid].start <= va) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && va < list[hi].end ? hi : -1;
  }

  find(va: number): Vmap | undefined {
    const i = this.indexOf(va);
    return i < 0 ? undefined : this.list[i];
  }

  /** The index of the first region ending after `va` (the first that can overlap a range from `va`). */
  firstEndingAfter(va: number): number {
    const list = this.list;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid].end <= va) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** True when a region overlaps `[start, end)`. */
  overlaps(start: number, end: number): boolean {
    const i = this.firstEndingAfter(start);
    return i < this.list.length && this.list[i].start < end;
  }

  insert(vmap: Vmap): void {
    const i = this.firstEndingAfter(vmap.start);
    this.list.splice(i, 0, vmap);
  }

  remove(vmap: Vmap): void {
    const i = this.list.indexOf(vmap);
    if (i >= 0) this.list.splice(i, 1);
    vmap.destroy();
  }

  /** MOS `vmap_split`: `vmap` keeps its first `pages` pages; the rest becomes a new region, returned. */
  split(vmap: Vmap, pages: number): Vmap {
    const at = vmap.start + pages * PAGE_SIZE;
    const second = vmap.clone();
    second.start = at;
    second.filePage = vmap.filePage + pages;
    second.dmaPfn = vmap.dmaPfn === NO_FRAME ? NO_FRAME : vmap.dmaPfn + pages;
    vmap.end = at;
    this.list.splice(this.list.indexOf(vmap) + 1, 0, second);
    return second;
  }

  /**
   * MOS `vmap_split_for_range`: the region for pages `[startPage, endPage)` of `vmap`, split
   * off at either side as needed (`vmap` itself when the range is all of it).
   */
  splitForRange(vmap: Vmap, startPage: number, endPage: number): Vmap {
    let middle = vmap;
    if (startPage > 0) middle = this.split(vmap, startPage);
    if (endPage - startPage < middle.pages) this.split(middle, endPage - startPage);
    return middle;
  }

  /**
   * The lowest `align`-aligned start `>= from` such that `[start, start + length)` overlaps
   * no region and ends by `limit`, or -1.
   */
  gap(from: number, length: number, align: number, limit: number): number {
    let start = Math.ceil(from / align) * align;
    for (let i = this.firstEndingAfter(start); i < this.list.length; i++) {
      const region = this.list[i];
      if (start + length <= region.start) break;
      start = Math.ceil(region.end / align) * align;
    }
    return start + length <= limit ? start : -1;
  }
}
