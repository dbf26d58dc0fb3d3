import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createBitmapAllocator } from '@framekit/alloc-bitmap';
import { FrameError } from '@framekit/core';
import {
  compareHeaps,
  DEFAULT_HEAP_SETUP,
  formatHeapTrace,
  type HeapCompareSetup,
  heapResultRows,
  memPoolTarget,
  OBJECT_WORKLOADS,
  type ObjectRunResult,
  type ObjectSample,
  objectWorkloadOps,
  parseHeapTrace,
} from '@framekit/sim';
import { MemPool } from '@thi.ng/malloc';
import { ProgressBar } from './progress';
import { formatCsv, formatTable } from './table';

/*
 * `framekit compare --heap` and `framekit trace --heap`: object workloads on the heap strategies
 * of @framekit/heap (over the bitmap frame allocator) and on @thi.ng/malloc's MemPool, over the
 * same bytes. The comparison itself is @framekit/sim's `compareHeaps`.
 */

export const HEAP_USAGE = `  framekit compare --heap [--workload NAME] [--strategies slab,tlsf,mempool,...] [--ops N] [--seed S] [--mib M] [--trace FILE] [--json | --csv]
  framekit trace --heap [--workload NAME] [--ops N] [--seed S] [--mib M]   print an object workload as a JSON Lines trace`;

const options = {
  heap: { type: 'boolean' },
  workload: { type: 'string' },
  strategies: { type: 'string' },
  ops: { type: 'string' },
  seed: { type: 'string' },
  mib: { type: 'string' },
  trace: { type: 'string' },
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
} as const;

const bad = (message: string) => new FrameError('INVALID_REQUEST', message, { op: 'framekit --heap' });

/** Runs `compare --heap` or `trace --heap`; returns the exit code. */
export function heapCommand(command: string, args: readonly string[]): number {
  const { values } = parseArgs({ args: [...args], options });
  const integer = (name: string, text: string | undefined, fallback: number, min: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < min)
      throw bad(`--${name} must be an integer >= ${min}, not '${text}'`);
    return n;
  };
  const setup: HeapCompareSetup = {
    workload: values.workload ?? DEFAULT_HEAP_SETUP.workload,
    targets:
      values.strategies
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean) ?? DEFAULT_HEAP_SETUP.targets,
    ops: integer('ops', values.ops, DEFAULT_HEAP_SETUP.ops, 1),
    seed: integer('seed', values.seed, DEFAULT_HEAP_SETUP.seed, 0),
    bytes: integer('mib', values.mib, DEFAULT_HEAP_SETUP.bytes / 2 ** 20, 1) * 2 ** 20,
  };
  if (values.json && values.csv) throw bad('choose one of --json and --csv');
  if (command === 'trace') {
    process.stdout.write(formatHeapTrace(objectWorkloadOps(setup)));
    return 0;
  }
  if (command !== 'compare') throw bad(`--heap goes with compare or trace, not '${command}'`);
  const trace = values.trace === undefined ? undefined : parseHeapTrace(readFileSync(values.trace, 'utf8'));
  const progress = new ProgressBar();
  const results = compareHeaps(setup, {
    pmm: (space) => createBitmapAllocator(space),
    peers: { mempool: (bytes) => memPoolTarget(MemPool, bytes) },
    ...(trace ? { trace } : {}),
    onTarget: (name) => progress.start(name),
    run: { onProgress: (f) => progress.update(f) },
  });
  progress.done();
  const rows = heapResultRows(results);
  if (values.json)
    console.log(JSON.stringify({ setup: { ...setup, trace: values.trace }, results }, null, 2));
  else if (values.csv) console.log(formatCsv(rows));
  else {
    const what =
      values.trace ?? `workload ${setup.workload} (${OBJECT_WORKLOADS[setup.workload]?.description})`;
    console.log(
      `${what}, ${results[0]?.ops ?? 0} ops, seed ${setup.seed}, ${setup.bytes! / 2 ** 20} MiB each\n`,
    );
    console.log(formatTable(rows));
    for (const [metric, title] of OVER_TIME) {
      console.log(`\n${title}:\n`);
      console.log(formatTable(overTime(results, metric)));
    }
  }
  return 0;
}

/** The metrics shown over the run in the text output, each a table (all are in the JSON's samples). */
const OVER_TIME = [
  ['heldPerLive', 'held / live bytes over the run'],
  ['internalFragmentation', 'internal fragmentation over the run (overhead / held bytes)'],
  ['externalFragmentation', 'external fragmentation over the run (free / held bytes)'],
] as const satisfies readonly (readonly [keyof ObjectSample, string])[];

/** `metric` at ten points of the run, one column per target. */
function overTime(
  results: readonly ObjectRunResult[],
  metric: (typeof OVER_TIME)[number][0],
): Record<string, string | number>[] {
  const first = results[0];
  if (!first) return [];
  const points = Math.min(10, first.samples.length - 1);
  return Array.from({ length: points }, (_, k) => {
    const i = Math.round(((k + 1) * (first.samples.length - 1)) / points);
    const row: Record<string, string | number> = { op: first.samples[i].op };
    for (const r of results) row[r.target] = r.samples[i] ? Number(r.samples[i][metric].toFixed(3)) : '–';
    return row;
  });
}
