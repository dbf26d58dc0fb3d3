import { FrameError, NO_FRAME, type Pfn } from '@framekit/core';
import { z } from 'zod';
import { checkVa, formatVa, HUGE_PAGE_SIZE, LOWER_HALF_END, PAGE_SIZE, toU48 } from './address';
import { MAP_FAILED, type MmapOptions, Pte, type VmapContent } from './api';
import { MemoryFile } from './memory-file';
import type { MmContext } from './mm-context';
import { indexAt, type LeafVisitor } from './page-tables';
import { entryHigh, entryLow } from './pte';
import { PROT_R, PROT_W, PROT_X, Vmap } from './vmaps';

/*
 * mmap / munmap / mprotect over an address space's regions, with MOS's splitting: unmapping
 * or re-protecting part of a region splits it (vmap_split / vmap_split_for_range), so the
 * middle of a region can go and leave two. Regions are never merged back.
 */

/** Where `mmap` starts looking for room when no address is given. */
export const MMAP_BASE = 0x7f00_0000_0000;

const MmapOptionsSchema = z.strictObject({
  addr: z.number().refine(Number.isSafeInteger, 'must be an integer').optional(),
  length: z.number().refine(Number.isSafeInteger, 'must be an integer').pipe(z.number().positive()),
  prot: z.string(),
  shared: z.boolean().optional(),
  content: z.enum(['heap', 'stack', 'file', 'mmap', 'dma']).optional(),
  file: z.custom<MemoryFile>((value) => value instanceof MemoryFile, 'must be a MemoryFile').optional(),
  offset: z
    .number()
    .refine(Number.isSafeInteger, 'must be an integer')
    .pipe(z.number().nonnegative())
    .optional(),
  huge: z.boolean().optional(),
});

function invalid(op: string, message: string, details: Record<string, unknown> = {}): FrameError {
  return new FrameError('INVALID_REQUEST', `${op}: ${message}`, { op, ...details });
}

/** `'rw'`-style text as region protection bits; any order, each letter once, `w`/`x` need `r`. */
export function parseProt(op: string, text: unknown): number {
  if (typeof text !== 'string' || !/^[rwx]{0,3}$/.test(text) || new Set(text).size !== text.length) {
    throw invalid(op, `prot ${JSON.stringify(text)} must be made of the letters r, w, x, each at most once`, {
      prot: text,
    });
  }
  const prot =
    (text.includes('r') ? PROT_R : 0) | (text.includes('w') ? PROT_W : 0) | (text.includes('x') ? PROT_X : 0);
  if (prot !== 0 && (prot & PROT_R) === 0) {
    throw invalid(op, `prot '${text}' needs 'r': an x86 page that is present can be read`, { prot: text });
  }
  return prot;
}

/** Checks a lower-half, page-aligned range and returns its page-rounded end. */
function rangeEnd(op: string, addr: number, length: number): number {
  checkVa(op, addr, PAGE_SIZE);
  if (!Number.isSafeInteger(length) || length < 1) {
    throw invalid(op, `length ${length} must be an integer >= 1`, { length });
  }
  const end = addr + Math.ceil(length / PAGE_SIZE) * PAGE_SIZE;
  if (addr < 0 || end > LOWER_HALF_END) {
    throw invalid(
      op,
      `[${formatVa(addr)}, +${length}) is not inside the lower half [0, 2^47), where regions live`,
      {
        addr,
        length,
      },
    );
  }
  return end;
}

/** Finds the first leaf overlapping a range (raw `map` pages are what `mmap` must not cover). */
class FirstLeafVisitor implements LeafVisitor {
  done = false;
  /** First address of the leaf found, or -1. */
  found = -1;
  start = 0;

  leaf(_table: Pfn, _index: number, level: number, u: number): void {
    if (u + (level === 2 ? HUGE_PAGE_SIZE : PAGE_SIZE) <= this.start) return;
    this.found = u;
    this.done = true;
  }
}

/** The first address of a leaf that overlaps `[start, end)` (lower half), or -1. */
function firstLeaf(mm: MmContext, start: number, end: number): number {
  const visitor = new FirstLeafVisitor();
  visitor.start = start;
  mm.tables.walk(start - (start % HUGE_PAGE_SIZE), end, visitor, false);
  return visitor.found;
}

export function mmap(mm: MmContext, options: MmapOptions): number {
  const parsed = MmapOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid('mmap', `option ${issue.path.join('.') || '(options)'} ${issue.message}`, {
      issues: parsed.error.issues,
    });
  }
  const o = parsed.data;
  const prot = parseProt('mmap', o.prot);
  const content: VmapContent = o.content ?? 'mmap';
  const pages = Math.ceil(o.length / PAGE_SIZE);
  const length = pages * PAGE_SIZE;
  if ((content === 'file') !== (o.file !== undefined)) {
    throw invalid('mmap', content === 'file' ? "content 'file' needs a file" : `a file needs content 'file'`);
  }
  if (o.offset !== undefined && o.file === undefined) throw invalid('mmap', 'offset is for file regions');
  const offset = o.offset ?? 0;
  if (o.file !== undefined) {
    if (o.file.disposed) throw invalid('mmap', 'the file was disposed');
    if (o.file.pmm !== mm.pmm) throw invalid('mmap', "the file's frames come from another allocator");
    if (offset % PAGE_SIZE !== 0) throw invalid('mmap', `offset ${offset} is not page-aligned`, { offset });
    if (offset / PAGE_SIZE + pages > o.file.pages) {
      throw invalid('mmap', `[${offset}, +${length}) passes the file's ${o.file.pages} pages`, {
        offset,
        length,
      });
    }
  }
  if (content === 'dma') {
    if (o.shared === false) throw invalid('mmap', 'DMA regions are always shared: devices see one buffer');
    const caps = mm.pmm.capabilities;
    if (caps.runs !== 'any' || !caps.freeRunPiecewise) {
      throw new FrameError(
        'UNSUPPORTED',
        `mmap: DMA regions need contiguous runs of any size that can be freed page by page; ${mm.pmm.name} cannot`,
        { op: 'mmap', allocator: mm.pmm.name },
      );
    }
  }
  const shared = o.shared ?? content === 'dma';
  const anonymous = content !== 'file' && content !== 'dma';
  const huge = (o.huge ?? true) && content !== 'file' && !(anonymous && shared);

  let start: number;
  if (o.addr !== undefined) {
    start = o.addr;
    const end = rangeEnd('mmap', start, length);
    if (mm.vmaps.overlaps(start, end)) {
      throw invalid('mmap', `[${formatVa(start)}, ${formatVa(end)}) overlaps a region; munmap it first`, {
        addr: start,
        length,
      });
    }
    const raw = firstLeaf(mm, start, end);
    if (raw >= 0) {
      throw invalid(
        'mmap',
        `[${formatVa(start)}, ${formatVa(end)}) overlaps a page mapped with map() at ${formatVa(raw)}`,
        {
          addr: start,
          length,
        },
      );
    }
  } else {
    start = place(mm, length);
    if (start === MAP_FAILED) return MAP_FAILED;
  }

  let dmaPfn = NO_FRAME;
  if (content === 'dma') {
    dmaPfn = mapDma(mm, start, pages, prot, huge);
    if (dmaPfn === NO_FRAME) return MAP_FAILED;
  }
  const file = o.file ?? (anonymous && shared ? MemoryFile.anonymous(mm.pmm, pages) : null);
  const vmap = new Vmap(
    start,
    start + length,
    prot,
    content,
    shared,
    huge,
    file,
    offset / PAGE_SIZE,
    dmaPfn,
    o.file === undefined && file !== null,
  );
  mm.vmaps.insert(vmap);
  return start;
}

/** The lowest free range from `MMAP_BASE` (2 MiB-aligned for 2 MiB or more), clear of regions and raw pages. */
function place(mm: MmContext, length: number): number {
  const align = length >= HUGE_PAGE_SIZE ? HUGE_PAGE_SIZE : PAGE_SIZE;
  let from = MMAP_BASE;
  for (;;) {
    const start = mm.vmaps.gap(from, length, align, LOWER_HALF_END);
    if (start < 0) return MAP_FAILED;
    const raw = firstLeaf(mm, start, start + length);
    if (raw < 0) return start;
    from = raw + PAGE_SIZE;
  }
}

/**
 * A DMA buffer: one zeroed contiguous run (2 MiB-aligned when it can use 2 MiB pages), mapped
 * at once and pinned. Returns the run's first frame, or `NO_FRAME` having changed nothing.
 */
function mapDma(mm: MmContext, start: number, pages: number, prot: number, allowHuge: boolean): Pfn {
  const pmm = mm.pmm;
  let run = NO_FRAME;
  if (allowHuge && pages >= 512 && start % HUGE_PAGE_SIZE === 0) run = pmm.allocRun(pages, { align: 512 });
  if (run === NO_FRAME) run = pmm.allocRun(pages);
  if (run === NO_FRAME) return NO_FRAME;
  mm.mem.zero(run, pages);
  const tables = mm.tables;
  const low = Pte.P | Pte.US | Pte.REF | ((prot & PROT_W) !== 0 ? Pte.RW : 0);
  const nx = (prot & PROT_X) !== 0 ? 0 : Pte.NX;
  let i = 0;
  while (i < pages) {
    const va = start + i * PAGE_SIZE;
    const u = toU48(va);
    const huge = allowHuge && va % HUGE_PAGE_SIZE === 0 && (run + i) % 512 === 0 && i + 512 <= pages;
    const deposit = huge ? pmm.alloc() : NO_FRAME;
    const table = huge && deposit === NO_FRAME ? NO_FRAME : tables.ensure(u, huge ? 2 : 1);
    if (table === NO_FRAME) {
      if (deposit !== NO_FRAME) pmm.free(deposit);
      // Undo: unmap what was mapped (dropping those frames), then drop the rest of the run.
      if (i > 0) mm.unmapRegionRange(start, va);
      pmm.unref(run + i, pages - i);
      return NO_FRAME;
    }
    const pfn = run + i;
    tables.set(table, indexAt(u, huge ? 2 : 1), entryLow(pfn, low | (huge ? Pte.PS : 0)), entryHigh(pfn, nx));
    if (huge) mm.deposits.push(deposit);
    i += huge ? 512 : 1;
  }
  return run;
}

/** Unmaps the regions' pages in `[addr, addr + length)`; true when the range touched a region. */
export function munmap(mm: MmContext, addr: number, length: number): boolean {
  const end = rangeEnd('munmap', addr, length);
  const vmaps = mm.vmaps;
  if (!vmaps.overlaps(addr, end)) return false;
  mm.splitHugeAround(addr);
  mm.splitHugeAround(end);
  for (let i = vmaps.firstEndingAfter(addr); i < vmaps.list.length && vmaps.list[i].start < end; ) {
    const vmap = vmaps.list[i];
    const from = Math.max(vmap.start, addr);
    const to = Math.min(vmap.end, end);
    const middle = vmaps.splitForRange(vmap, (from - vmap.start) / PAGE_SIZE, (to - vmap.start) / PAGE_SIZE);
    mm.unmapRegionRange(middle.start, middle.end);
    vmaps.remove(middle);
    i = vmaps.firstEndingAfter(to);
  }
  return true;
}

/** Sets the protection of `[addr, addr + length)`, which regions must cover without holes. */
export function mprotect(mm: MmContext, addr: number, length: number, protection: string): void {
  const end = rangeEnd('mprotect', addr, length);
  const prot = parseProt('mprotect', protection);
  const vmaps = mm.vmaps;
  let at = addr;
  let changes = false;
  for (let i = vmaps.firstEndingAfter(addr); at < end; i++) {
    if (i >= vmaps.list.length || vmaps.list[i].start > at) {
      throw invalid('mprotect', `${formatVa(at)} is not in a region; nothing was changed`, { addr, length });
    }
    if (vmaps.list[i].prot !== prot) changes = true;
    at = vmaps.list[i].end;
  }
  if (!changes) return;
  mm.splitHugeAround(addr);
  mm.splitHugeAround(end);
  // Regions cover the range without holes (checked above), so `at` moves to the end of each
  // region in turn. (It must move by the range it handled: a region that already has `prot`
  // and reaches past `end` still ends after `to`, and looking it up again would loop forever.)
  for (at = addr; at < end; ) {
    const vmap = vmaps.list[vmaps.firstEndingAfter(at)];
    const from = Math.max(vmap.start, at);
    const to = Math.min(vmap.end, end);
    if (vmap.prot !== prot) {
      const middle = vmaps.splitForRange(
        vmap,
        (from - vmap.start) / PAGE_SIZE,
        (to - vmap.start) / PAGE_SIZE,
      );
      middle.prot = prot;
      mm.protectRange(middle.start, middle.end, prot);
    }
    at = to;
  }
}
