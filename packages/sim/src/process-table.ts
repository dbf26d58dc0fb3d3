import { type FrameAllocator, FrameError, type RefCountedAllocator, withRefCounts } from '@framekit/core';
import { AddressSpace, FaultResult, MemoryFile } from '@framekit/vm';
import { PROGRAM, PROGRAM_FILE_PAGES, REGION_NAMES, type RegionName } from './program';

/** What one process operation did (the replayer turns it into its outcome). */
export const ProcessOutcome = {
  Done: 0,
  /** Out of frames: the process could not start, fork or fault the page in. */
  Failed: 1,
  /** The process does not exist (it failed to start, or has exited). */
  Skipped: 2,
} as const;
export type ProcessOutcome = (typeof ProcessOutcome)[keyof typeof ProcessOutcome];

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

  spawn(owner: number): ProcessOutcome {
    this.#mustBeNew('spawn', owner);
    const space = this.#image();
    if (space === null) return ProcessOutcome.Failed;
    this.#spaces.set(owner, space);
    return ProcessOutcome.Done;
  }

  fork(owner: number, parent: number): ProcessOutcome {
    this.#mustBeNew('fork', owner);
    const from = this.#spaces.get(parent);
    if (from === undefined) return ProcessOutcome.Skipped;
    const child = from.fork();
    if (child === null) return ProcessOutcome.Failed;
    this.#spaces.set(owner, child);
    return ProcessOutcome.Done;
  }

  /** Past the point of no return: when the new image finds no frame, the process is gone. */
  exec(owner: number): ProcessOutcome {
    const old = this.#spaces.get(owner);
    if (old === undefined) return ProcessOutcome.Skipped;
    old[Symbol.dispose]();
    this.#spaces.delete(owner);
    const space = this.#image();
    if (space === null) return ProcessOutcome.Failed;
    this.#spaces.set(owner, space);
    return ProcessOutcome.Done;
  }

  touch(owner: number, region: RegionName, page: number, write: boolean): ProcessOutcome {
    const space = this.#spaces.get(owner);
    if (space === undefined) return ProcessOutcome.Skipped;
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
        return ProcessOutcome.Done;
      case FaultResult.NO_MEMORY:
        return ProcessOutcome.Failed;
      case FaultResult.CANNOT_HANDLE:
        throw new FrameError(
          'INVALID_REQUEST',
          `touch: process ${owner} may not ${write ? 'write' : 'read'} its ${region} (protection '${r.prot}')`,
          { op: 'touch', owner },
        );
      default:
        this.faults++;
        return ProcessOutcome.Done;
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
