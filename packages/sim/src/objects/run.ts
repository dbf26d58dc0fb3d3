import type { HeapTarget } from './targets';
import type { HeapOp } from './trace';

/** Memory over time: one point of an object run. */
export interface ObjectSample {
  readonly op: number;
  readonly objects: number;
  /** Σ requested bytes of live objects (the same on every target). */
  readonly liveBytes: number;
  readonly heldBytes: number;
  /** Held bytes a later malloc could reuse. */
  readonly freeBytes: number;
  /** Held bytes that are neither requested nor reusable: rounding, headers, tails, gaps. */
  readonly overheadBytes: number;
  /** `heldBytes / liveBytes` (0 with nothing live). */
  readonly heldPerLive: number;
  /** `overheadBytes / heldBytes` and `freeBytes / heldBytes`. */
  readonly internalFragmentation: number;
  readonly externalFragmentation: number;
  readonly metadataBytes: number;
  readonly failed: number;
  /** Operations per second since the previous sample (the target's calls only). */
  readonly opsPerSecond: number;
}

export interface ObjectRunOptions {
  readonly sampleEvery?: number;
  readonly totalOps?: number;
  readonly onSample?: (sample: ObjectSample) => void;
  readonly onProgress?: (fraction: number) => void;
}

export interface ObjectRunResult {
  readonly target: string;
  readonly ops: number;
  readonly mallocs: number;
  /** Requests that found no memory. */
  readonly failed: number;
  /** Operations on objects whose allocation had failed: nothing to do. */
  readonly skipped: number;
  readonly elapsedMs: number;
  readonly opsPerSecond: number;
  readonly peakHeldBytes: number;
  readonly peakLiveBytes: number;
  readonly samples: readonly ObjectSample[];
  readonly final: ObjectSample;
}

/**
 * Replays heap operations on `target` (object ids → its addresses), sampling memory every
 * `sampleEvery` operations (about 50 a run by default). Only the target's calls are timed.
 */
export function runObjects(
  target: HeapTarget,
  ops: Iterable<HeapOp>,
  options: ObjectRunOptions = {},
): ObjectRunResult {
  const total = options.totalOps ?? (Array.isArray(ops) ? ops.length : 0);
  const sampleEvery = options.sampleEvery ?? Math.max(1, Math.ceil(total / 50) || 1000);
  const progressEvery = Math.max(1, Math.ceil(total / 100) || 1000);
  const address = new Map<number, number>();
  const size = new Map<number, number>();
  const ownerOf = new Map<number, number>();
  const byOwner = new Map<number, Set<number>>();
  const samples: ObjectSample[] = [];
  let live = 0;
  let peakLive = 0;
  let mallocs = 0;
  let failed = 0;
  let skipped = 0;
  let done = 0;
  let elapsed = 0;
  let lastOp = 0;
  let lastElapsed = 0;

  const forget = (id: number) => {
    live -= size.get(id) ?? 0;
    address.delete(id);
    size.delete(id);
    const owner = ownerOf.get(id);
    if (owner !== undefined) {
      byOwner.get(owner)?.delete(id);
      ownerOf.delete(id);
    }
  };
  const sample = (op: number) => {
    const ms = elapsed - lastElapsed;
    const rate = op > lastOp && ms > 0 ? Math.round(((op - lastOp) / ms) * 1000) : 0;
    lastOp = op;
    lastElapsed = elapsed;
    const m = target.measure();
    const overhead = Math.max(0, m.heldBytes - m.freeBytes - live);
    const s: ObjectSample = {
      op,
      objects: address.size,
      liveBytes: live,
      heldBytes: m.heldBytes,
      freeBytes: m.freeBytes,
      overheadBytes: overhead,
      heldPerLive: live > 0 ? m.heldBytes / live : 0,
      internalFragmentation: m.heldBytes > 0 ? overhead / m.heldBytes : 0,
      externalFragmentation: m.heldBytes > 0 ? m.freeBytes / m.heldBytes : 0,
      metadataBytes: m.metadataBytes,
      failed,
      opsPerSecond: rate,
    };
    samples.push(s);
    options.onSample?.(s);
  };

  sample(0);
  let t0 = performance.now();
  for (const op of ops) {
    switch (op.op) {
      case 'malloc': {
        const owner = op.owner ?? 0;
        const a = target.malloc(op.size, owner, op.align);
        mallocs++;
        if (a === target.noAddress) failed++;
        else {
          address.set(op.id, a);
          size.set(op.id, op.size);
          live += op.size;
          if (live > peakLive) peakLive = live;
          // Every object has an owner: none given is owner 0 (the kernel), whom an `exit` of 0 releases.
          ownerOf.set(op.id, owner);
          let set = byOwner.get(owner);
          if (!set) {
            set = new Set();
            byOwner.set(owner, set);
          }
          set.add(op.id);
        }
        break;
      }
      case 'free': {
        const a = address.get(op.id);
        if (a === undefined) skipped++;
        else {
          target.free(a);
          forget(op.id);
        }
        break;
      }
      case 'realloc': {
        const a = address.get(op.id);
        if (a === undefined) {
          skipped++;
          break;
        }
        const moved = target.realloc(a, op.size, op.align);
        if (moved === target.noAddress) failed++;
        else {
          live += op.size - (size.get(op.id) ?? 0);
          if (live > peakLive) peakLive = live;
          address.set(op.id, moved);
          size.set(op.id, op.size);
        }
        break;
      }
      case 'exit': {
        const ids = [...(byOwner.get(op.owner) ?? [])];
        if (target.releaseOwner) target.releaseOwner(op.owner);
        else for (const id of ids) target.free(address.get(id)!);
        for (const id of ids) forget(id);
        byOwner.delete(op.owner);
        break;
      }
    }
    done++;
    if (done % sampleEvery === 0 || done % progressEvery === 0) {
      elapsed += performance.now() - t0;
      if (done % sampleEvery === 0) sample(done);
      if (done % progressEvery === 0 && total > 0) options.onProgress?.(Math.min(1, done / total));
      t0 = performance.now();
    }
  }
  elapsed += performance.now() - t0;
  if (samples[samples.length - 1].op !== done) sample(done);
  options.onProgress?.(1);
  const final = samples[samples.length - 1];
  return {
    target: target.name,
    ops: done,
    mallocs,
    failed,
    skipped,
    elapsedMs: elapsed,
    opsPerSecond: elapsed > 0 ? Math.round((done / elapsed) * 1000) : 0,
    peakHeldBytes: target.measure().peakHeldBytes,
    peakLiveBytes: peakLive,
    samples,
    final,
  };
}
