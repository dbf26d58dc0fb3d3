import { Worker } from 'node:worker_threads';
import { createLLFreeAllocator } from '@framekit/alloc-llfree';
import { FrameError } from '@framekit/core';
import type { TraceOp } from '@framekit/sim';
import { type CompareSetup, findWorkload, loadMap, workloadOps } from './compare';
import { RESULT_WORDS } from './workers-result';

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
 * Runs the setup's workload on one llfree allocator over the setup's map, first on one worker
 * thread and then split by owner over each count of `workerCounts`. Blocks until done (the
 * workers report through shared memory). Workloads that run processes in address spaces need
 * frame contents per process and are refused (`UNSUPPORTED`).
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

export function runOnWorkers(setup: CompareSetup, workerCounts: readonly number[]): WorkersRow[] {
  const workload = findWorkload(setup.workload);
  if (workload.needsContents) {
    throw new FrameError(
      'UNSUPPORTED',
      `--workers: '${setup.workload}' runs processes in address spaces; pick a workload without them`,
      {
        op: 'workers',
      },
    );
  }
  const { space } = loadMap(setup.map, setup.format);
  const ops = [...workloadOps(setup, space.usableFrames)];
  const rows: WorkersRow[] = [];
  let base = 0;
  for (const n of [1, ...workerCounts.filter((w) => w !== 1)]) {
    const pmm = createLLFreeAllocator(space, space.ranges, { maxWorkers: Math.max(2, n + 1) });
    const results = new SharedArrayBuffer(8 + n * RESULT_WORDS * 8);
    const parts = splitByOwner(ops, n);
    const threads = parts.map((part, index) => {
      const workerData = { descriptor: pmm.share(), ops: part, index, results };
      // From source (tests, the repository's scripts) the worker compiles TypeScript through
      // tsx; from a build, workers-thread.js sits beside this module's output.
      return FROM_SOURCE
        ? new Worker(new URL('./source-worker.mjs', import.meta.url), {
            workerData: { ...workerData, module: new URL('./workers-thread.ts', import.meta.url).href },
          })
        : new Worker(new URL('./workers-thread.js', import.meta.url), { workerData });
    });
    const done = new Int32Array(results, 0, 2);
    let errored: unknown;
    for (const t of threads) t.once('error', (e) => (errored = e));
    for (let seen = Atomics.load(done, 0); seen < n; seen = Atomics.load(done, 0)) {
      if (Atomics.wait(done, 0, seen, 60_000) === 'timed-out')
        throw new Error(`--workers: ${n} workers did not finish`);
    }
    for (const t of threads) void t.terminate();
    if (errored) throw errored;
    const words = new Float64Array(results, 8);
    let total = 0;
    let ms = 0;
    let failed = 0;
    for (let i = 0; i < n; i++) {
      total += words[i * RESULT_WORDS];
      ms = Math.max(ms, words[i * RESULT_WORDS + 1]);
      failed += words[i * RESULT_WORDS + 2];
    }
    const opsPerSecond = ms > 0 ? Math.round((total / ms) * 1000) : 0;
    if (n === 1) base = opsPerSecond;
    const contention = pmm.contention();
    rows.push({
      workers: n,
      ops: total,
      opsPerSecond,
      scaling: base > 0 ? opsPerSecond / base : 0,
      retriesPerOp: contention.retries / Math.max(1, contention.allocs + contention.frees),
      failed,
      verified: pmm.verify().ok,
    });
  }
  return rows;
}
