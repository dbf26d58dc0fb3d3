import { type FrameAllocator, type FrameErrorCode, isFrameError, NO_FRAME } from '@framekit/core';
import { Outcome } from './outcome';
import { ProcessTable } from './process-table';
import type { FrameRef, TraceOp } from './trace';

export { Outcome } from './outcome';

const SINGLE = 1;
const BATCH = 2;
const RUN = 3;

export interface ReplayError {
  /** Index of the operation in the trace. */
  readonly index: number;
  readonly code: FrameErrorCode;
  readonly message: string;
}

/**
 * Executes trace operations against one allocator, mapping allocation ids to the frames this
 * allocator handed out. The same trace replays on any allocator.
 */
export class Replayer {
  readonly allocator: FrameAllocator;
  allocations = 0;
  failed = 0;
  skipped = 0;
  /** Requests outside the strategy's capabilities (also counted in `failed`). */
  unsupported = 0;
  readonly errors: ReplayError[] = [];
  /** The processes of `spawn` / `fork` / `exec` / `touch` operations, in address spaces over the allocator. */
  readonly processes: ProcessTable;
  /**
   * Live allocations: id → a slot of the columns below (its kind, first frame and frame count).
   * Released and failed ids hold no slot, and slots are reused, so memory follows the live
   * set, not the length of the trace.
   */
  readonly #slot = new Map<number, number>();
  #kind = new Uint8Array(1024);
  #start = new Float64Array(1024);
  #count = new Float64Array(1024);
  readonly #freeSlots: number[] = [];
  #slotsUsed = 0;
  /** Frames of batches, and frames already freed one by one out of batches or runs. */
  readonly #batchFrames = new Map<number, Float64Array>();
  readonly #freedParts = new Map<number, Set<number>>();
  readonly #owned = new Map<number, number[]>();
  #index = 0;

  constructor(allocator: FrameAllocator) {
    this.allocator = allocator;
    this.processes = new ProcessTable(allocator);
  }

  apply(op: TraceOp): Outcome {
    const index = this.#index++;
    try {
      return this.#apply(op);
    } catch (error) {
      if (!isFrameError(error)) throw error;
      // A request the strategy cannot serve at all (a run from a stack) is a failed request, not misuse.
      if (error.code === 'UNSUPPORTED' && op.op.startsWith('alloc') && 'id' in op) {
        this.unsupported++;
        return this.#record(op.id, 0, NO_FRAME, 'count' in op ? op.count : 1, undefined);
      }
      this.errors.push({ index, code: error.code, message: error.message });
      return Outcome.Error;
    }
  }

  #apply(op: TraceOp): Outcome {
    const a = this.allocator;
    switch (op.op) {
      case 'alloc': {
        const pfn = a.alloc();
        return this.#record(op.id, pfn === NO_FRAME ? 0 : SINGLE, pfn, 1, op.owner);
      }
      case 'allocMany': {
        const out = new Float64Array(op.count);
        if (!a.allocMany(out, op.count)) return this.#record(op.id, 0, NO_FRAME, op.count, op.owner);
        this.#batchFrames.set(op.id, out);
        return this.#record(op.id, BATCH, out[0], op.count, op.owner);
      }
      case 'allocRun': {
        const options =
          op.align === undefined && op.below === undefined ? undefined : { align: op.align, below: op.below };
        const pfn = a.allocRun(op.count, options);
        return this.#record(op.id, pfn === NO_FRAME ? 0 : RUN, pfn, op.count, op.owner);
      }
      case 'free': {
        const pfn = this.#resolve(op.ref);
        if (pfn === NO_FRAME) return this.#skip();
        a.free(pfn);
        this.#released(op.ref, 1);
        return Outcome.Done;
      }
      case 'freeMany': {
        const pfns: number[] = [];
        for (const ref of op.refs) {
          const pfn = this.#resolve(ref);
          if (pfn !== NO_FRAME) pfns.push(pfn);
        }
        if (pfns.length === 0 && op.refs.length > 0) return this.#skip();
        a.freeMany(pfns, pfns.length);
        for (const ref of op.refs) if (this.#resolve(ref) !== NO_FRAME) this.#released(ref, 1);
        return Outcome.Done;
      }
      case 'freeRun': {
        const pfn = this.#resolve(op.ref);
        if (pfn === NO_FRAME) return this.#skip();
        a.freeRun(pfn, op.count);
        this.#released(op.ref, op.count);
        return Outcome.Done;
      }
      case 'exit':
        this.processes.exit(op.owner);
        return this.#exit(op.owner);
      case 'spawn':
        return this.#process(this.processes.spawn(op.owner));
      case 'fork':
        return this.#process(this.processes.fork(op.owner, op.parent));
      case 'exec':
        return this.#process(this.processes.exec(op.owner));
      case 'touch':
        return this.#process(this.processes.touch(op.owner, op.region, op.page, op.write));
    }
  }

  #process(outcome: Outcome): Outcome {
    if (outcome === Outcome.Failed) this.failed++;
    else if (outcome === Outcome.Skipped) this.skipped++;
    return outcome;
  }

  #record(id: number, kind: number, pfn: number, count: number, owner: number | undefined): Outcome {
    if (kind === 0) {
      this.#forget(id);
      this.failed++;
      return Outcome.Failed;
    }
    let slot = this.#slot.get(id);
    if (slot === undefined) {
      slot = this.#freeSlots.pop() ?? this.#newSlot();
      this.#slot.set(id, slot);
    }
    this.#kind[slot] = kind;
    this.#start[slot] = pfn;
    this.#count[slot] = count;
    this.allocations++;
    if (owner !== undefined) {
      let ids = this.#owned.get(owner);
      if (!ids) {
        ids = [];
        this.#owned.set(owner, ids);
      }
      ids.push(id);
    }
    return Outcome.Done;
  }

  #newSlot(): number {
    if (this.#slotsUsed === this.#kind.length) {
      const grow = <T extends Uint8Array | Float64Array>(old: T, make: (n: number) => T): T => {
        const next = make(old.length * 2);
        next.set(old);
        return next;
      };
      this.#kind = grow(this.#kind, (n) => new Uint8Array(n));
      this.#start = grow(this.#start, (n) => new Float64Array(n));
      this.#count = grow(this.#count, (n) => new Float64Array(n));
    }
    return this.#slotsUsed++;
  }

  #skip(): Outcome {
    this.skipped++;
    return Outcome.Skipped;
  }

  /** The frame a reference names, or NO_FRAME when its allocation failed or was released. */
  #resolve(ref: FrameRef): number {
    if ('pfn' in ref) return ref.pfn;
    const slot = this.#slot.get(ref.id);
    if (slot === undefined || ref.i >= this.#count[slot]) return NO_FRAME;
    if (this.#freedParts.get(ref.id)?.has(ref.i)) return NO_FRAME;
    return this.#kind[slot] === BATCH ? this.#batchFrames.get(ref.id)![ref.i] : this.#start[slot] + ref.i;
  }

  /** Marks `count` frames from `ref` released; an allocation with no frames left is gone. */
  #released(ref: FrameRef, count: number): void {
    if ('pfn' in ref) return;
    const { id, i } = ref;
    const slot = this.#slot.get(id);
    if (slot === undefined) return;
    const total = this.#count[slot];
    if (i === 0 && count === total && !this.#freedParts.has(id)) {
      this.#forget(id);
      return;
    }
    let parts = this.#freedParts.get(id);
    if (!parts) {
      parts = new Set();
      this.#freedParts.set(id, parts);
    }
    for (let k = i; k < i + count; k++) parts.add(k);
    if (parts.size >= total) this.#forget(id);
  }

  #forget(id: number): void {
    const slot = this.#slot.get(id);
    if (slot !== undefined) {
      this.#slot.delete(id);
      this.#freeSlots.push(slot);
    }
    this.#batchFrames.delete(id);
    this.#freedParts.delete(id);
  }

  /** Frees everything `owner` still holds, as the kernel does when a process exits. */
  #exit(owner: number): Outcome {
    const ids = this.#owned.get(owner);
    this.#owned.delete(owner);
    if (!ids) return Outcome.Done;
    const a = this.allocator;
    for (const id of ids) {
      const slot = this.#slot.get(id);
      if (slot === undefined) continue;
      const kind = this.#kind[slot];
      const start = this.#start[slot];
      const count = this.#count[slot];
      const parts = this.#freedParts.get(id);
      if (kind === SINGLE) a.free(start);
      else if (kind === RUN && !parts) a.freeRun(start, count);
      else {
        const left: number[] = [];
        for (let i = 0; i < count; i++) {
          if (!parts?.has(i)) left.push(kind === BATCH ? this.#batchFrames.get(id)![i] : start + i);
        }
        a.freeMany(left, left.length);
      }
      this.#forget(id);
    }
    return Outcome.Done;
  }
}
