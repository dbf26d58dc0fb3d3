import { type FrameAllocator, FrameError, type RefCountedAllocator, withRefCounts } from '@framekit/core';
import { AddressSpace, FaultResult, MemoryFile } from '@framekit/vm';
import { Outcome } from './outcome';
import { PROGRAM, PROGRAM_FILE_PAGES, REGION_NAMES, type RegionName } from './program';

const PAGE = 4096;

/**
 * The processes of a VM trace, each in an `AddressSpace` of `@framekit/vm` over a
 * reference-counted view of the allocator. They all run one program, whose file sits in a
 * page cache shared by every process, as a kernel shares a binary's pages.
 */
export class ProcessTable {
  readonly #allocator: FrameAllocator;
  #pmm: RefCountedAllocator | undefined;
  #program: MemoryFile | undefined;
  readonly #spaces = new Map<number, AddressSpace>();
  /** Touches that mapped a page: a zeroed frame, a page of the program file, or a copy of one. */
  faults = 0;

  constructor(allocator: FrameAllocator) {
    this.#allocator = allocator;
  }

  /** Live processes. */
  get size(): number {
    return this.#spaces.size;
  }

  has(owner: number): boolean {
    return this.#spaces.has(owner);
  }

  /** The process's address space, for a look inside (undefined when it does not exist). */
  addressSpace(owner: number): AddressSpace | undefined {
    return this.#spaces.get(owner);
  }

  // Each operation answers Done, Failed (no frame: nothing changed) or Skipped (no such process).

  spawn(owner: number): Outcome {
    this.#mustBeNew('spawn', owner);
    const space = this.#image();
    if (space === null) return Outcome.Failed;
    this.#spaces.set(owner, space);
    return Outcome.Done;
  }

  fork(owner: number, parent: number): Outcome {
    this.#mustBeNew('fork', owner);
    const from = this.#spaces.get(parent);
    if (from === undefined) return Outcome.Skipped;
    const child = from.fork();
    if (child === null) return Outcome.Failed;
    this.#spaces.set(owner, child);
    return Outcome.Done;
  }

  /** Past the point of no return: when the new image finds no frame, the process is gone. */
  exec(owner: number): Outcome {
    const old = this.#spaces.get(owner);
    if (old === undefined) return Outcome.Skipped;
    old[Symbol.dispose]();
    this.#spaces.delete(owner);
    const space = this.#image();
    if (space === null) return Outcome.Failed;
    this.#spaces.set(owner, space);
    return Outcome.Done;
  }

  touch(owner: number, region: RegionName, page: number, write: boolean): Outcome {
    const space = this.#spaces.get(owner);
    if (space === undefined) return Outcome.Skipped;
    const r = PROGRAM[region];
    if (r === undefined || !Number.isInteger(page) || page < 0 || page >= r.pages) {
      throw new FrameError(
        'INVALID_REQUEST',
        `touch: page ${page} of region '${region}' is outside the program (${REGION_NAMES.map((n) => `${n}: ${PROGRAM[n].pages} pages`).join(', ')})`,
        { op: 'touch', owner },
      );
    }
    const result = space.handleFault(r.start + page * PAGE, write ? 'write' : 'read');
    switch (result) {
      case FaultResult.COMPLETE:
        return Outcome.Done;
      case FaultResult.NO_MEMORY:
        return Outcome.Failed;
      case FaultResult.CANNOT_HANDLE:
        throw new FrameError(
          'INVALID_REQUEST',
          `touch: process ${owner} may not ${write ? 'write' : 'read'} its ${region} (protection '${r.prot}')`,
          { op: 'touch', owner },
        );
      default:
        this.faults++;
        return Outcome.Done;
    }
  }

  /** Tears the process's address space down; false when there was none. */
  exit(owner: number): boolean {
    const space = this.#spaces.get(owner);
    if (space === undefined) return false;
    space[Symbol.dispose]();
    this.#spaces.delete(owner);
    return true;
  }

  /** Ends every process and drops the program file's pages: all their frames go back. */
  [Symbol.dispose](): void {
    for (const space of this.#spaces.values()) space[Symbol.dispose]();
    this.#spaces.clear();
    this.#program?.[Symbol.dispose]();
    this.#program = undefined;
  }

  #mustBeNew(op: string, owner: number): void {
    if (this.#spaces.has(owner)) {
      throw new FrameError('INVALID_REQUEST', `${op}: process ${owner} already exists`, { op, owner });
    }
  }

  /** A fresh address space with the program's regions mapped (no frames yet but the root table). */
  #image(): AddressSpace | null {
    const pmm = this.#refCounted();
    // A zero-filled file takes its frames on first use, so creating it cannot fail.
    this.#program ??= MemoryFile.create(pmm, PROGRAM_FILE_PAGES * PAGE)!;
    const space = AddressSpace.create(pmm, pmm.space);
    if (space === null) return null;
    for (const name of REGION_NAMES) {
      const r = PROGRAM[name];
      space.mmap({
        addr: r.start,
        length: r.pages * PAGE,
        prot: r.prot,
        content: r.content,
        ...(r.content === 'file' ? { file: this.#program, offset: (r.filePage ?? 0) * PAGE } : {}),
      });
    }
    return space;
  }

  #refCounted(): RefCountedAllocator {
    if (this.#pmm) return this.#pmm;
    if (!this.#allocator.space.hasContents) {
      throw new FrameError(
        'UNSUPPORTED',
        "processes need a frame space with contents for their page tables and pages: createFrameSpace(map, { backing: 'sparse' })",
        { op: 'spawn' },
      );
    }
    this.#pmm = withRefCounts(this.#allocator);
    return this.#pmm;
  }
}
