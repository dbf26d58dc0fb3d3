/**
 * The public vocabulary of @framekit/vm: page-table entry bits, MOS's fault results, region
 * kinds and the shapes `mmap`, `translate` and `regions` take and give.
 */
import type { MemoryFile } from './memory-file';

/**
 * x86-64 page-table entry bits, as a flags number: bits 0–11 are the entry's own low bits;
 * `NX` (the entry's bit 63, the high word's bit 31) is carried as bit 31, so a flags number
 * is a 32-bit value. `REF` is a software bit (bit 9, ignored by the CPU): the mapping holds a
 * reference on its frame(s). `PS` marks a 2 MiB page at level 2 (at level 1, bit 7 would be
 * PAT, which framekit never sets).
 */
export const Pte = {
  P: 0x1,
  RW: 0x2,
  US: 0x4,
  PWT: 0x8,
  PCD: 0x10,
  A: 0x20,
  D: 0x40,
  PS: 0x80,
  G: 0x100,
  REF: 0x200,
  NX: 0x8000_0000,
} as const;

/**
 * What `handleFault` did, in MOS's vocabulary (`vmfault_result_t`, same numbers). framekit
 * resolves the fault itself and reports which of MOS's actions it took. `NO_MEMORY` is our
 * addition: the fault was legitimate but the allocator is exhausted (MOS has no answer for
 * that); nothing was changed.
 */
export const FaultResult = {
  /** The page is correctly mapped now (already was, or a copy-on-write fault was resolved in place). */
  COMPLETE: 0,
  /** A backing page (the shared zero page, a file's page) was mapped read-only. */
  MAP_BACKING_PAGE_RO: 1,
  /** A backing page (a shared region's page) was mapped with the region's protection. */
  MAP_BACKING_PAGE: 2,
  /** The backing page was copied into a fresh frame (for anonymous memory: a fresh zeroed frame). */
  COPY_BACKING_PAGE: 3,
  /** No frame for the page or a page table; nothing changed. */
  NO_MEMORY: 0xfe,
  /** No region holds the address, or its protection forbids the access. */
  CANNOT_HANDLE: 0xff,
} as const;
export type FaultResult = (typeof FaultResult)[keyof typeof FaultResult];

/** The kind of access that faulted. */
export type Access = 'read' | 'write' | 'exec';

/** What a region holds (MOS `vmap_content_t`). */
export type VmapContent = 'heap' | 'stack' | 'file' | 'mmap' | 'dma';

/** What `fork()` does with a region (MOS `vmap_type_t`): copy-on-write, or the same pages. */
export type ForkBehaviour = 'private' | 'shared';

/** `mmap`'s return value when there is no room: no free virtual range, or no frames for a DMA buffer. */
export const MAP_FAILED = -1;

export interface MmapOptions {
  /** Where the region starts (page-aligned). Without it a free range is chosen (2 MiB-aligned when the length allows). */
  readonly addr?: number;
  /** Bytes; rounded up to whole pages. */
  readonly length: number;
  /** Any of `r`, `w`, `x`: `''`, `'r'`, `'rw'`, `'rx'`, `'rwx'`. `w` and `x` need `r` (x86 pages are readable when present). */
  readonly prot: string;
  /** Shared with children after `fork()` instead of copy-on-write. DMA regions are always shared. */
  readonly shared?: boolean;
  /** Default `'mmap'`. `'file'` needs `file`; `'dma'` is one contiguous, zeroed, pinned run mapped at once. */
  readonly content?: VmapContent;
  /** The file a `'file'` region maps. */
  readonly file?: MemoryFile;
  /** Byte offset into `file` (page-aligned). */
  readonly offset?: number;
  /**
   * Allow 2 MiB pages (default true): anonymous private memory gets one when a whole aligned
   * 2 MiB block of the region is first touched by a write; a DMA buffer uses them where its
   * run is aligned. Needs an allocator with runs that can be freed page by page.
   */
  readonly huge?: boolean;
}

/** One region of an address space, as `regions()` lists it. */
export interface Region {
  readonly start: number;
  readonly end: number;
  readonly length: number;
  /** Normalised: `''`, `'r'`, `'rw'`, `'rx'` or `'rwx'`. */
  readonly prot: string;
  readonly content: VmapContent;
  readonly fork: ForkBehaviour;
  /** 2 MiB pages allowed (`MmapOptions.huge`; always false for file and shared anonymous regions). */
  readonly huge: boolean;
  /** The mapped file and the byte offset of `start` in it (`'file'` regions). */
  readonly file?: MemoryFile;
  readonly offset?: number;
  /** The physical address of `start` (`'dma'` regions). */
  readonly physical?: number;
}

/** A successful walk: the physical address of the byte and the leaf entry's flags (see `Pte`). */
export interface Translation {
  pa: number;
  flags: number;
}

export interface AddressSpaceStats {
  /** Page-table frames: the root and every intermediate table. */
  readonly tableFrames: number;
  /** Frames kept in reserve so that 2 MiB pages can be split without allocating (one per region 2 MiB page). */
  readonly depositFrames: number;
  /** Leaf entries mapping 4 KiB pages (present or kept for a `''` region). */
  readonly pages4K: number;
  /** Leaf entries mapping 2 MiB pages. */
  readonly pages2M: number;
  readonly regions: number;
  /** True while this space holds a reference on a shared zero page. */
  readonly zeroPage: boolean;
}
