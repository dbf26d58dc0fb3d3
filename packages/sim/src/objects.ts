/**
 * Object workloads: byte allocations for a heap (`@framekit/heap`) rather than frames. Seeded,
 * streamed as generators (constant memory in the op count), traceable as JSON Lines and
 * replayable on any heap strategy, like the frame workloads.
 */
import { Rng } from './rng';

/** One step: allocate object `id` of `size` bytes for `owner`, free object `id`, or an owner exits. */
export type ObjectOp =
  | { readonly op: 'malloc'; readonly id: number; readonly size: number; readonly owner: number }
  | { readonly op: 'free'; readonly id: number }
  | { readonly op: 'exit'; readonly owner: number };

export interface ObjectWorkload {
  readonly name: string;
  readonly description: string;
  generate(params: { readonly seed: number; readonly ops: number }): Generator<ObjectOp, void, undefined>;
}

/** Live objects by id, each with its owner: O(1) pick at random, add and remove. */
class LiveObjects {
  readonly ids: number[] = [];
  readonly owners: number[] = [];
  readonly #at = new Map<number, number>();

  add(id: number, owner: number): void {
    this.#at.set(id, this.ids.length);
    this.ids.push(id);
    this.owners.push(owner);
  }

  removeAt(i: number): number {
    const id = this.ids[i];
    const last = this.ids.length - 1;
    this.#at.delete(id);
    if (i !== last) {
      this.ids[i] = this.ids[last];
      this.owners[i] = this.owners[last];
      this.#at.set(this.ids[i], i);
    }
    this.ids.pop();
    this.owners.pop();
    return id;
  }

  get size(): number {
    return this.ids.length;
  }
}

/** Draws from a distribution of sizes given as [weight, min, max] buckets. */
function sizeDrawer(rng: Rng, buckets: readonly (readonly [number, number, number])[]): () => number {
  const total = buckets.reduce((s, b) => s + b[0], 0);
  return () => {
    let pick = rng.next() * total;
    for (const [weight, min, max] of buckets) {
      pick -= weight;
      if (pick < 0) return rng.int(min, max);
    }
    const last = buckets[buckets.length - 1];
    return rng.int(last[1], last[2]);
  };
}

function* churn(
  params: { seed: number; ops: number },
  buckets: readonly (readonly [number, number, number])[],
  liveTarget: number,
  owners: number,
  exitChance: number,
): Generator<ObjectOp, void, undefined> {
  const rng = new Rng(params.seed);
  const size = sizeDrawer(rng, buckets);
  const live = new LiveObjects();
  let nextId = 0;
  for (let n = 0; n < params.ops; n++) {
    if (owners > 1 && rng.chance(exitChance)) {
      const owner = 1 + rng.int(0, owners - 2);
      for (let i = live.size - 1; i >= 0; i--) if (live.owners[i] === owner) live.removeAt(i);
      yield { op: 'exit', owner };
      continue;
    }
    const fill = live.size / liveTarget;
    if (live.size > 0 && rng.next() < fill * 0.5 + (fill > 1 ? 0.5 : 0)) {
      yield { op: 'free', id: live.removeAt(rng.int(0, live.size - 1)) };
    } else {
      const owner = owners > 1 ? rng.int(0, owners - 1) : 0;
      const id = nextId++;
      live.add(id, owner);
      yield { op: 'malloc', id, size: size(), owner };
    }
  }
}

/** Every object workload, by name. */
export const OBJECT_WORKLOADS: readonly ObjectWorkload[] = [
  {
    name: 'small-objects',
    description: 'kernel-object churn: 16–256 B objects (mostly under 128 B), about 20,000 live, one owner',
    generate: (p) =>
      churn(
        p,
        [
          [6, 16, 64],
          [3, 65, 128],
          [1, 129, 256],
        ],
        20_000,
        1,
        0,
      ),
  },
  {
    name: 'mixed-buffers',
    description: 'mixed sizes: small objects with 1–4 KiB buffers and some 8–64 KiB ones, about 4,000 live',
    generate: (p) =>
      churn(
        p,
        [
          [6, 16, 256],
          [3, 1024, 4096],
          [1, 8192, 65536],
        ],
        4_000,
        1,
        0,
      ),
  },
  {
    name: 'processes',
    description:
      'memm-style owners: 8 processes allocating 16 B – 2 KiB, one exiting now and then (releaseOwner)',
    generate: (p) =>
      churn(
        p,
        [
          [5, 16, 128],
          [4, 129, 2048],
        ],
        8_000,
        8,
        0.0005,
      ),
  },
];

/** A heap as the runner drives it: `@framekit/heap`'s `Heap`, or a peer wrapped to look like one. */
export interface HeapLike {
  malloc(size: number, options?: { owner?: number }): number;
  free(addr: number): void;
  releaseOwner?(owner: number): void;
  /** Bytes held from the memory below (frames, or a peer's high-water mark). */
  bytesHeld(): number;
  /** Bytes the callers asked for, live now. */
  liveBytes?(): number;
  /** 0 … 1, where the heap can tell. */
  fragmentation?(): { internal: number; external: number };
}

export interface ObjectSample {
  readonly op: number;
  readonly liveBytes: number;
  readonly bytesHeld: number;
  readonly internal?: number;
  readonly external?: number;
}

export interface ObjectRunResult {
  readonly ops: number;
  readonly failed: number;
  readonly opsPerSecond: number;
  readonly peakBytesHeld: number;
  readonly peakLiveBytes: number;
  readonly samples: readonly ObjectSample[];
}

/** Runs `ops` on `heap`, sampling held and live bytes `samples` times. Object ids map to addresses. */
export function runObjects(
  heap: HeapLike,
  ops: Iterable<ObjectOp>,
  options: { readonly totalOps: number; readonly samples?: number } = { totalOps: 0 },
): ObjectRunResult {
  const addrOf = new Map<number, number>();
  const sizeOf = new Map<number, number>();
  const ownerOf = new Map<number, number>();
  const byOwner = new Map<number, Set<number>>();
  const every = Math.max(1, Math.floor(options.totalOps / (options.samples ?? 50)));
  const samples: ObjectSample[] = [];
  let live = 0;
  let failed = 0;
  let n = 0;
  let peakHeld = 0;
  let peakLive = 0;
  const sample = () => {
    const held = heap.bytesHeld();
    const frag = heap.fragmentation?.();
    if (held > peakHeld) peakHeld = held;
    samples.push({
      op: n,
      liveBytes: live,
      bytesHeld: held,
      internal: frag?.internal,
      external: frag?.external,
    });
  };
  const forget = (id: number) => {
    live -= sizeOf.get(id) ?? 0;
    addrOf.delete(id);
    sizeOf.delete(id);
    byOwner.get(ownerOf.get(id) as number)?.delete(id);
    ownerOf.delete(id);
  };
  const t0 = performance.now();
  for (const op of ops) {
    if (op.op === 'malloc') {
      const addr = heap.malloc(op.size, { owner: op.owner });
      if (addr < 0) failed++;
      else {
        addrOf.set(op.id, addr);
        sizeOf.set(op.id, op.size);
        ownerOf.set(op.id, op.owner);
        let set = byOwner.get(op.owner);
        if (set === undefined) {
          set = new Set();
          byOwner.set(op.owner, set);
        }
        set.add(op.id);
        live += op.size;
        if (live > peakLive) peakLive = live;
      }
    } else if (op.op === 'free') {
      const addr = addrOf.get(op.id);
      if (addr !== undefined) {
        heap.free(addr);
        forget(op.id);
      }
    } else {
      const ids = byOwner.get(op.owner);
      if (heap.releaseOwner) heap.releaseOwner(op.owner);
      else for (const id of ids ?? []) heap.free(addrOf.get(id) as number);
      for (const id of [...(ids ?? [])]) forget(id);
    }
    if (++n % every === 0) sample();
  }
  const seconds = (performance.now() - t0) / 1000;
  sample();
  return {
    ops: n,
    failed,
    opsPerSecond: n / Math.max(seconds, 1e-9),
    peakBytesHeld: peakHeld,
    peakLiveBytes: peakLive,
    samples,
  };
}

/** One op per line, as JSON. */
export function formatObjectTrace(ops: Iterable<ObjectOp>): string {
  let out = '';
  for (const op of ops) out += `${JSON.stringify(op)}\n`;
  return out;
}

/** Parses a JSON Lines object trace, line by line (linear in its size); throws on a bad line. */
export function parseObjectTrace(text: string): ObjectOp[] {
  const ops: ObjectOp[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1}: not JSON`);
    }
    const int = (k: string) => Number.isSafeInteger(value[k]) && (value[k] as number) >= 0;
    if (value.op === 'malloc' && int('id') && int('size') && int('owner'))
      ops.push(value as unknown as ObjectOp);
    else if (value.op === 'free' && int('id')) ops.push(value as unknown as ObjectOp);
    else if (value.op === 'exit' && int('owner')) ops.push(value as unknown as ObjectOp);
    else
      throw new Error(
        `line ${i + 1}: not an object operation (malloc with id/size/owner, free with id, exit with owner)`,
      );
  }
  return ops;
}
