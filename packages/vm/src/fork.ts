import { NO_FRAME, type Pfn } from '@framekit/core';
import { fromU48 } from './address';
import { Pte } from './api';
import { MmContext } from './mm-context';
import { entryHigh, entryLow, entryPfn, TABLE_FLAGS } from './pte';
import { PROT_W } from './vmaps';

const SPAN = [0, 2 ** 12, 2 ** 21, 2 ** 30, 2 ** 39];

/**
 * MOS `process_do_fork` for memory: the child gets a copy of every region and a page table of
 * the same shape. Private regions become copy-on-write: their pages are mapped read-only in
 * both spaces and gain a reference. Shared regions (and raw `map` pages, like a kernel's own
 * mappings) map the same frames in both. Null when the allocator cannot supply the child's
 * tables; then nothing changed.
 *
 * The child needs exactly as many table frames as the parent has (plus one deposit per 2 MiB
 * region page), so they are taken in one all-or-nothing `allocMany`. The parent's pages lose
 * write access only after the child is complete, so a failure (a refcount overflow) leaves the
 * parent untouched.
 */
export function forkContext(parent: MmContext): MmContext | null {
  const pmm = parent.pmm;
  const need = parent.tables.tableFrames + parent.deposits.length;
  const frames = new Float64Array(need);
  if (!pmm.allocMany(frames, need)) return null;
  const child = new MmContext(pmm, parent.mem, frames[0]);
  const cursor = { next: 1 };
  try {
    for (const vmap of parent.vmaps.list) child.vmaps.list.push(vmap.clone());
    if (parent.zeroPfn !== NO_FRAME) {
      pmm.ref(parent.zeroPfn);
      child.zeroPfn = parent.zeroPfn;
    }
    copyTable(parent, child, parent.tables.root, child.tables.root, 4, 0, frames, cursor);
  } catch (error) {
    for (let i = cursor.next; i < need; i++) pmm.free(frames[i]);
    child.release();
    throw error;
  }
  for (let i = cursor.next; i < need; i++) child.deposits.push(frames[i]);
  for (const vmap of parent.vmaps.list) {
    if (!vmap.shared && (vmap.prot & PROT_W) !== 0)
      parent.protectRange(vmap.start, vmap.end, vmap.prot & ~PROT_W);
  }
  return child;
}

function copyTable(
  parent: MmContext,
  child: MmContext,
  from: Pfn,
  to: Pfn,
  level: number,
  base: number,
  frames: Float64Array,
  cursor: { next: number },
): void {
  const source = parent.tables;
  const target = child.tables;
  for (let i = 0; i < 512; i++) {
    const lo = source.lowWord(from, i);
    const hi = source.highWord(from, i);
    if ((lo | hi) === 0) continue;
    const entryBase = base + i * SPAN[level];
    if (level === 1 || (level === 2 && (lo & Pte.PS) !== 0)) {
      const vmap = parent.vmaps.find(fromU48(entryBase));
      if ((lo & Pte.REF) !== 0) parent.pmm.ref(entryPfn(lo, hi), level === 2 ? 512 : 1);
      const copyOnWrite = vmap !== undefined && !vmap.shared;
      target.set(to, i, copyOnWrite ? lo & ~Pte.RW : lo, hi);
      continue;
    }
    // Link the child's table before filling it, so a failure part-way can be released whole.
    const table = frames[cursor.next++];
    target.adopt(table);
    target.set(to, i, entryLow(table, TABLE_FLAGS), entryHigh(table, 0));
    copyTable(parent, child, entryPfn(lo, hi), table, level - 1, entryBase, frames, cursor);
  }
}
