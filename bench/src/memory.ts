import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createFrameSpace,
  type FrameAllocator,
  type FrameSpace,
  NO_FRAME,
  withRefCounts,
} from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';
import { type ChildLimits, jobInChild } from './init';
import { bootMap, MAP_TITLES, type MapName } from './maps';
import { MemPoolPages } from './peer';
import type { Profile } from './profiles';
import type { MemoryRow } from './run';
import { loadStrategies, type Strategy } from './strategies';

/**
 * Memory rows that no initialisation shows: what 16-bit refcounts (`withRefCounts`) add
 * once every frame is allocated, and the JS peer's bytes per 4 KiB block beyond the block.
 */
export function extraMemory(
  profile: Profile,
  createStack?: (space: FrameSpace) => FrameAllocator,
): MemoryRow[] {
  const frames = profile.singleFrames;
  const space = createFrameSpace({ frames });
  const inner = createBaselineAllocator(space);
  const counted = withRefCounts(inner);
  while (counted.alloc() !== -1) {
    // every frame allocated, so every refcount chunk exists
  }
  const refBytes = counted.stats().metadataBytes - inner.stats().metadataBytes;
  const peer = new MemPoolPages(1024);
  const overhead = peer.overheadPerFrame();
  const bytes = frames * 4096;
  const label = `${bytes >= 2 ** 30 ? `${bytes / 2 ** 30} GiB` : `${bytes / 2 ** 20} MiB`}, all allocated`;
  const rows: MemoryRow[] = [];
  if (createStack) {
    // The stack's metadata after a full churn (every frame handed out, then all freed in a
    // scattered order), not just after start-up, where its lazily made used bits cost nothing.
    // Frame contents (dense: every chunk a node might land in exists anyway), so the nodes
    // live inside free frames, as the stack keeps them wherever memory has contents.
    const stack = createStack(createFrameSpace({ frames }, { backing: 'dense' }));
    const all = new Float64Array(frames);
    let n = 0;
    for (let pfn = stack.alloc(); pfn !== -1; pfn = stack.alloc()) all[n++] = pfn;
    for (let i = 0; i < n; i += 2) stack.free(all[i]);
    for (let i = 1; i < n; i += 2) stack.free(all[i]);
    const churned = stack.stats().metadataBytes;
    rows.push({
      strategy: 'stack',
      space: 'after a full churn',
      frames,
      metadataBytes: churned,
      bytesPerFrame: churned / frames,
      note: 'nodes inside free frames: only the used bits are metadata',
    });
  }
  return [
    ...rows,
    {
      strategy: 'withRefCounts',
      space: label,
      frames,
      metadataBytes: refBytes,
      bytesPerFrame: refBytes / frames,
      note: 'added to any allocator: 16-bit counts, in chunks created as frames are handed out',
    },
    {
      strategy: 'peer:MemPool',
      space: '4 KiB blocks, align 4096',
      frames: 1,
      metadataBytes: overhead,
      bytesPerFrame: overhead,
      note: 'heap bytes per block beyond its 4096 (8-byte header + padding to the next aligned block)',
    },
  ];
}

// ---- metadata after a full churn ------------------------------------------------------------

/** What one churn did, and the metadata before and after it. */
export interface ChurnResult {
  readonly strategy: string;
  readonly map: MapName;
  /** Usable frames of the space. */
  readonly frames?: number;
  /** `stats().metadataBytes` right after start-up, with every frame handed out, and after the churn. */
  readonly startBytes?: number;
  readonly peakBytes?: number;
  readonly churnedBytes?: number;
  /** Handed out as 2 MiB runs (`allocRun(512, { align: 512 })`) and as single frames. */
  readonly runs?: number;
  readonly singles?: number;
  readonly ms?: number;
  readonly peakRssBytes?: number;
  /** Why it sits out the churn (the strategy cannot take part): no figure, and no budget judged. */
  readonly skipped?: string;
  /** Why there is no figure though it should have one (out of the memory or time limit, a failure). */
  readonly error?: string;
}

/** The label of a churn row's space: the budgets find the rows by it. */
export function churnSpace(map: MapName): string {
  return `${MAP_TITLES[map]}, after a full churn`;
}

/**
 * Hands out every frame of `target` (the first half of them as 2 MiB runs where it serves
 * them, `allocRun(512, { align: 512 })`, then single frames until none is left) and frees them
 * all in a scattered order (every other run and frame, then the rest), so every structure that
 * grows with use (handed-out bits, run records, caches, lazily made tables) has grown.
 */
export function churn(
  target: FrameAllocator,
  serveRuns: boolean,
): { runs: number; singles: number; peakBytes: number } {
  const total = target.stats().totalFrames;
  const pages = new Float64Array(Math.floor(total / 1024) + 1);
  let runs = 0;
  if (serveRuns) {
    const options = { align: 512 };
    while (runs < pages.length && (runs + 1) * 512 <= total / 2) {
      const pfn = target.allocRun(512, options);
      if (pfn === NO_FRAME) break;
      pages[runs++] = pfn;
    }
  }
  const singles = new Float64Array(Math.max(0, total - runs * 512));
  let n = 0;
  for (let pfn = target.alloc(); pfn !== NO_FRAME; pfn = target.alloc()) singles[n++] = pfn;
  const peakBytes = target.stats().metadataBytes;
  for (let i = 0; i < runs; i += 2) target.freeRun(pages[i], 512);
  for (let i = 0; i < n; i += 2) target.free(singles[i]);
  for (let i = 1; i < runs; i += 2) target.freeRun(pages[i], 512);
  for (let i = 1; i < n; i += 2) target.free(singles[i]);
  const stats = target.stats();
  if (runs * 512 + n !== total || stats.freeFrames !== total) {
    throw new Error(
      `churn: handed out ${runs} runs and ${n} frames of ${total}; ${stats.freeFrames} free afterwards`,
    );
  }
  return { runs, singles: n, peakBytes };
}

/** Why a strategy sits out the churn. */
export function churnSkip(strategy: Strategy): string | undefined {
  if (strategy.kind !== 'framekit') return 'not a framekit allocator';
  if (strategy.id === 'baseline')
    return 'the conformance reference frees in O(free runs): a full churn takes hours';
  return strategy.skip?.['*'];
}

/** Creates `strategy` on `map` (with the frame contents it wants) and churns it. */
export function churnInProcess(strategy: Strategy, map: MapName): ChurnResult {
  const skip = churnSkip(strategy);
  if (skip) return { strategy: strategy.id, map, skipped: skip };
  const space = createFrameSpace(bootMap(map), { backing: strategy.backing });
  const target = strategy.create(space) as FrameAllocator;
  const startBytes = target.stats().metadataBytes;
  const t0 = process.hrtime.bigint();
  let done: ReturnType<typeof churn>;
  try {
    done = churn(target, strategy.runs !== 'none');
  } catch (error) {
    return { strategy: strategy.id, map, error: String((error as Error)?.message ?? error).slice(0, 200) };
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return {
    strategy: strategy.id,
    map,
    frames: target.stats().totalFrames,
    startBytes,
    peakBytes: done.peakBytes,
    churnedBytes: target.stats().metadataBytes,
    runs: done.runs,
    singles: done.singles,
    ms,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

const THIS_SCRIPT = fileURLToPath(import.meta.url);

/**
 * `churnInProcess` in a fresh Node process (its memory is then its own), killed past the limits.
 * A stack keeps its nodes in free frames, so a churn of 64 GiB writes into every 2 MiB chunk of
 * a sparse space: each chunk is a fresh `calloc`, untouched but for its nodes while glibc maps it
 * on its own. glibc's threshold for that grows when a large block is freed, and then chunks come
 * zeroed by hand from the heap, every page touched: one run in six passed 8 GiB of RSS instead
 * of 1.6. A fixed threshold (`MALLOC_MMAP_THRESHOLD_`) keeps every large block mapped on its own.
 */
export function churnInChild(strategyId: string, map: MapName, limits: ChildLimits): Promise<ChurnResult> {
  return jobInChild<ChurnResult>(
    THIS_SCRIPT,
    { strategyId, map },
    limits,
    (error) => ({ strategy: strategyId, map, error }),
    { MALLOC_MMAP_THRESHOLD_: String(128 * 1024) },
  );
}

/** The churn rows for the memory table (and the budgets). */
export function churnRows(results: readonly ChurnResult[]): MemoryRow[] {
  const rows: MemoryRow[] = [];
  for (const r of results) {
    if (r.churnedBytes === undefined || !r.frames) continue;
    const start = r.startBytes === undefined ? '–' : (r.startBytes / r.frames).toFixed(4);
    rows.push({
      strategy: r.strategy,
      space: churnSpace(r.map),
      frames: r.frames,
      metadataBytes: r.churnedBytes,
      bytesPerFrame: r.churnedBytes / r.frames,
      ...(r.peakRssBytes !== undefined ? { peakRssBytes: r.peakRssBytes } : {}),
      note: `start-up ${start} B/frame; ${r.runs} 2 MiB runs + ${r.singles} frames handed out, all freed, in ${((r.ms ?? 0) / 1000).toFixed(1)} s`,
    });
  }
  return rows;
}

// Run as a bench child (`churnInChild`): churn one strategy on one map, print the result as JSON.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === THIS_SCRIPT) {
  const job = JSON.parse(process.argv[2] ?? '{}') as { strategyId: string; map: MapName };
  const { strategies } = await loadStrategies();
  const strategy = strategies.find((s) => s.id === job.strategyId);
  if (!strategy) throw new Error(`churn child: no strategy ${job.strategyId}`);
  process.stdout.write(`${JSON.stringify(churnInProcess(strategy, job.map))}\n`);
}
