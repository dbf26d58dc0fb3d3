import { NO_FRAME, type Pfn } from '@framekit/core';
import { HUGE_PAGE_SIZE, PAGE_SIZE, toU48 } from './address';
import { type Access, FaultResult, Pte } from './api';
import type { MmContext } from './mm-context';
import { indexAt } from './page-tables';
import { entryHigh, entryLow, entryPfn, NX_HIGH } from './pte';
import { PROT_R, PROT_W, PROT_X, type Vmap } from './vmaps';

/*
 * Page-fault handling after MOS's mm_handle_fault and its copy-on-write / zero-on-demand
 * handler: find the region, check its protection, then either resolve a write to a
 * read-only page (copy-on-write) or bring in the missing page from its backing (the shared
 * zero page, a file page, a fresh frame). Everything it needs was allocated before it
 * changes an entry, so a `NO_MEMORY` answer leaves the space as it was.
 */

const HUGE_RUN = { align: 512 } as const;
const FRAMES_PER_HUGE = 512;

/** Resolves a fault at `va` (lower half) and returns what it did. */
export function resolveFault(mm: MmContext, va: number, access: Access): FaultResult {
  const vmap = mm.vmaps.find(va);
  if (vmap === undefined) return FaultResult.CANNOT_HANDLE;
  const need = access === 'read' ? PROT_R : access === 'write' ? PROT_W : PROT_X;
  if ((vmap.prot & need) === 0) return FaultResult.CANNOT_HANDLE;
  const tables = mm.tables;
  if (tables.find(toU48(va))) {
    // A leaf exists; with the region allowing the access it is present (mprotect keeps that so).
    if ((tables.lo & Pte.P) === 0) return FaultResult.CANNOT_HANDLE;
    if (access === 'write' && (tables.lo & Pte.RW) === 0) return resolveWriteProtect(mm, vmap, va);
    return FaultResult.COMPLETE;
  }
  if (vmap.content === 'dma') return FaultResult.CANNOT_HANDLE;
  if (vmap.file !== null) return faultFilePage(mm, vmap, va, access);
  return faultAnonymous(mm, vmap, va, access);
}

/** The high word for a region page: NX unless the region is executable. */
function regionHigh(pfn: Pfn, vmap: Vmap): number {
  return entryHigh(pfn, (vmap.prot & PROT_X) !== 0 ? 0 : Pte.NX);
}

/** Private anonymous memory: reads see the zero page, the first write gets a zeroed frame (or 2 MiB). */
function faultAnonymous(mm: MmContext, vmap: Vmap, va: number, access: Access): FaultResult {
  if (access === 'write' && tryHugePage(mm, vmap, va)) return FaultResult.COPY_BACKING_PAGE;
  const u = toU48(va);
  const tables = mm.tables;
  const table = tables.ensure(u, 1);
  if (table === NO_FRAME) return FaultResult.NO_MEMORY;
  if (access !== 'write') {
    const zero = mm.zeroPage();
    if (zero === NO_FRAME) {
      tables.prune(u);
      return FaultResult.NO_MEMORY;
    }
    tables.set(table, indexAt(u, 1), entryLow(zero, Pte.P | Pte.US), regionHigh(zero, vmap));
    return FaultResult.MAP_BACKING_PAGE_RO;
  }
  const fresh = mm.pmm.alloc();
  if (fresh === NO_FRAME) {
    tables.prune(u);
    return FaultResult.NO_MEMORY;
  }
  mm.mem.zero(fresh, 1);
  tables.set(
    table,
    indexAt(u, 1),
    entryLow(fresh, Pte.P | Pte.US | Pte.RW | Pte.REF),
    regionHigh(fresh, vmap),
  );
  return FaultResult.COPY_BACKING_PAGE;
}

/**
 * A first write to an untouched, fully covered, aligned 2 MiB block of a region that allows
 * huge pages: one zeroed 512-frame run mapped by a level-2 leaf, plus a deposited frame for
 * splitting it later. False (nothing changed) when any of that is not available.
 */
function tryHugePage(mm: MmContext, vmap: Vmap, va: number): boolean {
  if (!vmap.huge || !mm.hugeCapable) return false;
  const block = va - (va % HUGE_PAGE_SIZE);
  if (block < vmap.start || block + HUGE_PAGE_SIZE > vmap.end) return false;
  // `resolveFault` just walked `va` and found no leaf: a level-1 stop means a table is there.
  if (mm.tables.level === 1) return false;
  const pmm = mm.pmm;
  const run = pmm.allocRun(FRAMES_PER_HUGE, HUGE_RUN);
  if (run === NO_FRAME) return false;
  const deposit = pmm.alloc();
  if (deposit === NO_FRAME) {
    pmm.freeRun(run, FRAMES_PER_HUGE);
    return false;
  }
  const u = toU48(va);
  const table = mm.tables.ensure(u, 2);
  if (table === NO_FRAME) {
    pmm.free(deposit);
    pmm.freeRun(run, FRAMES_PER_HUGE);
    return false;
  }
  mm.mem.zero(run, FRAMES_PER_HUGE);
  mm.tables.set(
    table,
    indexAt(u, 2),
    entryLow(run, Pte.P | Pte.US | Pte.RW | Pte.PS | Pte.REF),
    regionHigh(run, vmap),
  );
  mm.deposits.push(deposit);
  return true;
}

/** File-backed regions (and shared anonymous ones): map the file's page, or a private copy of it. */
function faultFilePage(mm: MmContext, vmap: Vmap, va: number, access: Access): FaultResult {
  const u = toU48(va);
  const tables = mm.tables;
  const table = tables.ensure(u, 1);
  if (table === NO_FRAME) return FaultResult.NO_MEMORY;
  const backing = vmap.file!.page(vmap.filePage + Math.floor((va - vmap.start) / PAGE_SIZE));
  if (backing === NO_FRAME) {
    tables.prune(u);
    return FaultResult.NO_MEMORY;
  }
  const index = indexAt(u, 1);
  if (vmap.shared || access !== 'write') {
    try {
      mm.pmm.ref(backing);
    } catch (error) {
      tables.prune(u);
      throw error;
    }
    const writable = vmap.shared && (vmap.prot & PROT_W) !== 0;
    tables.set(
      table,
      index,
      entryLow(backing, Pte.P | Pte.US | Pte.REF | (writable ? Pte.RW : 0)),
      regionHigh(backing, vmap),
    );
    return vmap.shared ? FaultResult.MAP_BACKING_PAGE : FaultResult.MAP_BACKING_PAGE_RO;
  }
  const copy = mm.pmm.alloc();
  if (copy === NO_FRAME) {
    tables.prune(u);
    return FaultResult.NO_MEMORY;
  }
  mm.mem.copy(backing, copy);
  tables.set(table, index, entryLow(copy, Pte.P | Pte.US | Pte.RW | Pte.REF), regionHigh(copy, vmap));
  return FaultResult.COPY_BACKING_PAGE;
}

/**
 * A write to a present read-only page of a writable region (`find` has just located it).
 * Shared: just allow writing. Private (copy-on-write): a sole owner regains write access
 * (MOS always copies); otherwise the page is copied — the zero page by zero-filling — and the
 * old reference dropped. A 2 MiB page with other owners is first split into 4 KiB pages.
 */
function resolveWriteProtect(mm: MmContext, vmap: Vmap, va: number): FaultResult {
  const tables = mm.tables;
  const pmm = mm.pmm;
  if (vmap.shared) {
    tables.write(tables.table, tables.index, tables.lo | Pte.RW, tables.hi);
    return FaultResult.COMPLETE;
  }
  // A shared 2 MiB page is split before its 4 KiB page is copied. The copy's frame is taken
  // first: splitting changes the tables, and `NO_MEMORY` must leave them as they were.
  let fresh = NO_FRAME;
  if (tables.level === 2) {
    if ((tables.lo & Pte.REF) !== 0 && soleOwner(mm, entryPfn(tables.lo, tables.hi), FRAMES_PER_HUGE)) {
      tables.write(tables.table, tables.index, tables.lo | Pte.RW, tables.hi);
      return FaultResult.COMPLETE;
    }
    fresh = pmm.alloc();
    if (fresh === NO_FRAME) return FaultResult.NO_MEMORY;
    tables.splitHuge(tables.table, tables.index, mm.deposits.pop()!);
    tables.find(toU48(va));
  }
  const { table, index, lo, hi } = tables;
  const pfn = entryPfn(lo, hi);
  const counted = (lo & Pte.REF) !== 0;
  if (counted && pmm.refCount(pfn) === 1) {
    // This 4 KiB piece had lost its other owners (they copied it): no copy needed after all.
    if (fresh !== NO_FRAME) pmm.free(fresh);
    tables.write(table, index, lo | Pte.RW, hi);
    return FaultResult.COMPLETE;
  }
  if (fresh === NO_FRAME) fresh = pmm.alloc();
  if (fresh === NO_FRAME) return FaultResult.NO_MEMORY;
  if (!counted && pfn === mm.zeroPfn) mm.mem.zero(fresh, 1);
  else mm.mem.copy(pfn, fresh);
  const keep = lo & (Pte.P | Pte.US | Pte.PWT | Pte.PCD | Pte.G);
  tables.write(
    table,
    index,
    entryLow(fresh, keep | Pte.RW | Pte.REF),
    entryHigh(fresh, hi >= NX_HIGH ? Pte.NX : 0),
  );
  if (counted) pmm.unref(pfn);
  return FaultResult.COMPLETE;
}

function soleOwner(mm: MmContext, pfn: Pfn, count: number): boolean {
  for (let i = 0; i < count; i++) if (mm.pmm.refCount(pfn + i) !== 1) return false;
  return true;
}
