import { NO_FRAME, type Pfn, type RefCountedAllocator } from '@framekit/core';
import { HUGE_PAGE_SIZE, toU48 } from './address';
import { Pte } from './api';
import type { FrameMemory } from './frame-memory';
import { type LeafVisitor, PageTables, U48_END } from './page-tables';
import { entryPfn, NX_HIGH } from './pte';
import { PROT_R, PROT_W, PROT_X, VmapList } from './vmaps';

/**
 * The state behind an `AddressSpace` (MOS `mm_context_t`): its page tables, its regions, the
 * deposit of spare table frames for splitting 2 MiB pages, and its reference on the shared
 * zero page. Faults, mmap and fork work on it; `AddressSpace` is its public face.
 *
 * Invariants: every 2 MiB leaf inside a region has one frame in `deposits` (so splitting never
 * allocates); leaves inside regions always carry `US`, so a leaf kept non-present for a `''`
 * region is still a non-zero entry; a leaf with `REF` holds one reference per frame it maps.
 */
export class MmContext {
  readonly pmm: RefCountedAllocator;
  readonly mem: FrameMemory;
  readonly tables: PageTables;
  readonly vmaps = new VmapList();
  readonly deposits: Pfn[] = [];
  /** The zero page this space holds a reference on, or `NO_FRAME`. */
  zeroPfn: Pfn = NO_FRAME;
  disposed = false;
  /** 2 MiB pages for regions: needs 512-frame runs that can later be returned frame by frame. */
  readonly hugeCapable: boolean;
  readonly #unmapper: UnmapVisitor;
  readonly #protector: ProtectVisitor;

  constructor(pmm: RefCountedAllocator, mem: FrameMemory, root: Pfn) {
    this.pmm = pmm;
    this.mem = mem;
    this.tables = new PageTables(pmm, mem, root);
    this.hugeCapable = pmm.capabilities.runs !== 'none' && pmm.capabilities.freeRunPiecewise;
    this.#unmapper = new UnmapVisitor(this);
    this.#protector = new ProtectVisitor(this);
  }

  /** The shared zero page, allocated on first use; `NO_FRAME` when exhausted. */
  zeroPage(): Pfn {
    if (this.zeroPfn === NO_FRAME) {
      const pfn = this.pmm.alloc();
      if (pfn === NO_FRAME) return NO_FRAME;
      this.mem.zero(pfn, 1);
      this.zeroPfn = pfn;
    }
    return this.zeroPfn;
  }

  /** Drops the references a leaf holds. */
  unrefLeaf(lo: number, hi: number, level: number): void {
    if ((lo & Pte.REF) !== 0) this.pmm.unref(entryPfn(lo, hi), level === 2 ? 512 : 1);
  }

  /** Splits the region 2 MiB leaf that `va` falls strictly inside, if any, with a deposited frame. */
  splitHugeAround(va: number): void {
    // Only region leaves have deposits; a 2 MiB block never straddles regions, so `va`'s region is its own.
    if (va % HUGE_PAGE_SIZE === 0 || this.vmaps.indexOf(va) < 0) return;
    const tables = this.tables;
    if (!tables.find(toU48(va)) || tables.level !== 2) return;
    tables.splitHuge(tables.table, tables.index, this.deposits.pop()!);
  }

  /** Unmaps every leaf of the region range `[start, end)` (2 MiB leaves inside must not straddle it). */
  unmapRegionRange(start: number, end: number): void {
    this.#unmapper.deposits = true;
    this.tables.walk(toU48(start), toU48(end - 1) + 1, this.#unmapper, true);
  }

  /** Applies region protection `prot` to the leaves of `[start, end)` (as `unmapRegionRange`). */
  protectRange(start: number, end: number, prot: number): void {
    this.#protector.prot = prot;
    this.tables.walk(toU48(start), toU48(end - 1) + 1, this.#protector, false);
  }

  /** Returns every frame: data references, tables, deposits, the zero page, file uses. */
  release(): void {
    this.#unmapper.deposits = false;
    this.tables.walk(0, U48_END, this.#unmapper, true);
    this.tables.freeRoot();
    for (const deposit of this.deposits) this.pmm.free(deposit);
    this.deposits.length = 0;
    if (this.zeroPfn !== NO_FRAME) this.pmm.unref(this.zeroPfn);
    this.zeroPfn = NO_FRAME;
    for (const vmap of this.vmaps.list) vmap.destroy();
    this.vmaps.list.length = 0;
    this.disposed = true;
  }
}

/** Clears leaves and drops their references (and, for region 2 MiB leaves, their deposit). */
class UnmapVisitor implements LeafVisitor {
  done = false;
  deposits = false;
  readonly #mm: MmContext;

  constructor(mm: MmContext) {
    this.#mm = mm;
  }

  leaf(table: Pfn, index: number, level: number): void {
    const mm = this.#mm;
    const lo = mm.tables.lowWord(table, index);
    const hi = mm.tables.highWord(table, index);
    mm.tables.set(table, index, 0, 0);
    mm.unrefLeaf(lo, hi, level);
    if (level === 2 && this.deposits) mm.pmm.free(mm.deposits.pop()!);
  }
}

/**
 * Rewrites leaves for a region's new protection: present unless `''`, writable only where it
 * was and `w` is allowed (write access comes back through a fault, which knows about
 * copy-on-write), executable per `x`.
 */
class ProtectVisitor implements LeafVisitor {
  done = false;
  prot = 0;
  readonly #mm: MmContext;

  constructor(mm: MmContext) {
    this.#mm = mm;
  }

  leaf(table: Pfn, index: number): void {
    const tables = this.#mm.tables;
    const prot = this.prot;
    const lo = tables.lowWord(table, index);
    const hi = tables.highWord(table, index);
    let newLo = lo & ~(Pte.P | Pte.RW);
    if ((prot & PROT_R) !== 0) newLo |= Pte.P;
    if ((prot & PROT_W) !== 0) newLo |= lo & Pte.RW;
    const newHi = (hi & ~NX_HIGH) | ((prot & PROT_X) !== 0 ? 0 : NX_HIGH);
    tables.write(table, index, newLo, newHi);
  }
}
