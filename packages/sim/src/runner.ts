import { type FrameAllocator, measureFragmentation } from '@framekit/core';
import { Outcome, type ReplayError, Replayer } from './replay';
import type { TraceOp } from './trace';

/** Metrics at one point of a run. */
export interface Sample {
  /** Operations done so far. */
  readonly op: number;
  readonly freeFrames: number;
  readonly usedFrames: number;
  readonly largestFreeRun: number;
  readonly free2MiBBlocks: number;
  /** Linux's unusable free space index for a 2 MiB (order 9) request, 0–1000. */
  readonly unusableIndex: number;
  /** Linux's fragmentation index for an order-9 request: -1000 when one fits, else 0–1000. */
  readonly fragmentationIndex: number;
  readonly metadataBytes: number;
  /** Requests that found no memory so far. */
  readonly failed: number;
  /**
   * Operations per second since the previous sample, timing the allocator's operations only
   * (0 in the first sample). The one figure that differs from run to run.
   */
  readonly opsPerSecond: number;
}

export interface RunOptions {
  /** Take a sample every this many operations (default: about 50 samples a run). */
  readonly sampleEvery?: number;
  /** Expected operation count, for progress and default sampling (generators have no length). */
  readonly totalOps?: number;
  readonly onSample?: (sample: Sample) => void;
  /** Called with the fraction done, at most about 100 times a run. */
  readonly onProgress?: (fraction: number) => void;
  /** Polled between operations: return true to stop early (a cancel button). */
  readonly shouldStop?: () => boolean;
  /** Stop at the first FrameError, so a failing run ends where it failed. */
  readonly stopOnError?: boolean;
}

export interface RunResult {
  readonly strategy: string;
  readonly ops: number;
  /** Allocation requests in the trace that succeeded. */
  readonly allocations: number;
  /** Process workloads: touches that faulted a page in (a zeroed frame, a file page, a copy). */
  readonly faults: number;
  /**
   * Requests that were not served (NO_FRAME / false): memory was exhausted or too fragmented,
   * or the strategy cannot serve that shape at all (`unsupported`, counted here too).
   */
  readonly failed: number;
  /** Of `failed`: requests of a shape the strategy does not serve (runs from a stack). */
  readonly unsupported: number;
  /** Operations on allocations that had failed: nothing to do. */
  readonly skipped: number;
  /** FrameErrors the allocator threw (misuse in the trace). */
  readonly errors: readonly ReplayError[];
  /** Time spent in the allocator's operations only, not in sampling. */
  readonly elapsedMs: number;
  readonly opsPerSecond: number;
  readonly samples: readonly Sample[];
  readonly final: Sample;
  readonly stopped: boolean;
}

/** The order of a 2 MiB block: 2^9 frames. */
const ORDER_2MIB = 9;

/** Measures the allocator now; `opsPerSecond` is the caller's measure of the last stretch. */
export function takeSample(allocator: FrameAllocator, op: number, failed: number, opsPerSecond = 0): Sample {
  const stats = allocator.stats();
  const f = measureFragmentation(allocator);
  return {
    op,
    freeFrames: stats.freeFrames,
    usedFrames: stats.usedFrames,
    largestFreeRun: f.largestFreeRun,
    free2MiBBlocks: f.free2MiBBlocks,
    unusableIndex: f.unusableIndex[ORDER_2MIB],
    fragmentationIndex: f.fragmentationIndex[ORDER_2MIB],
    metadataBytes: stats.metadataBytes,
    failed,
    opsPerSecond,
  };
}

/**
 * Runs `ops` against `allocator`, sampling metrics along the way. `ops` may be a stream (a
 * workload's generator): it is consumed one operation at a time and never held whole.
 */
export function runWorkload(
  allocator: FrameAllocator,
  ops: Iterable<TraceOp>,
  options: RunOptions = {},
): RunResult {
  const replayer = new Replayer(allocator);
  const total = options.totalOps ?? (Array.isArray(ops) ? ops.length : 0);
  const sampleEvery = options.sampleEvery ?? Math.max(1, Math.ceil(total / 50) || 1000);
  const progressEvery = Math.max(1, Math.ceil(total / 100) || 1000);
  const samples: Sample[] = [];
  let done = 0;
  let elapsed = 0;
  let lastOp = 0;
  let lastElapsed = 0;
  const sample = (op: number) => {
    const ms = elapsed - lastElapsed;
    const rate = op > lastOp && ms > 0 ? Math.round(((op - lastOp) / ms) * 1000) : 0;
    lastOp = op;
    lastElapsed = elapsed;
    const s = takeSample(allocator, op, replayer.failed, rate);
    samples.push(s);
    options.onSample?.(s);
  };

  sample(0);
  options.onProgress?.(0);
  let stopped = false;
  let t0 = performance.now();
  for (const op of ops) {
    const outcome = replayer.apply(op);
    done++;
    if (outcome === Outcome.Error && options.stopOnError) {
      stopped = true;
      break;
    }
    if (done % sampleEvery === 0 || done % progressEvery === 0) {
      elapsed += performance.now() - t0;
      if (done % sampleEvery === 0) sample(done);
      if (done % progressEvery === 0) {
        if (total > 0) options.onProgress?.(Math.min(1, done / total));
        if (options.shouldStop?.()) {
          stopped = true;
          break;
        }
      }
      t0 = performance.now();
    }
  }
  elapsed += performance.now() - t0;
  if (samples[samples.length - 1].op !== done) sample(done);
  if (!stopped) options.onProgress?.(1);

  return {
    strategy: allocator.name,
    ops: done,
    allocations: replayer.allocations,
    faults: replayer.processes.faults,
    failed: replayer.failed,
    unsupported: replayer.unsupported,
    skipped: replayer.skipped,
    errors: replayer.errors,
    elapsedMs: elapsed,
    opsPerSecond: elapsed > 0 ? Math.round((done / elapsed) * 1000) : 0,
    samples,
    final: samples[samples.length - 1],
    stopped,
  };
}
