import { Bench } from 'tinybench';

/** One row's timing, per operation (an op is what the scenario says: e.g. one alloc + one free). */
export interface Timing {
  readonly medianNs: number;
  readonly p99Ns: number;
  readonly meanNs: number;
  readonly opsPerSec: number;
  readonly samples: number;
}

export interface MeasureOptions {
  /** Time budget per row, ms (after warm-up). */
  readonly timeMs: number;
  readonly warmupMs: number;
  /** At least this many samples, even past the budget. */
  readonly minSamples: number;
}

/**
 * Times `call` with tinybench. Each sample is one call, which performs `opsPerCall`
 * operations (batching keeps every sample well above the timer's resolution), so the
 * median and p99 are of per-call means divided down to one op: the same convention as
 * `framekit-ref`.
 */
export function measure(name: string, call: () => void, opsPerCall: number, options: MeasureOptions): Timing {
  const bench = new Bench({
    name,
    time: options.timeMs,
    warmupTime: options.warmupMs,
    iterations: options.minSamples,
    timestampProvider: 'hrtimeNow',
    throws: true,
  });
  bench.add(name, call);
  const [task] = bench.runSync();
  const result = task.result;
  if (result.state !== 'completed') {
    throw new Error(
      `measure ${name}: ${result.state}${'error' in result ? `: ${String(result.error)}` : ''}`,
    );
  }
  const msToNsPerOp = 1e6 / opsPerCall;
  const meanNs = result.latency.mean * msToNsPerOp;
  return {
    medianNs: result.latency.p50 * msToNsPerOp,
    p99Ns: result.latency.p99 * msToNsPerOp,
    meanNs,
    opsPerSec: 1e9 / meanNs,
    samples: result.latency.samplesCount,
  };
}

/** Times a few whole runs of something slow (initialisations): every sample is one run. */
export function measureSlow(call: () => void, runs: number): Timing {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    call();
    samples.push(Number(process.hrtime.bigint() - t0));
  }
  return timingOf(samples);
}

/** Median (interpolated), p99 and mean of ns samples. */
export function timingOf(samples: readonly number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const q = (p: number) => {
    const pos = (sorted.length - 1) * p;
    const lo = Math.floor(pos);
    return lo + 1 >= sorted.length
      ? sorted[sorted.length - 1]
      : sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (pos - lo);
  };
  const meanNs = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  return { medianNs: q(0.5), p99Ns: q(0.99), meanNs, opsPerSec: 1e9 / meanNs, samples: sorted.length };
}
