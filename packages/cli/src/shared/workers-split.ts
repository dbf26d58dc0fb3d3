import {
  attach,
  createLLFreeAllocator,
  type LLFreeAllocator,
  type LLFreeDescriptor,
} from '@framekit/alloc-llfree';
import { FrameError, type FrameSpace } from '@framekit/core';
import { Replayer, type TraceOp } from '@framekit/sim';
import { type CompareSetup, findWorkload, loadMap, workloadOps } from './compare';

/*
 * `compare --workers` without the threads: what Node's worker_threads (the CLI) and the
 * browser's Web Workers (the playground) share — the workload split by owner, one worker's
 * replay of its share, and the row made from what the workers report.
 */

/** One run of a workload split over `workers` threads on one shared llfree allocator. */
export interface WorkersRow {
  readonly workers: number;
  readonly ops: number;
  /** All workers' operations per second of wall time (the slowest worker's). */
  readonly opsPerSecond: number;
  /** Throughput over the one-worker run's. */
  readonly scaling: number;
  /** Compare-exchanges and bit operations that lost a race, per operation. */
  readonly retriesPerOp: number;
  readonly failed: number;
  /** `verify()` after the run: every counter matches the bits. */
  readonly verified: boolean;
}

/** What one worker did with its share. */
export interface WorkerShareResult {
  readonly ops: number;
  readonly ms: number;
  readonly failed: number;
}

/** The worker counts a `--workers N` run measures: 1, 2, 4 … and N. */
export function workerCounts(workers: number): number[] {
  const counts: number[] = [];
  for (let n = 1; n < workers; n *= 2) counts.push(n);
  counts.push(workers);
  return counts;
}

/**
 * Splits a trace into `n` parts by owner (a process and everything it allocates and frees
 * stay together, in order); ops that name a frame by allocation id go with that allocation's
 * owner. Owners are dealt round-robin in the order they first appear.
 */
export function splitByOwner(ops: readonly TraceOp[], n: number): TraceOp[][] {
  const parts: TraceOp[][] = Array.from({ length: n }, () => []);
  const partOfOwner = new Map<number, number>();
  const partOfId = new Map<number, number>();
  const partOf = (owner: number) => {
    let p = partOfOwner.get(owner);
    if (p === undefined) {
      p = partOfOwner.size % n;
      partOfOwner.set(owner, p);
    }
    return p;
  };
  for (const op of ops) {
    let p: number;
    if (op.op === 'free' || op.op === 'freeRun' || op.op === 'freeMany') {
      const ref = op.op === 'freeMany' ? op.refs[0] : op.ref;
      p = ref && 'id' in ref ? (partOfId.get(ref.id) ?? 0) : 0;
    } else {
      // Ops without an owner belong to owner -1, a group of their own.
      p = partOf(op.owner ?? -1);
      if ('id' in op) partOfId.set(op.id, p);
    }
    parts[p].push(op);
  }
  return parts;
}

/**
 * The setup's map and workload for a workers run. Workloads that run processes in address
 * spaces need frame contents per process and are refused (`UNSUPPORTED`).
 */
export function prepareWorkersRun(setup: CompareSetup): { space: FrameSpace; ops: TraceOp[] } {
  const workload = findWorkload(setup.workload);
  if (workload.needsContents) {
    throw new FrameError(
      'UNSUPPORTED',
      `--workers: '${setup.workload}' runs processes in address spaces; pick a workload without them`,
      { op: 'workers' },
    );
  }
  const { space } = loadMap(setup.map, setup.format);
  return { space, ops: [...workloadOps(setup, space.usableFrames)] };
}

/** A fresh llfree allocator over the space for a run of `n` workers (and the page or main thread). */
export function workersAllocator(space: FrameSpace, n: number): LLFreeAllocator {
  return createLLFreeAllocator(space, space.ranges, { maxWorkers: Math.max(2, n + 1) });
}

/** Inside a worker: replays `ops` on its handle of the shared allocator, timed. */
export function replayShare(descriptor: LLFreeDescriptor, ops: readonly TraceOp[]): WorkerShareResult {
  const pmm = attach(descriptor);
  const replayer = new Replayer(pmm);
  const t0 = performance.now();
  for (const op of ops) replayer.apply(op);
  const ms = performance.now() - t0;
  pmm.close();
  return { ops: ops.length, ms, failed: replayer.failed };
}

/** The row for `n` workers from what each reported; `base` is the one-worker run's ops/s (0 for that run). */
export function workersRow(
  n: number,
  shares: readonly WorkerShareResult[],
  pmm: LLFreeAllocator,
  base: number,
): WorkersRow {
  let total = 0;
  let ms = 0;
  let failed = 0;
  for (const share of shares) {
    total += share.ops;
    ms = Math.max(ms, share.ms);
    failed += share.failed;
  }
  const opsPerSecond = ms > 0 ? Math.round((total / ms) * 1000) : 0;
  const contention = pmm.contention();
  return {
    workers: n,
    ops: total,
    opsPerSecond,
    scaling: base > 0 ? opsPerSecond / base : n === 1 ? 1 : 0,
    retriesPerOp: contention.retries / Math.max(1, contention.allocs + contention.frees),
    failed,
    verified: pmm.verify().ok,
  };
}
