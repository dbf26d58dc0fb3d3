import { spawnSync } from 'node:child_process';

/*
 * One timed row in a fresh process (a fresh JIT and heap, as a program using one allocator
 * has), and the faster of several such processes: on a shared machine a process sometimes runs
 * the same loop 1.5x slower than one a minute later (see `Profile.rowRuns`).
 */

/** Runs `script` (a bench child) with `job` as its argument; returns the JSON of its last line. */
export function runScriptInChild<T>(script: string, job: unknown, timeoutMs: number): T {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--conditions=@framekit/source', '--import', 'tsx', script, JSON.stringify(job)],
    { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 2 ** 20 },
  );
  const line = child.stdout?.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !line.startsWith('{')) {
    const reason =
      child.error?.message ??
      child.stderr
        ?.trim()
        .split('\n')
        .find((l) => /Error|error/.test(l)) ??
      `exit code ${child.status}`;
    throw new Error(reason.slice(0, 200));
  }
  return JSON.parse(line) as T;
}

/** `run()` `runs` times, keeping the result with the lowest `medianOf` (one without a median at once). */
export function fastestOf<T>(runs: number, run: () => T, medianOf: (result: T) => number | undefined): T {
  let best = run();
  for (let k = 1; k < runs; k++) {
    const bestMedian = medianOf(best);
    if (bestMedian === undefined) break;
    const next = run();
    const median = medianOf(next);
    if (median !== undefined && median < bestMedian) best = next;
  }
  return best;
}
