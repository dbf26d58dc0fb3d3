import {
  FrameError,
  type FrameSpace,
  MAX_PFN,
  NO_FRAME,
  type Pfn,
  type RefCountedAllocator,
} from '@framekit/core';
import { checkVa, formatVa, HUGE_PAGE_SIZE, isCanonical, PAGE_SIZE, toU48 } from './address';
import {
  type Access,
  type AddressSpaceStats,
  type FaultResult,
  type MmapOptions,
  Pte,
  type Region,
  type Translation,
} from './api';
import { cpuRead, cpuWrite } from './cpu';
import { resolveFault } from './faults';
import { forkContext } from './fork';
import { FrameMemory } from './frame-memory';
import { MmContext } from './mm-context';
import { mmap, mprotect, munmap } from './mmap';
import { indexAt, type LeafVisitor, U48_END } from './page-tables';
import { entryFlags, entryHigh, entryLow, entryPfn, MAPPABLE_FLAGS } from './pte';
import { protText } from './vmaps';

const ACCESSES: readonly string[] = ['read', 'write', 'exec'];

/**
 * A virtual address space (MOS `mm_context_t` with its vmaps): a real x86-64 4-level page
 * table in frames of `pmm`, the regions `mmap` made, page faults, copy-on-write and `fork()`.
 *
 * Addresses are numbers in framekit's signed canonical form (see `vaFromBigInt`): regions live
 * in the lower half [0, 2^47); `map`/`unmap`/`translate` also reach the higher half.
 * Misuse throws a `FrameError` and changes nothing; running out of frames returns `null`,
 * `false` or `MAP_FAILED`; `read`/`write` throw a `PageFault`.
 */
export class AddressSpace implements Disposable {
  readonly #mm: MmContext;

  private constructor(mm: MmContext) {
    this.#mm = mm;
  }

  /**
   * An empty address space whose tables come from `pmm` (reference-counted, see core's
   * `withRefCounts`) over `space`, which must hold contents. Null when no frame is free for the root table.
   */
  static create(pmm: RefCountedAllocator, space: FrameSpace): AddressSpace | null {
    if (
      pmm === null ||
      typeof pmm !== 'object' ||
      typeof pmm.ref !== 'function' ||
      typeof pmm.unref !== 'function' ||
      typeof pmm.refCount !== 'function'
    ) {
      throw new FrameError(
        'INVALID_REQUEST',
        'AddressSpace.create: pmm must be a reference-counted allocator (wrap it with withRefCounts)',
        { op: 'AddressSpace.create' },
      );
    }
    if (pmm.space !== space) {
      throw new FrameError(
        'INVALID_REQUEST',
        'AddressSpace.create: pmm hands out frames of a different frame space',
        { op: 'AddressSpace.create' },
      );
    }
    const mem = new FrameMemory(space);
    const root = pmm.alloc();
    if (root === NO_FRAME) return null;
    return new AddressSpace(new MmContext(pmm, mem, root));
  }

  /** The top-level table's frame, as CR3 would hold it. */
  get rootPfn(): Pfn {
    return this.#mm.tables.root;
  }

  get pmm(): RefCountedAllocator {
    return this.#mm.pmm;
  }

  get space(): FrameSpace {
    return this.#mm.mem.space;
  }

  get disposed(): boolean {
    return this.#mm.disposed;
  }

  /**
   * Maps `va` to frame `pfn` with `flags` (see `Pte`; must include `P`; with `PS`, a 2 MiB
   * page: `va` 2 MiB-aligned, `pfn` a multiple of 512). A usable frame must be allocated; the
   * mapping takes a reference on it (and marks the entry `REF`). Frames outside usable memory
   * (device memory, holes) are mapped without one. `va` must not be mapped or inside a region.
   * False when a page table cannot be allocated.
   */
  map(va: number, pfn: Pfn, flags: number): boolean {
    const mm = this.#live('map');
    const f = readFlags(flags);
    const huge = (f & Pte.PS) !== 0;
    const size = huge ? HUGE_PAGE_SIZE : PAGE_SIZE;
    checkVa('map', va, size);
    const count = huge ? 512 : 1;
    if (!Number.isSafeInteger(pfn) || pfn < 0 || pfn + count > MAX_PFN || pfn % count !== 0) {
      throw new FrameError(
        'INVALID_REQUEST',
        `map: ${pfn} is not a frame number below 2^40${huge ? ' and a multiple of 512' : ''}`,
        { op: 'map', pfn },
      );
    }
    if ((f & Pte.P) === 0) {
      throw new FrameError('INVALID_REQUEST', 'map: flags need Pte.P', { op: 'map', flags: f });
    }
    if (mm.vmaps.overlaps(va, va + size)) {
      throw new FrameError(
        'INVALID_REQUEST',
        `map: ${formatVa(va)} is inside a region; regions are changed with mmap/munmap/mprotect`,
        { op: 'map', va },
      );
    }
    const tables = mm.tables;
    const u = toU48(va);
    if (tables.find(u) || (huge && tables.level === 1)) {
      throw new FrameError(
        'INVALID_REQUEST',
        `map: ${formatVa(va)} is already mapped${tables.level === 1 && huge ? ' (4 KiB pages in this 2 MiB block)' : ''}; unmap first`,
        { op: 'map', va },
      );
    }
    const counted = usableRun(mm, pfn, count);
    if (counted) mm.pmm.ref(pfn, count);
    const table = tables.ensure(u, huge ? 2 : 1);
    if (table === NO_FRAME) {
      if (counted) mm.pmm.unref(pfn, count);
      return false;
    }
    tables.set(
      table,
      indexAt(u, huge ? 2 : 1),
      entryLow(pfn, f | (counted ? Pte.REF : 0)),
      entryHigh(pfn, f),
    );
    return true;
  }

  /**
   * Removes the `map` mapping that starts at `va` (the 2 MiB page's start for a 2 MiB page),
   * dropping its reference and freeing tables left empty. False when nothing is mapped there.
   */
  unmap(va: number): boolean {
    const mm = this.#live('unmap');
    checkVa('unmap', va, PAGE_SIZE);
    if (mm.vmaps.indexOf(va) >= 0) {
      throw new FrameError('INVALID_REQUEST', `unmap: ${formatVa(va)} is inside a region; use munmap`, {
        op: 'unmap',
        va,
      });
    }
    const tables = mm.tables;
    const u = toU48(va);
    if (!tables.find(u)) return false;
    if (tables.level === 2 && va % HUGE_PAGE_SIZE !== 0) {
      throw new FrameError(
        'INVALID_REQUEST',
        `unmap: ${formatVa(va)} is inside the 2 MiB page at ${formatVa(va - (va % HUGE_PAGE_SIZE))}; unmap its start`,
        { op: 'unmap', va },
      );
    }
    const { table, index, lo, hi, level } = tables;
    tables.set(table, index, 0, 0);
    mm.unrefLeaf(lo, hi, level);
    tables.prune(u);
    return true;
  }

  /**
   * Walks the tables for `va`: the physical address of that byte and the leaf's flags, or
   * null when no present page maps it. Pass `out` to receive the answer without allocating.
   */
  translate(va: number, out?: Translation): Translation | null {
    const mm = this.#live('translate');
    if (!isCanonical(va)) checkVa('translate', va);
    const tables = mm.tables;
    const u = toU48(va);
    if (!tables.find(u) || (tables.lo & Pte.P) === 0) return null;
    const size = tables.level === 2 ? HUGE_PAGE_SIZE : PAGE_SIZE;
    const target = out ?? { pa: 0, flags: 0 };
    target.pa = entryPfn(tables.lo, tables.hi) * PAGE_SIZE + (u % size);
    target.flags = entryFlags(tables.lo, tables.hi);
    return target;
  }

  /** Creates a region (MOS `vmap_create` + `vmap_finalise_init`); its address, or `MAP_FAILED` when there is no room. */
  mmap(options: MmapOptions): number {
    return mmap(this.#live('mmap'), options);
  }

  /**
   * Removes `[addr, addr + length)` (page-aligned `addr`, `length` rounded up to pages) from
   * the regions it touches, splitting them; holes in the range are fine. True when it
   * touched a region, false when there was nothing to unmap.
   */
  munmap(addr: number, length: number): boolean {
    return munmap(this.#live('munmap'), addr, length);
  }

  /** Sets the protection of `[addr, addr + length)`, splitting regions; the range must be all regions. */
  mprotect(addr: number, length: number, prot: string): void {
    mprotect(this.#live('mprotect'), addr, length, prot);
  }

  /** Resolves a page fault at `va` for `access` (MOS `mm_handle_fault`) and says what it did. */
  handleFault(va: number, access: Access): FaultResult {
    const mm = this.#live('handleFault');
    checkVa('handleFault', va);
    if (!ACCESSES.includes(access)) {
      throw new FrameError(
        'INVALID_REQUEST',
        `handleFault: access ${String(access)} is not read, write or exec`,
        {
          op: 'handleFault',
          access,
        },
      );
    }
    return resolveFault(mm, va, access);
  }

  /** Reads `length` bytes from `va` as a user-mode CPU would, faulting pages in; throws `PageFault`. */
  read(va: number, length: number): Uint8Array {
    const mm = this.#live('read');
    checkRange('read', va, length);
    return cpuRead(mm, va, length);
  }

  /** Writes `bytes` at `va` as a user-mode CPU would, faulting pages in; throws `PageFault`. */
  write(va: number, bytes: Uint8Array): void {
    const mm = this.#live('write');
    if (!(bytes instanceof Uint8Array)) {
      throw new FrameError('INVALID_REQUEST', 'write: bytes must be a Uint8Array', { op: 'write' });
    }
    checkRange('write', va, bytes.length);
    cpuWrite(mm, va, bytes);
  }

  /** A copy-on-write child (MOS `process_do_fork`); null when no frames are left for its tables. */
  fork(): AddressSpace | null {
    const child = forkContext(this.#live('fork'));
    return child === null ? null : new AddressSpace(child);
  }

  /** The regions, in address order. */
  regions(): Region[] {
    return this.#live('regions').vmaps.list.map((v) => {
      const region: Region = {
        start: v.start,
        end: v.end,
        length: v.end - v.start,
        prot: protText(v.prot),
        content: v.content,
        fork: v.shared ? 'shared' : 'private',
        huge: v.huge,
        ...(v.file !== null && !v.anonymousFile ? { file: v.file, offset: v.filePage * PAGE_SIZE } : {}),
        ...(v.dmaPfn !== NO_FRAME ? { physical: v.dmaPfn * PAGE_SIZE } : {}),
      };
      return region;
    });
  }

  /** Counts of tables and leaves (a walk over the tables). */
  stats(): AddressSpaceStats {
    const mm = this.#live('stats');
    const counter = new LeafCounter();
    mm.tables.walk(0, U48_END, counter, false);
    return {
      tableFrames: mm.tables.tableFrames,
      depositFrames: mm.deposits.length,
      pages4K: counter.small,
      pages2M: counter.huge,
      regions: mm.vmaps.list.length,
      zeroPage: mm.zeroPfn !== NO_FRAME,
    };
  }

  /** Unmaps everything and returns every frame: pages, tables, deposits, the zero page's reference. */
  [Symbol.dispose](): void {
    if (!this.#mm.disposed) this.#mm.release();
  }

  #live(op: string): MmContext {
    if (this.#mm.disposed) {
      throw new FrameError('INVALID_REQUEST', `${op}: the address space was disposed`, { op });
    }
    return this.#mm;
  }
}

class LeafCounter implements LeafVisitor {
  done = false;
  small = 0;
  huge = 0;

  leaf(_table: Pfn, _index: number, level: number): void {
    if (level === 2) this.huge++;
    else this.small++;
  }
}

/** A flags number as an unsigned value; throws on bits `map` does not take. */
function readFlags(flags: number): number {
  if (!Number.isInteger(flags) || flags < -(2 ** 31) || flags >= 2 ** 32) {
    throw new FrameError('INVALID_REQUEST', `map: flags ${flags} is not a 32-bit flags number`, {
      op: 'map',
      flags,
    });
  }
  const f = flags >>> 0;
  if ((f & ~MAPPABLE_FLAGS) !== 0) {
    throw new FrameError(
      'INVALID_REQUEST',
      `map: flags 0x${f.toString(16)} has bits other than P RW US PWT PCD A D PS G NX`,
      { op: 'map', flags: f },
    );
  }
  return f;
}

/** True when all `count` frames from `pfn` are usable memory, false when none are; throws when mixed. */
function usableRun(mm: MmContext, pfn: Pfn, count: number): boolean {
  const space = mm.mem.space;
  const first = pfn < space.frameCount && space.isUsable(pfn);
  for (let i = 1; i < count; i++) {
    if ((pfn + i < space.frameCount && space.isUsable(pfn + i)) !== first) {
      throw new FrameError(
        'INVALID_REQUEST',
        `map: the 2 MiB page at frame ${pfn} mixes usable memory and holes`,
        { op: 'map', pfn },
      );
    }
  }
  return first;
}

/** Throws unless `[va, va + length)` is canonical and inside one half. */
function checkRange(op: string, va: number, length: number): void {
  checkVa(op, va);
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new FrameError('INVALID_REQUEST', `${op}: length ${length} must be an integer >= 0`, {
      op,
      length,
    });
  }
  const last = va + Math.max(length, 1) - 1;
  if (!isCanonical(last) || last < 0 !== va < 0) {
    throw new FrameError(
      'INVALID_REQUEST',
      `${op}: [${formatVa(va)}, +${length}) leaves its half of the canonical address space`,
      { op, va, length },
    );
  }
}
