import type { FrameAllocator, Pfn, PfnArray, RunOptions } from '@framekit/core';
import { NO_FRAME } from '@framekit/core';
import type { FrameRef, TraceOp } from './trace';

export interface Recording {
  /** Use this in place of the allocator: every call is recorded, then passed on. */
  readonly allocator: FrameAllocator;
  /** The trace so far; `formatTrace(recording.ops)` writes it as JSON Lines. */
  readonly ops: TraceOp[];
}

/**
 * Records every call made to `allocator` as trace operations. A call is recorded before it
 * runs, so a call that throws (a double free, say) is in the trace and replays the same way.
 */
export function recordTrace(allocator: FrameAllocator, options: { owner?: number } = {}): Recording {
  const ops: TraceOp[] = [];
  /** Which allocation handed out each live frame: frame → [id, index]. */
  const origin = new Map<number, [number, number]>();
  let nextId = 0;
  const owner = options.owner;
  const withOwner = <T extends object>(op: T): T => (owner === undefined ? op : { ...op, owner });
  const ref = (pfn: Pfn): FrameRef => {
    const o = origin.get(pfn);
    return o ? { id: o[0], i: o[1] } : { pfn };
  };
  const handedOut = (id: number, pfns: ArrayLike<number>, count: number) => {
    for (let i = 0; i < count; i++) origin.set(pfns[i], [id, i]);
  };
  const runFrames = (pfn: number, count: number) => Array.from({ length: count }, (_, i) => pfn + i);

  const recorder: FrameAllocator = {
    name: allocator.name,
    capabilities: allocator.capabilities,
    space: allocator.space,
    ranges: allocator.ranges,
    alloc() {
      const id = nextId++;
      const op = withOwner({ op: 'alloc' as const, id, result: NO_FRAME });
      ops.push(op);
      const pfn = allocator.alloc();
      op.result = pfn;
      if (pfn !== NO_FRAME) handedOut(id, [pfn], 1);
      return pfn;
    },
    allocMany(out: PfnArray, count: number) {
      const id = nextId++;
      const op = withOwner({ op: 'allocMany' as const, id, count, result: false });
      ops.push(op);
      const ok = allocator.allocMany(out, count);
      op.result = ok;
      if (ok) handedOut(id, out, count);
      return ok;
    },
    allocRun(count: number, runOptions?: RunOptions) {
      const id = nextId++;
      const op = withOwner({
        op: 'allocRun' as const,
        id,
        count,
        ...(runOptions?.align === undefined ? {} : { align: runOptions.align }),
        ...(runOptions?.below === undefined ? {} : { below: runOptions.below }),
        result: NO_FRAME,
      });
      ops.push(op);
      const pfn = allocator.allocRun(count, runOptions);
      op.result = pfn;
      if (pfn !== NO_FRAME) handedOut(id, runFrames(pfn, count), count);
      return pfn;
    },
    free(pfn: Pfn) {
      ops.push({ op: 'free', ref: ref(pfn) });
      allocator.free(pfn);
      origin.delete(pfn);
    },
    freeMany(pfns: PfnArray, count: number) {
      const refs: FrameRef[] = [];
      for (let i = 0; i < count; i++) refs.push(ref(pfns[i]));
      ops.push({ op: 'freeMany', refs });
      allocator.freeMany(pfns, count);
      for (let i = 0; i < count; i++) origin.delete(pfns[i]);
    },
    freeRun(pfn: Pfn, count: number) {
      ops.push({ op: 'freeRun', ref: ref(pfn), count });
      allocator.freeRun(pfn, count);
      for (let i = 0; i < count; i++) origin.delete(pfn + i);
    },
    isFree: (pfn) => allocator.isFree(pfn),
    stats: () => allocator.stats(),
  };
  if (allocator.forEachFreeRun) {
    const visitRuns = allocator.forEachFreeRun.bind(allocator);
    (recorder as { forEachFreeRun?: FrameAllocator['forEachFreeRun'] }).forEachFreeRun = visitRuns;
  }
  return { allocator: recorder, ops };
}
