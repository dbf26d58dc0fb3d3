import { type CompareSetup, DEFAULT_SETUP } from './shared/compare';
import { runOnWorkers } from './shared/workers';
import { workerCounts } from './shared/workers-split';
import { formatCsv, formatTable } from './table';

/** `framekit compare --workers N`: 1, 2, 4 … N worker threads on one llfree allocator. */
export function workersCommand(setup: CompareSetup, workers: number, output: string): number {
  const rows = runOnWorkers(setup, workerCounts(workers));
  if (output === 'json') {
    console.log(JSON.stringify({ setup: { ...setup, strategies: ['llfree'] }, rows }, null, 2));
    return 0;
  }
  const table = rows.map((r) => ({
    workers: r.workers,
    ops: r.ops,
    'ops/s': r.opsPerSecond,
    scaling: `${r.scaling.toFixed(2)}x`,
    'retries/op': r.retriesPerOp.toFixed(4),
    failed: r.failed,
    verify: r.verified ? 'ok' : 'FAILED',
  }));
  if (output === 'csv') console.log(formatCsv(table));
  else {
    const map = setup.map === DEFAULT_SETUP.map ? setup.map : 'the map given';
    console.log(
      `llfree on ${map} · workload ${setup.workload}, ${setup.ops} ops, seed ${setup.seed}, owners split over the workers\n`,
    );
    console.log(formatTable(table));
  }
  return 0;
}
