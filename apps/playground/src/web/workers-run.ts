import type { CompareSetup } from '@framekit/cli/compare';
import {
  prepareWorkersRun,
  splitByOwner,
  type WorkerShareResult,
  type WorkersRow,
  workerCounts,
  workersAllocator,
  workersRow,
} from '@framekit/cli/workers';

/**
 * `framekit compare --workers N` in the browser: the setup's workload on one llfree allocator
 * in a SharedArrayBuffer, on one Web Worker and then split by process over 2, 4 … N of them.
 * Needs a cross-origin isolated page (SharedArrayBuffer).
 */
export async function runOnWebWorkers(
  setup: CompareSetup,
  workers: number,
  onStep: (step: string) => void,
): Promise<WorkersRow[]> {
  if (!globalThis.crossOriginIsolated) {
    throw new Error('this page is not cross-origin isolated, so it cannot share memory with workers');
  }
  const { space, ops } = prepareWorkersRun(setup);
  const rows: WorkersRow[] = [];
  let base = 0;
  for (const n of workerCounts(workers)) {
    onStep(`${n} ${n === 1 ? 'worker' : 'workers'}…`);
    const pmm = workersAllocator(space, n);
    const parts = splitByOwner(ops, n);
    const threads = parts.map(
      () => new Worker(new URL('./llfree-worker.ts', import.meta.url), { type: 'module' }),
    );
    try {
      const shares = await Promise.all(
        threads.map(
          (thread, i) =>
            new Promise<WorkerShareResult>((done, fail) => {
              thread.onmessage = (event) =>
                event.data.type === 'share' ? done(event.data.share) : fail(new Error(event.data.message));
              thread.onerror = (event) => fail(new Error(event.message || 'a worker failed'));
              thread.postMessage({ descriptor: pmm.share(), ops: parts[i] });
            }),
        ),
      );
      const row = workersRow(n, shares, pmm, base);
      if (n === 1) base = row.opsPerSecond;
      rows.push(row);
    } finally {
      for (const thread of threads) thread.terminate();
    }
  }
  return rows;
}
