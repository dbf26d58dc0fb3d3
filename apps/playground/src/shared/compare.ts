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
import { type RunOptions, type RunResult, runWorkload, type TraceOp, WORKLOADS } from '@framekit/sim';
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
  ops: 200_000,
  seed: 1,
};

export interface LoadedMap {
  readonly name: string;
  readonly normalized: NormalizedBootMap;
  readonly space: FrameSpace;
}

/** Parses (a preset or text), normalizes as Linux x86 does, and builds the frame space. */
export function loadMap(map: string, format?: BootMapFormat): LoadedMap {
  const preset = findMapPreset(map);
  const parsed = parseBootMap(preset ? preset.text : map, preset ? 'e820' : (format ?? 'auto'));
  const normalized = normalizeBootMap(parsed, { preset: 'linux-x86' });
  return { name: preset ? preset.name : 'custom map', normalized, space: createFrameSpace(normalized) };
}

/** The operations of a workload, generated for the space's size. */
export function workloadOps(setup: CompareSetup, frames: number): TraceOp[] {
  const workload = WORKLOADS[setup.workload];
  if (!workload) {
    throw new FrameError(
      'INVALID_REQUEST',
      `unknown workload '${setup.workload}' (known: ${Object.keys(WORKLOADS).join(', ')})`,
      { workload: setup.workload },
    );
  }
  return [...workload.generate({ seed: setup.seed, ops: setup.ops, frames })];
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

/** Runs the workload on each strategy, each on a fresh allocator over the same space. */
export function compare(
  setup: CompareSetup,
  hooks: CompareHooks = {},
): { map: LoadedMap; results: RunResult[] } {
  const strategies = findStrategies(setup.strategies);
  const map = loadMap(setup.map, setup.format);
  hooks.onMap?.(map);
  const ops = workloadOps(setup, map.space.usableFrames);
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
