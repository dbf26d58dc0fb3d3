import { Worker } from 'node:worker_threads';
import type { CompareSetup } from './compare';
import { RESULT_WORDS } from './workers-result';
import {
  prepareWorkersRun,
  splitByOwner,
  type WorkerShareResult,
  type WorkersRow,
  workersAllocator,
  workersRow,
} from './workers-split';

export { splitByOwner, type WorkersRow } from './workers-split';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * Runs the setup's workload on one llfree allocator over the setup's map, first on one worker
 * thread and then split by owner over each count of `workerCounts`. Blocks until done (the
 * workers report through shared memory). Workloads that run processes in address spaces need
 * frame contents per process and are refused (`UNSUPPORTED`).
 */
export function runOnWorkers(setup: CompareSetup, workerCounts: readonly number[]): WorkersRow[] {
  const { space, ops } = prepareWorkersRun(setup);
  const rows: WorkersRow[] = [];
  let base = 0;
  for (const n of [1, ...workerCounts.filter((w) => w !== 1)]) {
    const pmm = workersAllocator(space, n);
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
    const shares: WorkerShareResult[] = [];
    for (let i = 0; i < n; i++) {
      const at = i * RESULT_WORDS;
      shares.push({ ops: words[at], ms: words[at + 1], failed: words[at + 2] });
    }
    const row = workersRow(n, shares, pmm, base);
    if (n === 1) base = row.opsPerSecond;
    rows.push(row);
  }
  return rows;
}
