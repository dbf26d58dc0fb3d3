import { HUGE_PAGE_SIZE, PAGE_SIZE, toU48 } from './address';
import { type Access, FaultResult, Pte } from './api';
import { resolveFault } from './faults';
import type { MmContext } from './mm-context';
import { PageFault } from './page-fault';
import { entryPfn } from './pte';
import { protText } from './vmaps';

/*
 * Accesses as a CPU in user mode does them: walk the tables, check present / user / writable,
 * set the accessed bit on every level and the dirty bit on a written leaf; on a miss, take the
 * fault and retry. Like a faulting `rep movs`, a multi-page access that faults part-way leaves
 * the pages before the faulting one done.
 */

/** The physical address of byte `va`, faulting it in for `access`; throws `PageFault`. */
function physical(mm: MmContext, va: number, access: Access): number {
  const tables = mm.tables;
  const u = toU48(va);
  const write = access === 'write';
  // One fault resolves any access; the second pass is a guard against a handler that lies.
  for (let attempt = 0; attempt < 2; attempt++) {
    const found = tables.find(u);
    const lo = tables.lo;
    if (found && (lo & Pte.P) !== 0 && (lo & Pte.US) !== 0 && (!write || (lo & Pte.RW) !== 0)) {
      markAccessed(mm, tables.level, write);
      const pageSize = tables.level === 2 ? HUGE_PAGE_SIZE : PAGE_SIZE;
      return entryPfn(lo, tables.hi) * PAGE_SIZE + (u % pageSize);
    }
    const present = found && (lo & Pte.P) !== 0;
    const result = resolveFault(mm, va, access);
    if (result === FaultResult.NO_MEMORY) {
      throw new PageFault('NO_MEMORY', va, access, 'the allocator has no frame to resolve the fault');
    }
    if (result === FaultResult.CANNOT_HANDLE) {
      const vmap = mm.vmaps.find(va);
      if (vmap === undefined && !present) {
        throw new PageFault('NOT_MAPPED', va, access, 'no region or mapping holds the address');
      }
      throw new PageFault(
        'PROTECTION',
        va,
        access,
        vmap === undefined ? 'the mapping forbids it' : `the region allows only '${protText(vmap.prot)}'`,
      );
    }
  }
  throw new PageFault('PROTECTION', va, access, 'the fault handler could not make the page accessible');
}

function markAccessed(mm: MmContext, leafLevel: number, write: boolean): void {
  const tables = mm.tables;
  for (let level = 4; level >= leafLevel; level--) {
    const table = tables.pathTable[level];
    const index = tables.pathIndex[level];
    const lo = tables.lowWord(table, index);
    const bits = Pte.A | (write && level === leafLevel ? Pte.D : 0);
    if ((lo & bits) !== bits) tables.write(table, index, lo | bits, tables.highWord(table, index));
  }
}

/** Copies `length` bytes from `va` out, as user-mode loads. */
export function cpuRead(mm: MmContext, va: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const at = va + done;
    const pa = physical(mm, at, 'read');
    const n = Math.min(length - done, PAGE_SIZE - (pa % PAGE_SIZE));
    const bytes = frameBytes(mm, pa, at, 'read');
    const from = mm.mem.byteBase + (pa % PAGE_SIZE);
    out.set(bytes.subarray(from, from + n), done);
    done += n;
  }
  return out;
}

/** Stores `data` at `va`, as user-mode stores. */
export function cpuWrite(mm: MmContext, va: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.length) {
    const at = va + done;
    const pa = physical(mm, at, 'write');
    const n = Math.min(data.length - done, PAGE_SIZE - (pa % PAGE_SIZE));
    const bytes = frameBytes(mm, pa, at, 'write');
    bytes.set(data.subarray(done, done + n), mm.mem.byteBase + (pa % PAGE_SIZE));
    done += n;
  }
}

/** The view holding physical address `pa` (its frame's first byte at `mem.byteBase`). */
function frameBytes(mm: MmContext, pa: number, va: number, access: Access): Uint8Array {
  const pfn = Math.floor(pa / PAGE_SIZE);
  if (pfn >= mm.mem.space.frameCount) {
    throw new PageFault('BUS_ERROR', va, access, `frame ${pfn} is outside the frame space's contents`);
  }
  return mm.mem.bytes(pfn);
}
