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

/** The operations of a workload, generated for the space's size. */
export function workloadOps(setup: CompareSetup, frames: number): TraceOp[] {
  return [...findWorkload(setup.workload).generate({ seed: setup.seed, ops: setup.ops, frames })];
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
 * the same space.
 */
export function compare(
  setup: CompareSetup,
  hooks: CompareHooks = {},
  trace?: readonly TraceOp[],
): { map: LoadedMap; results: RunResult[] } {
  const strategies = findStrategies(setup.strategies);
  const contents = trace ? needsContents(trace) : findWorkload(setup.workload).needsContents === true;
  const map = loadMap(setup.map, setup.format, contents);
  hooks.onMap?.(map);
  const ops = trace ?? workloadOps(setup, map.space.usableFrames);
  const results: RunResult[] = [];
  strategies.forEach((strategy, index) => {
    hooks.onStrategy?.(strategy.name, index, strategies.length);
    const allocator = strategy.create(map.space);
    const result = {
      ...runWorkload(allocator, ops, { ...hooks.run, totalOps: ops.length }),
      strategy: strategy.name,
    };
    results.push(result);
    hooks.onResult?.(result, allocator);
  });
  return { map, results };
}
