import {
  type BootMapFormat,
  createFrameSpace,
  type FrameAllocator,
  FrameError,
  type FrameSpace,
  type NormalizedBootMap,
  normalizeBootMap,
  parseBootMap,
} from '@framekit/core';
import {
  needsContents,
  type RunOptions,
  type RunResult,
  runWorkload,
  type TraceOp,
  WORKLOADS,
  type Workload,
} from '@framekit/sim';
import { DEFAULT_MAP, findMapPreset } from './maps';
import { DEFAULT_STRATEGIES, findStrategies } from './strategies';

/** Everything that decides a comparison: the same setup gives the same numbers, in the CLI and the browser. */
export interface CompareSetup {
  /** A built-in map's name, or memory-map text in any format `parseBootMap` reads. */
  readonly map: string;
  /** What to call a map given as text (a file's path); a built-in map is called by its name. */
  readonly mapName?: string;
  readonly format?: BootMapFormat;
  readonly workload: string;
  readonly strategies: readonly string[];
  readonly ops: number;
  readonly seed: number;
}

export const DEFAULT_SETUP: CompareSetup = {
  map: DEFAULT_MAP,
  workload: 'hugepage-mix',
  strategies: DEFAULT_STRATEGIES,
  ops: 1_000_000,
  seed: 1,
};

/**
 * The most operations one run may have. Workloads stream and the replayer keeps only live
 * allocations, so memory does not grow with the operation count; but at about a million
 * operations a second, a run of this size already takes minutes per strategy, and much larger
 * ones would not finish, so they are refused.
 */
export const MAX_OPS = 100_000_000;

/** The operation count, checked against `MAX_OPS`: a too-large count throws `INVALID_REQUEST`. */
export function checkOps(ops: number): number {
  if (!Number.isSafeInteger(ops) || ops < 1 || ops > MAX_OPS) {
    throw new FrameError(
      'INVALID_REQUEST',
      `the operation count must be a whole number from 1 to ${MAX_OPS.toLocaleString('en-US')}, not ${ops}` +
        (ops > MAX_OPS ? ' (at about a million operations a second, larger runs would not finish)' : ''),
      { ops },
    );
  }
  return ops;
}

export interface LoadedMap {
  readonly name: string;
  readonly normalized: NormalizedBootMap;
  readonly space: FrameSpace;
}

/**
 * Parses (a preset or text), normalizes as Linux x86 does, and builds the frame space: with
 * sparse contents when the workload runs processes, so only the pages they touch cost memory.
 */
export function loadMap(map: string, format?: BootMapFormat, contents = false): LoadedMap {
  const preset = findMapPreset(map);
  const parsed = parseBootMap(preset ? preset.text : map, preset ? 'e820' : (format ?? 'auto'));
  const normalized = normalizeBootMap(parsed, { preset: 'linux-x86' });
  const space = createFrameSpace(normalized, contents ? { backing: 'sparse' } : {});
  return { name: preset ? preset.name : 'custom map', normalized, space };
}

/** Loads the setup's map, named by its preset name or the setup's `mapName`. */
export function loadSetupMap(setup: CompareSetup, contents = false): LoadedMap {
  const map = loadMap(setup.map, setup.format, contents);
  return setup.mapName && !findMapPreset(setup.map) ? { ...map, name: setup.mapName } : map;
}

/** The workload of that name; an unknown name throws a FrameError listing the known ones. */
export function findWorkload(name: string): Workload {
  const workload = WORKLOADS[name];
  if (!workload) {
    throw new FrameError(
      'INVALID_REQUEST',
      `unknown workload '${name}' (known: ${Object.keys(WORKLOADS).join(', ')})`,
      { workload: name },
    );
  }
  return workload;
}

/**
 * The operations of a workload, generated for the space's size as they are consumed: a stream,
 * so memory does not grow with the operation count.
 */
export function workloadOps(setup: CompareSetup, frames: number): Iterable<TraceOp> {
  const workload = findWorkload(setup.workload);
  const ops = checkOps(setup.ops);
  return { [Symbol.iterator]: () => workload.generate({ seed: setup.seed, ops, frames }) };
}

export interface CompareHooks {
  /** Once the map is loaded, before any strategy runs. */
  readonly onMap?: (map: LoadedMap) => void;
  /** Before each strategy runs. */
  readonly onStrategy?: (name: string, index: number, count: number) => void;
  readonly run?: Omit<RunOptions, 'totalOps'>;
  /** After each strategy's run, with its allocator in its final state. */
  readonly onResult?: (result: RunResult, allocator: FrameAllocator) => void;
}

/**
 * Runs the workload (or `trace`, when given) on each strategy, each on a fresh allocator over
 * the same space. The workload streams: each strategy generates it afresh from the seed.
 */
export function compare(
  setup: CompareSetup,
  hooks: CompareHooks = {},
  trace?: readonly TraceOp[],
): { map: LoadedMap; results: RunResult[] } {
  const strategies = findStrategies(setup.strategies);
  if (strategies.length === 0) {
    throw new FrameError('INVALID_REQUEST', 'no strategies chosen', { strategies: setup.strategies.length });
  }
  if (trace && trace.length === 0) throw new FrameError('INVALID_REQUEST', 'the trace has no operations', {});
  const contents = trace ? needsContents(trace) : findWorkload(setup.workload).needsContents === true;
  const map = loadSetupMap(setup, contents);
  const ops = trace ?? workloadOps(setup, map.space.usableFrames);
  const totalOps = trace ? trace.length : setup.ops;
  hooks.onMap?.(map);
  const results: RunResult[] = [];
  strategies.forEach((strategy, index) => {
    hooks.onStrategy?.(strategy.name, index, strategies.length);
    const allocator = strategy.create(map.space);
    const result = {
      ...runWorkload(allocator, ops, { ...hooks.run, totalOps }),
      strategy: strategy.name,
    };
    results.push(result);
    hooks.onResult?.(result, allocator);
  });
  return { map, results };
}
