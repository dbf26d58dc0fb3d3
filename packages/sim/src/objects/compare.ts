import { createFrameSpace, type FrameAllocator, FrameError, type FrameSpace } from '@framekit/core';
import { createHeap, HEAP_STRATEGIES, type HeapStrategyName } from '@framekit/heap';
import { type ObjectRunOptions, type ObjectRunResult, runObjects } from './run';
import { countingFrames, type HeapTarget, heapTarget } from './targets';
import type { HeapOp } from './trace';
import { OBJECT_WORKLOADS, type ObjectWorkload } from './workloads';

/** Everything that decides a heap comparison: the same setup gives the same memory figures. */
export interface HeapCompareSetup {
  /** An object workload's name (`OBJECT_WORKLOADS`); ignored when a trace is given. */
  readonly workload: string;
  /**
   * Targets: heap strategies (`slab`, `first-fit`, `tlsf`, each also as `…+headers`) and the
   * names of `peers` (e.g. `mempool`).
   */
  readonly targets: readonly string[];
  readonly ops: number;
  readonly seed: number;
  /** Bytes of memory each target gets (the frame space, MemPool's buffer). Default 256 MiB. */
  readonly bytes?: number;
}

export const DEFAULT_HEAP_SETUP: Required<HeapCompareSetup> = {
  workload: 'mixed',
  targets: ['slab', 'first-fit', 'tlsf', 'mempool'],
  ops: 200_000,
  seed: 1,
  bytes: 256 * 1024 * 1024,
};

export interface HeapCompareOptions {
  /** The frame allocator each heap runs on (e.g. `createBitmapAllocator`). */
  readonly pmm: (space: FrameSpace) => FrameAllocator;
  /** Other targets by name, made over `bytes` (e.g. `{ mempool: (b) => memPoolTarget(MemPool, b) }`). */
  readonly peers?: Readonly<Record<string, (bytes: number) => HeapTarget>>;
  /** Replay these operations instead of generating the workload. */
  readonly trace?: readonly HeapOp[];
  readonly onTarget?: (name: string, index: number, count: number) => void;
  readonly run?: Omit<ObjectRunOptions, 'totalOps'>;
}

/** The object workload of that name; an unknown name throws `INVALID_REQUEST` listing the known ones. */
export function findObjectWorkload(name: string): ObjectWorkload {
  const w = Object.hasOwn(OBJECT_WORKLOADS, name) ? OBJECT_WORKLOADS[name] : undefined;
  if (!w) {
    throw new FrameError(
      'INVALID_REQUEST',
      `unknown object workload '${name}' (known: ${Object.keys(OBJECT_WORKLOADS).join(', ')})`,
      { workload: name },
    );
  }
  return w;
}

/** The operations of a setup's workload. */
export function objectWorkloadOps(setup: HeapCompareSetup): HeapOp[] {
  const bytes = setup.bytes ?? DEFAULT_HEAP_SETUP.bytes;
  return [...findObjectWorkload(setup.workload).generate({ seed: setup.seed, ops: setup.ops, bytes })];
}

/**
 * Runs one object workload (or `trace`) on every target, each over fresh memory of the same
 * size: throughput, bytes held against live bytes, and fragmentation over time.
 */
export function compareHeaps(setup: HeapCompareSetup, options: HeapCompareOptions): ObjectRunResult[] {
  const bytes = setup.bytes ?? DEFAULT_HEAP_SETUP.bytes;
  if (!Number.isSafeInteger(bytes) || bytes < 1 << 20 || bytes > 2 ** 32) {
    throw new FrameError(
      'INVALID_REQUEST',
      `compareHeaps: bytes ${bytes} must be an integer in [1 MiB, 4 GiB]`,
      {
        bytes,
      },
    );
  }
  const makers = setup.targets.map((name) => targetMaker(name, options));
  const ops = options.trace ?? objectWorkloadOps(setup);
  return makers.map((make, index) => {
    options.onTarget?.(setup.targets[index], index, makers.length);
    return runObjects(make(bytes), ops, { ...options.run, totalOps: ops.length });
  });
}

function targetMaker(name: string, options: HeapCompareOptions): (bytes: number) => HeapTarget {
  const peer = options.peers && Object.hasOwn(options.peers, name) ? options.peers[name] : undefined;
  if (peer) return peer;
  const [strategy, extra] = name.split('+');
  if (!Object.hasOwn(HEAP_STRATEGIES, strategy) || (extra !== undefined && extra !== 'headers')) {
    const known = [
      ...Object.keys(HEAP_STRATEGIES),
      ...Object.keys(HEAP_STRATEGIES).map((s) => `${s}+headers`),
    ];
    throw new FrameError(
      'INVALID_REQUEST',
      `unknown heap target '${name}' (known: ${[...known, ...Object.keys(options.peers ?? {})].join(', ')})`,
      { target: name },
    );
  }
  return (bytes) => {
    const space = createFrameSpace({ frames: Math.floor(bytes / 4096) }, { backing: 'dense' });
    const frames = countingFrames(options.pmm(space));
    const heap = createHeap(frames.pmm, {
      strategy: strategy as HeapStrategyName,
      headers: extra === 'headers',
    });
    return heapTarget(name, heap, frames);
  };
}

/** One row per result, for a table or CSV: throughput, held against live at the end and at the peak. */
export function heapResultRows(results: readonly ObjectRunResult[]): Record<string, string | number>[] {
  const mib = (b: number) => round(b / 2 ** 20, 2);
  return results.map((r) => ({
    target: r.target,
    ops: r.ops,
    'ops/s': r.opsPerSecond,
    failed: r.failed,
    'live MiB': mib(r.final.liveBytes),
    'held MiB': mib(r.final.heldBytes),
    'held/live': round(r.final.heldPerLive, 3),
    'peak held MiB': mib(r.peakHeldBytes),
    'peak live MiB': mib(r.peakLiveBytes),
    'internal frag': round(r.final.internalFragmentation, 3),
    'external frag': round(r.final.externalFragmentation, 3),
    'metadata KiB': round(r.final.metadataBytes / 1024, 1),
  }));
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
