import { fileURLToPath } from 'node:url';
import { createFrameSpace, type FrameAllocator, type FrameSpace } from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';
import { MemPool } from '@thi.ng/malloc';
import { CheckedClassStacks } from './heap-floor';
import { measure, type Timing } from './measure';
import { type NativeResult, runNative } from './native';
import { drawIndices, drawSizes } from './prng';
import type { Profile } from './profiles';
import { keepFastest, runScriptInChild, settled } from './row-process';
import { uniqueSource } from './scenarios';
import { tryImport } from './strategies';

/*
 * Heap scenarios (@framekit/heap): byte allocation on frames against what a JS user picks today,
 * @thi.ng/malloc's MemPool, over the same bytes (MemPool's ArrayBuffer is as large as the frame
 * space), on the same drawn sizes; and the slab strategy against our C slab (native/slab.c).
 */

/** One heap figure: a scenario × a target. */
export interface HeapRow {
  readonly scenario: string;
  /** `heap:slab`, `heap:tlsf`, `heap:slab[headers]`, `peer:MemPool`, `c:slab`, `ref:checked-classes`. */
  readonly target: string;
  readonly kind: 'framekit' | 'peer' | 'c' | 'ref';
  readonly timing?: Timing;
  /** MemPool's median over this row's (how many times faster than the peer). */
  readonly speedup?: number;
  /** This row's median over the C slab's. */
  readonly ratioToC?: number;
  readonly note?: string;
  readonly skipped?: string;
}

/** Bytes held at the peak of one trace. */
export interface HeapPeakRow {
  readonly trace: string;
  readonly target: string;
  /** Frames held × 4096 (the heap), or MemPool's high-water mark (`top`) above its start. */
  readonly peakHeldBytes: number;
  /** The heap's bookkeeping outside the frames at the end of the trace (MemPool keeps all in its buffer). */
  readonly metadataBytes: number;
  /** Σ requested bytes of live objects at the trace's peak. */
  readonly peakRequestedBytes: number;
  /** (peak held + metadata) over MemPool's peak held. */
  readonly vsPeer?: number;
  readonly failed?: number;
}

export interface HeapResult {
  readonly rows: readonly HeapRow[];
  readonly peaks: readonly HeapPeakRow[];
}

export interface HeapScenario {
  readonly id: string;
  readonly title: string;
  readonly loop: 'lifo' | 'random';
  readonly sizeMin: number;
  readonly sizeMax: number;
  /** random: objects held (one freed and replaced per op). */
  readonly hold?: number;
  /** Which targets run (C only where named). */
  readonly targets: readonly string[];
  readonly native?: 'lifo' | 'random';
}

/** The child process that times one heap row (`timeHeapRow`). */
const HEAP_ROW_CHILD = fileURLToPath(new URL('./heap-row-child.ts', import.meta.url));

const PER_CALL = 64;
const DRAWS = 65536;
const SEED = 1;
const FRAME = 4096;
const HEAP_TARGETS = ['heap:slab', 'heap:first-fit', 'heap:tlsf', 'heap:slab[headers]', 'peer:MemPool'];
/** The reference for the LIFO budget (`heap-floor.ts`). */
const CHECKED_FLOOR = 'ref:checked-classes';

/** The heap scenarios of a profile (ids start with `heap-`, so `--only=heap` runs them all). */
export function heapScenarios(profile: Profile): HeapScenario[] {
  const hold = profile.name === 'full' ? 10_000 : 1000;
  return [
    {
      id: 'heap-lifo',
      title: 'mixed sizes 16 B – 4 KiB, LIFO: 64 mallocs, then the 64 frees in reverse',
      loop: 'lifo',
      sizeMin: 16,
      sizeMax: 4096,
      targets: [...HEAP_TARGETS, CHECKED_FLOOR],
    },
    {
      id: 'heap-random',
      title: `${hold.toLocaleString('en-US')} live objects of 16 B – 4 KiB: free a random one, malloc a replacement`,
      loop: 'random',
      sizeMin: 16,
      sizeMax: 4096,
      hold,
      targets: HEAP_TARGETS,
    },
    {
      id: 'heap-slab-lifo',
      title: 'slab sizes 16 B – 2 KiB, LIFO (the C slab from the same description)',
      loop: 'lifo',
      sizeMin: 16,
      sizeMax: 2048,
      targets: ['heap:slab', 'peer:MemPool'],
      native: 'lifo',
    },
    {
      id: 'heap-slab-random',
      title: `slab sizes 16 B – 2 KiB, ${hold.toLocaleString('en-US')} live, random order (the C slab too)`,
      loop: 'random',
      sizeMin: 16,
      sizeMax: 2048,
      hold,
      targets: ['heap:slab', 'peer:MemPool'],
      native: 'random',
    },
  ];
}

/**
 * One heap row in this process: `target` over a fresh space (or buffer) running `scenario`'s
 * loop on its drawn sizes. With `isolate`, the suite runs it in child processes
 * (`heap-row-child.ts`), the faster of `rowRuns` kept: in one process the heap rows share the
 * heap's methods, so the type feedback of one strategy would slow the next.
 */
export function timeHeapRow(
  scenario: HeapScenario,
  target: string,
  heapModule: HeapModule,
  makePmm: (space: FrameSpace) => FrameAllocator,
  frames: number,
  profile: Profile,
): Timing {
  const sizes = drawSizes(SEED, DRAWS, scenario.sizeMin, scenario.sizeMax);
  const picks = scenario.hold ? drawIndices(SEED + 1, DRAWS, scenario.hold) : undefined;
  const call = compile(scenario, makeTarget(target, heapModule, makePmm, frames), sizes, picks);
  return measure(`${scenario.id}/${target}`, call, PER_CALL, profile);
}

/** The heap package and the frame allocator under it (the bitmap, else the baseline); undefined without the heap. */
export async function loadHeap(): Promise<
  { heapModule: HeapModule; makePmm: (space: FrameSpace) => FrameAllocator } | undefined
> {
  const heapModule: HeapModule = await tryImport('@framekit/heap');
  if (!heapModule) return undefined;
  const bitmap = await tryImport('@framekit/alloc-bitmap');
  const makePmm = (space: FrameSpace): FrameAllocator =>
    bitmap ? bitmap.createBitmapAllocator(space) : createBaselineAllocator(space);
  return { heapModule, makePmm };
}

/** What a timed loop calls: `malloc(size)` → address (MemPool: 0 when full; the heap: -1), `free(address)`. */
interface ByteTarget {
  malloc(size: number): number;
  free(address: number): unknown;
}

const LOOPS = {
  lifo: `
    let cursor = 0;
    return function call() {
      for (let k = 0; k < perCall; k++) out[k] = target.malloc(sizes[cursor++ & mask]);
      for (let k = perCall - 1; k >= 0; k--) target.free(out[k]);
    };`,
  random: `
    let cursor = hold;
    return function call() {
      for (let k = 0; k < perCall; k++) {
        const i = picks[cursor & mask];
        target.free(held[i]);
        held[i] = target.malloc(sizes[cursor++ & mask]);
      }
    };`,
} as const;

// biome-ignore lint/suspicious/noExplicitAny: the heap package is loaded only when installed
type HeapModule = any;

/** Frames of the dense space (and bytes of MemPool's buffer): 128 MiB, 32 MiB in the tiny profile. */
export function spaceFrames(profile: Profile): number {
  return profile.name === 'full' ? 32768 : 8192;
}

/**
 * Runs the heap scenarios `want` selects, the peak-memory traces, and the C slab; returns
 * nothing when @framekit/heap is not installed.
 */
export async function runHeapScenarios(
  profile: Profile,
  binary: string | undefined,
  want: (id: string) => boolean,
  log: (line: string) => void,
): Promise<HeapResult | undefined> {
  const loaded = await loadHeap();
  if (!loaded) return undefined;
  const { heapModule, makePmm } = loaded;
  const frames = spaceFrames(profile);
  const chosen = heapScenarios(profile).filter((scenario) => want(scenario.id));
  // Rounds, as the loop rows have (`runSuite`): each row, the C slab's included, timed once per
  // round and the fastest kept, so a slow spell of the machine costs a row one try.
  const rounds = profile.isolate ? profile.rowRuns : 1;
  const natives = new Map<string, NativeResult>();
  const best = new Map<string, HeapRow>();
  const medianOf = (row: HeapRow) => row.timing?.medianNs;
  for (let round = 1; round <= rounds; round++) {
    if (rounds > 1) log(`• heap round ${round} of ${rounds}`);
    for (const scenario of chosen) {
      log(`• ${scenario.id}: ${scenario.title}`);
      if (binary && scenario.native) {
        const native = runNative(binary, 'slab', scenario.native, {
          frames,
          per_call: PER_CALL,
          size_min: scenario.sizeMin,
          size_max: scenario.sizeMax,
          hold: scenario.hold ?? 0,
          seed: SEED,
          time_ms: profile.timeMs,
          warmup_ms: profile.warmupMs,
          min_samples: profile.minSamples,
        });
        keepFastest(natives, scenario.id, native, (n) => n.medianNs);
        log(`    c:slab ${native.medianNs.toFixed(1)} ns/op`);
      }
      for (const target of scenario.targets) {
        const key = `${scenario.id}\u0000${target}`;
        if (settled(best, key, medianOf)) continue;
        let row: HeapRow;
        try {
          const timing = profile.isolate
            ? runScriptInChild<Timing>(
                HEAP_ROW_CHILD,
                { scenarioId: scenario.id, target, profile: profile.name },
                profile.childLimits.timeoutMs,
              )
            : timeHeapRow(scenario, target, heapModule, makePmm, frames, profile);
          row = {
            scenario: scenario.id,
            target,
            kind: target.startsWith('peer:') ? 'peer' : target.startsWith('ref:') ? 'ref' : 'framekit',
            timing,
            ...(target.endsWith('[headers]')
              ? { note: "memm's headers: a 16-byte header before each object" }
              : target === CHECKED_FLOOR
                ? {
                    note: 'the least a heap that checks its frees does here: a LIFO stack per 16-byte class, a live bit per 16 bytes (not a heap to use)',
                  }
                : {}),
          };
        } catch (error) {
          row = {
            scenario: scenario.id,
            target,
            kind: 'framekit',
            skipped: `failed: ${(error as Error).message}`,
          };
        }
        keepFastest(best, key, row, medianOf);
        collectGarbage();
        log(`    ${target} ${row.timing ? `${row.timing.medianNs.toFixed(1)} ns/op` : row.skipped}`);
      }
    }
  }
  // The rows in scenario order, the C slab first; ratios over the fastest times of all rounds.
  const rows: HeapRow[] = [];
  for (const scenario of chosen) {
    const native = natives.get(scenario.id);
    if (native) rows.push({ scenario: scenario.id, target: 'c:slab', kind: 'c', timing: timingOf(native) });
    const scenarioRows = scenario.targets.flatMap(
      (target) => best.get(`${scenario.id}\u0000${target}`) ?? [],
    );
    const peer = scenarioRows.find((r) => r.target === 'peer:MemPool')?.timing?.medianNs;
    for (const r of scenarioRows) {
      const t = r.timing;
      rows.push({
        ...r,
        ...(native && t ? { ratioToC: t.medianNs / native.medianNs } : {}),
        ...(peer !== undefined && t && r.kind !== 'peer' ? { speedup: peer / t.medianNs } : {}),
      });
    }
  }
  const peaks = want('heap-peak') ? peakRows(profile, heapModule, makePmm, frames, log) : [];
  return { rows, peaks };
}

function timingOf(n: NativeResult): Timing {
  return {
    medianNs: n.medianNs,
    p99Ns: n.p99Ns,
    meanNs: n.meanNs,
    opsPerSec: 1e9 / n.meanNs,
    samples: n.samples,
  };
}

/** A target over a fresh space (the heap) or buffer (MemPool) of `frames * 4096` bytes. */
function makeTarget(
  target: string,
  heapModule: HeapModule,
  makePmm: (space: FrameSpace) => FrameAllocator,
  frames: number,
): ByteTarget {
  if (target === 'peer:MemPool') return new MemPool({ size: frames * FRAME, align: 16 });
  if (target === CHECKED_FLOOR) return new CheckedClassStacks(frames);
  const match = /^heap:([a-z-]+)(\[headers\])?$/.exec(target);
  if (!match) throw new Error(`unknown heap target ${target}`);
  const space = createFrameSpace({ frames }, { backing: 'dense' });
  return heapModule.createHeap(makePmm(space), { strategy: match[1], headers: Boolean(match[2]) });
}

/** The timed call, compiled per row so V8's type feedback for one target never slows another. */
function compile(
  scenario: HeapScenario,
  target: ByteTarget,
  sizes: Float64Array,
  picks: Uint32Array | undefined,
): () => void {
  const hold = scenario.hold ?? 0;
  const held = new Float64Array(hold);
  const full = target instanceof MemPool ? 0 : -1;
  for (let i = 0; i < hold; i++) {
    held[i] = target.malloc(sizes[i]);
    if (held[i] === full) throw new Error(`${scenario.id}: the space cannot hold ${hold} objects`);
  }
  const factory = new Function(
    'target',
    'perCall',
    'out',
    'sizes',
    'picks',
    'held',
    'hold',
    'mask',
    uniqueSource(LOOPS[scenario.loop]),
  );
  return factory(target, PER_CALL, new Float64Array(PER_CALL), sizes, picks, held, hold, DRAWS - 1);
}

/**
 * Peak bytes held on the same trace: `hold` objects of 16 B – 4 KiB, then 20 replacements per
 * object in random order (the heap-random trace, untimed), for every target.
 */
function peakRows(
  profile: Profile,
  heapModule: HeapModule,
  makePmm: (space: FrameSpace) => FrameAllocator,
  frames: number,
  log: (line: string) => void,
): HeapPeakRow[] {
  const hold = profile.name === 'full' ? 10_000 : 1000;
  const ops = hold * 20;
  const sizes = drawSizes(SEED, DRAWS, 16, 4096);
  const picks = drawIndices(SEED + 1, DRAWS, hold);
  log(
    `• heap-peak: ${hold.toLocaleString('en-US')} live objects of 16 B – 4 KiB, ${ops.toLocaleString('en-US')} replacements`,
  );
  const rows: {
    trace: string;
    target: string;
    peak: number;
    meta: number;
    requested: number;
    failed: number;
  }[] = [];
  for (const target of HEAP_TARGETS) {
    let pool: MemPool | undefined;
    let counter: { used: number; peak: number } | undefined;
    let heap: ByteTarget & { stats(): { metadataBytes: number } };
    if (target === 'peer:MemPool') {
      pool = new MemPool({ size: frames * FRAME, align: 16 });
      heap = Object.assign(pool, { stats: () => ({ metadataBytes: 0 }) });
    } else {
      const [, name, headers] = /^heap:([a-z-]+)(\[headers\])?$/.exec(target)!;
      const space = createFrameSpace({ frames }, { backing: 'dense' });
      const counted = countFrames(makePmm(space));
      counter = counted.counter;
      heap = heapModule.createHeap(counted.pmm, { strategy: name, headers: Boolean(headers) });
    }
    // biome-ignore lint/suspicious/noExplicitAny: MemPool's `top` is protected in its types
    const top = () => (pool as any).top as number;
    const start = pool ? top() : 0;
    let peakTop = start;
    const held = new Float64Array(hold);
    const requested = new Float64Array(hold);
    let live = 0;
    let peakLive = 0;
    let failed = 0;
    const full = pool ? 0 : -1;
    const fresh = (i: number, size: number) => {
      const address = heap.malloc(size);
      if (address === full) {
        failed++;
        held[i] = -1;
        requested[i] = 0;
        return;
      }
      held[i] = address;
      requested[i] = size;
      live += size;
      if (live > peakLive) peakLive = live;
      if (pool) peakTop = Math.max(peakTop, top());
    };
    for (let i = 0; i < hold; i++) fresh(i, sizes[i]);
    for (let k = 0; k < ops; k++) {
      const cursor = hold + k;
      const i = picks[cursor & (DRAWS - 1)];
      if (held[i] !== -1) {
        heap.free(held[i]);
        live -= requested[i];
      }
      fresh(i, sizes[cursor & (DRAWS - 1)]);
    }
    rows.push({
      trace: 'heap-random',
      target,
      peak: pool ? peakTop - start : counter!.peak * FRAME,
      meta: heap.stats().metadataBytes,
      requested: peakLive,
      failed,
    });
    log(`    ${target} peak ${(rows[rows.length - 1].peak / 2 ** 20).toFixed(2)} MiB`);
    collectGarbage();
  }
  const peer = rows.find((r) => r.target === 'peer:MemPool');
  return rows.map((r) => ({
    trace: r.trace,
    target: r.target,
    peakHeldBytes: r.peak,
    metadataBytes: r.meta,
    peakRequestedBytes: r.requested,
    ...(peer && r.target !== peer.target ? { vsPeer: (r.peak + r.meta) / peer.peak } : {}),
    ...(r.failed > 0 ? { failed: r.failed } : {}),
  }));
}

/** `pmm` with a count of frames taken (and its peak), for peak memory. */
function countFrames(pmm: FrameAllocator): { pmm: FrameAllocator; counter: { used: number; peak: number } } {
  const counter = { used: 0, peak: 0 };
  const take = (n: number) => {
    counter.used += n;
    if (counter.used > counter.peak) counter.peak = counter.used;
  };
  const wrapped = Object.assign(Object.create(pmm) as FrameAllocator, {
    alloc() {
      const pfn = pmm.alloc();
      if (pfn !== -1) take(1);
      return pfn;
    },
    allocRun(count: number, options?: Parameters<FrameAllocator['allocRun']>[1]) {
      const pfn = pmm.allocRun(count, options);
      if (pfn !== -1) take(count);
      return pfn;
    },
    free(pfn: number) {
      pmm.free(pfn);
      counter.used--;
    },
    freeRun(pfn: number, count: number) {
      pmm.freeRun(pfn, count);
      counter.used -= count;
    },
  });
  return { pmm: wrapped, counter };
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}

const fmt = (x: number | undefined, digits = 2) =>
  x === undefined || !Number.isFinite(x)
    ? '–'
    : x >= 1000
      ? Math.round(x).toLocaleString('en-US')
      : x.toFixed(digits);
const mib = (x: number) => `${(x / 2 ** 20).toFixed(2)} MiB`;

/** The report's heap section (markdown lines). */
export function renderHeap(result: HeapResult | undefined): string[] {
  const out: string[] = ['## Heap (@framekit/heap against @thi.ng/malloc MemPool and the C slab)', ''];
  if (!result) return [...out, '_Not measured: @framekit/heap is not installed._', ''];
  out.push(
    'One op is one malloc and one free. `vs MemPool` is how many times faster than MemPool on the same sizes over',
    'the same bytes (a 128 MiB space / buffer); `x C` is the median over the C slab (`native/slab.c`). The heap',
    'runs over the bitmap allocator with dense contents.',
    '',
  );
  const scenarios = [...new Set(result.rows.map((r) => r.scenario))];
  for (const id of scenarios) {
    out.push(`### ${id}`, '');
    out.push(
      '| target | median ns | p99 ns | ops/s | vs MemPool | x C | note |',
      '|---|---|---|---|---|---|---|',
    );
    for (const r of result.rows.filter((x) => x.scenario === id)) {
      if (!r.timing) {
        out.push(`| ${r.target} | – | – | – | – | – | ${r.skipped ?? ''} |`);
        continue;
      }
      out.push(
        `| ${r.target} | ${fmt(r.timing.medianNs)} | ${fmt(r.timing.p99Ns)} | ${fmt(r.timing.opsPerSec, 0)} | ${r.speedup === undefined ? '–' : `${fmt(r.speedup)}x`} | ${r.ratioToC === undefined ? '–' : `${fmt(r.ratioToC)}x`} | ${r.note ?? ''} |`,
      );
    }
    out.push('');
  }
  if (result.peaks.length > 0) {
    out.push('### heap-peak: bytes held at the peak of the heap-random trace', '');
    out.push(
      '| target | peak held | + metadata | requested at peak | (held + metadata) / MemPool |',
      '|---|---|---|---|---|',
    );
    for (const p of result.peaks) {
      out.push(
        `| ${p.target} | ${mib(p.peakHeldBytes)} | ${mib(p.peakHeldBytes + p.metadataBytes)} | ${mib(p.peakRequestedBytes)} | ${p.vsPeer === undefined ? '–' : `${fmt(p.vsPeer, 3)}`}${p.failed ? ` (${p.failed} failed)` : ''} |`,
      );
    }
    out.push('');
  }
  return out;
}
