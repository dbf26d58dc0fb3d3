import { fileURLToPath } from 'node:url';
import { createFrameSpace, type FrameAllocator, type FrameSpace } from '@framekit/core';
import { fillFrames } from '@framekit/core/plugin';
import { applyRecipe, type FragmentRecipe, fragmentRecipe, summarizeRecipe } from '@framekit/core/testing';
import { recipeArgs } from './fragment';
import { type HeapResult, runHeapScenarios } from './heap';
import { type InitResult, initInChild, initInProcess, writeRangesFile } from './init';
import { bootMap, MAP_TITLES, type MapName } from './maps';
import { measure, measureSlow, type Timing } from './measure';
import { type ChurnResult, churnInChild, churnInProcess, churnRows, extraMemory } from './memory';
import { buildNative, type NativeAlgo, type NativeResult, runNative } from './native';
import type { Profile } from './profiles';
import { keepFastest, runScriptInChild, settled } from './row-process';
import { type LoopScenario, loopArgs, makeLoop } from './scenarios';
import { type Loaded, loadStrategies, type Strategy } from './strategies';
import { loopScenarios } from './suite';
import { runVmScenarios, type VmRow } from './vm';

/** One line of the results: a scenario × a strategy (or a C reference). */
export interface Row {
  readonly scenario: string;
  /** `stack`, `bitmap`, …, `c:stack`, `peer:MemPool`. */
  readonly strategy: string;
  readonly kind: 'framekit' | 'c' | 'peer';
  readonly medianNs?: number;
  readonly p99Ns?: number;
  readonly meanNs?: number;
  readonly opsPerSec?: number;
  readonly samples?: number;
  /** medianNs / the C reference's medianNs, and which C row that is. */
  readonly ratio?: number;
  readonly ratioTo?: string;
  readonly note?: string;
  /** Why this row has no figures. */
  readonly skipped?: string;
  /** Routers: the strategy (and zone) `router.explain` says serves this scenario's request. */
  readonly servedBy?: string;
  readonly servedIn?: string;
}

export interface ScenarioInfo {
  readonly id: string;
  readonly title: string;
  readonly op: string;
  readonly frames: number;
  readonly fragmented: boolean;
  /** For fragmented spaces: the share of frames in use, measured after the recipe. */
  readonly usedShare?: number;
}

export interface MemoryRow {
  readonly strategy: string;
  readonly space: string;
  readonly frames: number;
  readonly metadataBytes: number;
  readonly bytesPerFrame: number;
  readonly peakRssBytes?: number;
  readonly note?: string;
}

export interface SuiteResult {
  readonly profile: Profile['name'];
  readonly startedAt: string;
  readonly durationMs: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly recipe: FragmentRecipe;
  readonly scenarios: readonly ScenarioInfo[];
  readonly rows: readonly Row[];
  readonly init: readonly (InitResult & { readonly kind: 'framekit' | 'c'; readonly ratio?: number })[];
  readonly memory: readonly MemoryRow[];
  /** Metadata after a full churn, per framekit strategy (failures and skips included); its figures are memory rows too. */
  readonly churn?: readonly ChurnResult[];
  readonly vm: readonly VmRow[];
  /** Heap scenarios (`heap-*`); undefined when @framekit/heap is not installed or none was selected. */
  readonly heap?: HeapResult;
  /** Strategy packages not installed (their rows are missing), and other gaps. */
  readonly missing: readonly string[];
  readonly nativeAvailable: boolean;
}

export interface RunOptions {
  readonly profile: Profile;
  /** Only these scenario ids (and `init`, `memory`, `vm`, `heap` as groups). */
  readonly only?: readonly string[];
  readonly log?: (line: string) => void;
}

/** The child process that measures one loop row (`runLoopRowInChild`). */
const ROW_CHILD = fileURLToPath(new URL('./row-child.ts', import.meta.url));

const wanted = (only: readonly string[] | undefined, id: string) =>
  !only ||
  only.length === 0 ||
  only.some((o) => id === o || id.startsWith(`${o}-`) || o === id.split('-')[0]);

function timingRow(base: Omit<Row, 'medianNs'>, t: Timing | NativeResult): Row {
  const opsPerSec = 'opsPerSec' in t ? t.opsPerSec : 1e9 / t.meanNs;
  return { ...base, medianNs: t.medianNs, p99Ns: t.p99Ns, meanNs: t.meanNs, opsPerSec, samples: t.samples };
}

/** Runs the whole suite (or `only` a part) and returns every figure. */
export async function runSuite(options: RunOptions): Promise<SuiteResult> {
  const started = Date.now();
  const { profile } = options;
  const log = options.log ?? (() => {});
  const loaded = await loadStrategies();
  const missing = [...loaded.missing];
  const binary = buildNative();
  if (!binary) missing.push('a C compiler (cc): no native reference, so no ratios');
  const recipe = fragmentRecipe();
  const nativeTiming = {
    time_ms: profile.timeMs,
    warmup_ms: profile.warmupMs,
    min_samples: profile.minSamples,
  };

  const scenarios: ScenarioInfo[] = [];
  const chosen = loopScenarios(profile).filter((scenario) => wanted(options.only, scenario.id));
  const summaries = new Map(
    chosen.map((s) => [s.id, s.fragmented ? summarizeRecipe(recipe, s.frames) : undefined] as const),
  );
  for (const scenario of chosen) {
    const summary = summaries.get(scenario.id);
    scenarios.push({
      id: scenario.id,
      title: scenario.title,
      op: scenario.op,
      frames: scenario.frames,
      fragmented: scenario.fragmented,
      ...(summary ? { usedShare: 1 - summary.freeFrames / scenario.frames } : {}),
    });
  }
  // Each row, C's included, is timed once per round and the fastest time kept: on a shared
  // machine a process sometimes runs 1.5x slower than a minute later (see `Profile.rowRuns`),
  // and rounds spread a row's tries over the whole run, so a slow spell costs a row one try,
  // not all of them, and both sides of a ratio are the best of the same number of tries.
  const rounds = profile.isolate ? profile.rowRuns : 1;
  const bestNatives = new Map<string, NativeResult>();
  const bestRows = new Map<string, Row>();
  const median = (r: { readonly medianNs?: number }) => r.medianNs;
  for (let round = 1; round <= rounds; round++) {
    if (rounds > 1) log(`• round ${round} of ${rounds}`);
    for (const scenario of chosen) {
      log(`• ${scenario.id}: ${scenario.title}`);
      if (binary) {
        const summary = summaries.get(scenario.id);
        for (const algo of scenario.natives) {
          const result = runNative(
            binary,
            algo,
            scenario.loop,
            {
              frames: scenario.frames,
              ...loopArgs(scenario.params),
              ...nativeTiming,
              populate: scenario.prefault ? 1 : 0,
            },
            scenario.fragmented ? recipeArgs(recipe) : [],
          );
          if (summary && result.fragChecksum !== summary.checksum) {
            throw new Error(
              `${scenario.id}: the C side drew other holes than the recipe (checksum mismatch)`,
            );
          }
          keepFastest(bestNatives, `${scenario.id}\u0000${algo}`, result, median);
          log(`    c:${algo} ${result.medianNs.toFixed(1)} ns/op`);
        }
      }
      const natives = nativesOf(scenario, bestNatives);
      for (const strategy of loaded.strategies) {
        // A reference for some scenarios' budgets has no row in the others.
        if (strategy.only !== undefined && !strategy.only.includes(scenario.id)) continue;
        const key = `${scenario.id}\u0000${strategy.id}`;
        if (settled(bestRows, key, median)) continue;
        let row: Row;
        try {
          row = profile.isolate
            ? runLoopRowInChild(scenario, strategy, profile, natives)
            : runLoopRow(scenario, strategy, recipe, profile, natives);
        } catch (error) {
          row = {
            scenario: scenario.id,
            strategy: strategy.id,
            kind: strategy.kind,
            skipped: `failed: ${errorText(error)}`,
          };
        }
        keepFastest(bestRows, key, row, median);
        collectGarbage();
        const rss = (process.memoryUsage().rss / 2 ** 20).toFixed(0);
        const figure = row.skipped ? `skipped: ${row.skipped}` : `${row.medianNs?.toFixed(1)} ns/op`;
        log(`    ${strategy.id} ${figure} (rss ${rss} MiB)`);
      }
    }
  }
  // The rows in scenario order, C first; each ratio over the fastest C time of all rounds.
  const rows: Row[] = [];
  for (const scenario of chosen) {
    const natives = nativesOf(scenario, bestNatives);
    for (const algo of scenario.natives) {
      const result = natives.get(algo);
      if (result) rows.push(timingRow({ scenario: scenario.id, strategy: `c:${algo}`, kind: 'c' }, result));
    }
    for (const strategy of loaded.strategies) {
      const row = bestRows.get(`${scenario.id}\u0000${strategy.id}`);
      if (row === undefined) continue;
      const ref = row.ratioTo ? natives.get(row.ratioTo.slice(2) as NativeAlgo) : undefined;
      rows.push(ref && row.medianNs !== undefined ? { ...row, ratio: row.medianNs / ref.medianNs } : row);
    }
  }

  const init: SuiteResult['init'][number][] = [];
  if (wanted(options.only, 'init')) {
    for (const { map, reps } of profile.maps) {
      log(`• init ${MAP_TITLES[map]}`);
      init.push(...(await runInit(map, reps, loaded, profile, binary, log)));
    }
  }
  // The stack with its nodes inside free frames: the churn row judges its own metadata.
  const stackStrategy = loaded.strategies.find((x) => x.id === 'stack');
  const churn = wanted(options.only, 'memory') ? await runChurns(loaded, profile, log) : [];
  const memory = wanted(options.only, 'memory')
    ? memoryRows(
        init,
        profile,
        stackStrategy?.create as ((space: FrameSpace) => FrameAllocator) | undefined,
        churn,
      )
    : [];
  const vm = wanted(options.only, 'vm') ? runVmScenarios(loaded, profile, log) : [];
  const heap = await runHeapScenarios(profile, binary, (id) => wanted(options.only, id), log);
  if (!loaded.vm) missing.push('vm scenarios (fault in 256 MiB, fork): @framekit/vm is not installed');

  return {
    profile: profile.name,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    environment: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: String((await import('node:os')).cpus()[0]?.model ?? 'unknown'),
      compiler: binary ? `${process.env.CC || 'cc'} -O2` : 'none',
    },
    recipe,
    scenarios,
    rows,
    init,
    memory,
    churn,
    vm,
    ...(heap ? { heap } : {}),
    missing,
    nativeAvailable: Boolean(binary),
  };
}

/** The fastest C time so far of each of `scenario`'s C references. */
function nativesOf(
  scenario: LoopScenario,
  best: ReadonlyMap<string, NativeResult>,
): Map<NativeAlgo, NativeResult> {
  const natives = new Map<NativeAlgo, NativeResult>();
  for (const algo of scenario.natives) {
    const result = best.get(`${scenario.id}\u0000${algo}`);
    if (result) natives.set(algo, result);
  }
  return natives;
}

/**
 * `runLoopRow` in a child process (a fresh JIT and heap per row, as a program using one
 * allocator has): in one process, code shared by several rows (a router's methods serve every
 * preset) keeps the type feedback and garbage of the rows before it, which made the third
 * router row measured 5x slower than the same row measured first.
 */
function runLoopRowInChild(
  scenario: LoopScenario,
  strategy: Strategy,
  profile: Profile,
  natives: ReadonlyMap<NativeAlgo, NativeResult>,
): Row {
  const job = {
    scenarioId: scenario.id,
    strategyId: strategy.id,
    profile: profile.name,
    natives: [...natives],
  };
  return runScriptInChild<Row>(ROW_CHILD, job, profile.childLimits.timeoutMs);
}

export function runLoopRow(
  scenario: LoopScenario,
  strategy: Strategy,
  recipe: FragmentRecipe,
  profile: Profile,
  natives: ReadonlyMap<NativeAlgo, NativeResult>,
): Row {
  const base = { scenario: scenario.id, strategy: strategy.id, kind: strategy.kind } as const;
  const skip = skipReason(strategy, scenario.id);
  if (skip) return { ...base, skipped: skip };
  const adapter = strategy.adapt?.[scenario.id];
  const verdict = adapter ? true : scenario.accepts(strategy);
  if (verdict !== true) return { ...base, skipped: verdict };
  // Frame contents only where they are prefaulted (up to 4 GiB): a sparse 64 GiB space whose
  // every chunk gets touched (a router's stack nodes, spilled frames) would not fit in memory.
  const backing = scenario.prefault ? strategy.backing : 'none';
  const space = createFrameSpace({ frames: scenario.frames }, { backing });
  if (scenario.prefault && space.hasContents) fillFrames(space, 0, scenario.frames);
  const target = strategy.create(space);
  if (scenario.fragmented) applyRecipe(target as FrameAllocator, recipe, scenario.frames);
  const served = explainRequest(target, scenario);
  const call = makeLoop(scenario.loop, adapter ? adapter.wrap(target) : target, scenario.params);
  const timing = measure(`${scenario.id}/${strategy.id}`, call, scenario.params.perCall, profile);
  const algo = strategy.native && natives.has(strategy.native) ? strategy.native : scenario.reference;
  const ref = natives.get(algo);
  const note = adapter
    ? adapter.note
    : strategy.id === 'peer:MemPool' && scenario.params.align && scenario.params.align > 1
      ? 'MemPool cannot align a block beyond its pool-wide 4096: runs are not 2 MiB-aligned'
      : strategy.note;
  return timingRow(
    {
      ...base,
      ...(ref ? { ratio: timing.medianNs / ref.medianNs, ratioTo: `c:${algo}` } : {}),
      ...(note ? { note } : {}),
      ...(served?.strategy ? { servedBy: served.strategy } : {}),
      ...(served?.zone ? { servedIn: served.zone } : {}),
    },
    timing,
  );
}

/** For a router: which strategy and zone serve the scenario's request, as `explain` tells it. */
function explainRequest(
  target: object,
  scenario: LoopScenario,
): { strategy?: string | null; zone?: string | null } | undefined {
  const explain = (
    target as { explain?: (request: object) => { strategy?: string | null; zone?: string | null } }
  ).explain;
  if (typeof explain !== 'function') return undefined;
  const p = scenario.params;
  const request =
    scenario.loop === 'batch'
      ? { op: 'allocMany', count: p.batch ?? 64 }
      : scenario.loop === 'run'
        ? {
            op: 'allocRun',
            count: p.countMin ?? 1,
            ...(p.align && p.align > 1 ? { align: p.align } : {}),
            ...(p.below !== undefined ? { below: p.below } : {}),
          }
        : { op: 'alloc' };
  try {
    return explain.call(target, request);
  } catch {
    return undefined;
  }
}

/**
 * The initialisation rows of one map. Like the loop rows, each is measured once per round (each
 * framekit row in a child process of its own, every C reference once) and keeps its fastest
 * median, so the ratios between rows (a router preset over the bitmap, a row over its C twin)
 * are of the best of the same number of tries, spread over the whole section.
 */
async function runInit(
  map: MapName,
  reps: number,
  loaded: Loaded,
  profile: Profile,
  binary: string | undefined,
  log: (line: string) => void,
): Promise<SuiteResult['init'][number][]> {
  const rounds = profile.isolate ? profile.rowRuns : 1;
  const median = (r: InitResult) => r.timing?.medianNs;
  const natives = new Map<string, InitResult>();
  const best = new Map<string, InitResult>();
  const ranges = binary ? writeRangesFile(map) : undefined;
  const regions = bootMap(map);
  const algos = ['stack', 'bitmap', 'hier2m', 'buddy'] as const;
  for (let round = 1; round <= rounds; round++) {
    if (rounds > 1) log(`    round ${round} of ${rounds}`);
    for (const algo of algos) {
      if (!binary || !ranges) break;
      const r = runNative(binary, algo, 'init', { ranges, reps });
      keepFastest(
        natives,
        algo,
        {
          strategy: `c:${algo}`,
          map,
          timing: {
            medianNs: r.medianNs,
            p99Ns: r.p99Ns,
            meanNs: r.meanNs,
            opsPerSec: 1e9 / r.meanNs,
            samples: r.samples,
          },
          frames: r.frames,
          totalFrames: r.freeFrames,
          metadataBytes: r.metadataBytes,
          peakRssBytes: r.peakRssBytes,
        },
        median,
      );
    }
    // The boot map's share of every framekit row: normalizing and building the frame space.
    keepFastest(
      best,
      'createFrameSpace only',
      { strategy: 'createFrameSpace only', map, timing: measureSlow(() => createFrameSpace(regions), reps) },
      median,
    );
    for (const strategy of loaded.strategies) {
      if (strategy.kind !== 'framekit' || settled(best, strategy.id, median)) continue;
      const skip = skipReason(strategy, 'init');
      const result: InitResult = skip
        ? { strategy: strategy.id, map, skipped: skip }
        : profile.isolate
          ? await initInChild(strategy.id, map, reps, profile.childLimits)
          : initInProcess(strategy, map, reps);
      keepFastest(best, strategy.id, result, median);
    }
  }
  const out: SuiteResult['init'][number][] = [];
  for (const algo of algos) {
    const result = natives.get(algo);
    if (result) out.push({ ...result, kind: 'c' });
  }
  for (const result of best.values()) {
    const strategy = loaded.strategies.find((s) => s.id === result.strategy);
    const ref = strategy?.native ? natives.get(strategy.native) : undefined;
    const ratio = ref?.timing && result.timing ? result.timing.medianNs / ref.timing.medianNs : undefined;
    out.push({ ...result, kind: 'framekit', ...(ratio !== undefined ? { ratio } : {}) });
  }
  return out;
}

/**
 * Metadata after a full churn (`churn` in memory.ts), for every framekit strategy on the largest
 * boot map up to 64 GiB (else the profile's first map): what start-up rows cannot show, since handed-out bits, run records,
 * caches and lazily made tables grow with use. Each in a child process of its own when the
 * profile isolates.
 */
async function runChurns(
  loaded: Loaded,
  profile: Profile,
  log: (line: string) => void,
): Promise<ChurnResult[]> {
  const map = churnMap(profile);
  if (!map) return [];
  log(`• memory after a full churn, ${MAP_TITLES[map]}`);
  const out: ChurnResult[] = [];
  for (const strategy of loaded.strategies) {
    if (strategy.kind !== 'framekit') continue;
    const result = profile.isolate
      ? await churnInChild(strategy.id, map, profile.childLimits)
      : churnInProcess(strategy, map);
    const figure =
      result.churnedBytes !== undefined && result.frames
        ? `${(result.churnedBytes / result.frames).toFixed(4)} B/frame`
        : `no figure: ${result.skipped ?? result.error}`;
    log(`    ${strategy.id} ${figure}`);
    out.push(result);
  }
  return out;
}

/** The map the churn rows use: 64 GiB when the profile has it, else its first map. */
export function churnMap(profile: Profile): MapName | undefined {
  return profile.maps.some((m) => m.map === '64g') ? '64g' : profile.maps[0]?.map;
}

function memoryRows(
  init: readonly (InitResult & { kind: string })[],
  profile: Profile,
  createStack?: (space: FrameSpace) => FrameAllocator,
  churns: readonly ChurnResult[] = [],
): MemoryRow[] {
  const rows: MemoryRow[] = [];
  for (const r of init) {
    const frames = r.totalFrames ?? r.frames;
    if (r.metadataBytes === undefined || !frames) continue;
    rows.push({
      strategy: r.strategy,
      space: MAP_TITLES[r.map],
      frames,
      metadataBytes: r.metadataBytes,
      bytesPerFrame: r.metadataBytes / frames,
      ...(r.peakRssBytes !== undefined ? { peakRssBytes: r.peakRssBytes } : {}),
    });
  }
  rows.push(...churnRows(churns));
  rows.push(...extraMemory(profile, createStack));
  return rows;
}

/** The first line of an error's message, for a report cell. */
export function errorText(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')[0]
    .slice(0, 160);
}

/** Why a strategy sits out a scenario, if it says so itself. */
export function skipReason(strategy: Strategy, scenario: string): string | undefined {
  return strategy.skip?.[scenario] ?? strategy.skip?.['*'];
}

/** Frees the last row's allocator before the next row is built (`pnpm bench` runs Node with --expose-gc). */
function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}
