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

/**
 * Keeps `result` under `key` in `kept` when nothing is kept there yet or it is faster than what
 * is: the bench times each row once per round and keeps its fastest time.
 */
export function keepFastest<T>(
  kept: Map<string, T>,
  key: string,
  result: T,
  medianOf: (result: T) => number | undefined,
): void {
  const before = kept.get(key);
  const median = medianOf(result);
  if (before === undefined) kept.set(key, result);
  else {
    const was = medianOf(before);
    if (was !== undefined && median !== undefined && median < was) kept.set(key, result);
  }
}

/** True when the row kept under `key` has no time: a skip or a failure, the row's answer in every round. */
export function settled<T>(
  kept: Map<string, T>,
  key: string,
  medianOf: (result: T) => number | undefined,
): boolean {
  const before = kept.get(key);
  return before !== undefined && medianOf(before) === undefined;
}
