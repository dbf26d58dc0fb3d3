import { Rng } from '../rng';
import type { HeapOp } from './trace';

export interface ObjectWorkloadParams {
  /** Same seed, same operations. */
  readonly seed: number;
  readonly ops: number;
  /** Bytes of memory it will run in: workloads size their live set from it. */
  readonly bytes: number;
}

/** A seeded stream of heap operations (an object workload), as `Workload` is for frames. */
export interface ObjectWorkload {
  readonly name: string;
  readonly description: string;
  generate(params: ObjectWorkloadParams): Generator<HeapOp, void, undefined>;
}

/** Live objects by id, with their size, removable at random in O(1). */
class LiveObjects {
  readonly ids: number[] = [];
  readonly bytes = new Map<number, number>();
  total = 0;

  add(id: number, size: number): void {
    this.ids.push(id);
    this.bytes.set(id, size);
    this.total += size;
  }

  takeRandom(rng: Rng): number {
    const k = Math.floor(rng.next() * this.ids.length);
    const id = this.ids[k];
    this.ids[k] = this.ids[this.ids.length - 1];
    this.ids.pop();
    this.total -= this.bytes.get(id)!;
    this.bytes.delete(id);
    return id;
  }

  takeLast(): number {
    const id = this.ids.pop()!;
    this.total -= this.bytes.get(id)!;
    this.bytes.delete(id);
    return id;
  }
}

/** A size drawn log-uniformly from [min, max]: as many 16–32 B objects as 2–4 KiB ones. */
function logUniform(rng: Rng, min: number, max: number): number {
  return Math.min(max, Math.floor(min * (max / min) ** rng.next()));
}

/**
 * Allocations of `draw()`-sized objects freed at random around a live set of about `share` of
 * memory (reached within the run): the shape of most object churn.
 */
function* churn(params: ObjectWorkloadParams, share: number, draw: (rng: Rng) => number): Generator<HeapOp> {
  const rng = new Rng(params.seed);
  const live = new LiveObjects();
  const target = Math.max(1024, params.bytes * share);
  let next = 0;
  for (let i = 0; i < params.ops; i++) {
    const grow = live.ids.length === 0 || (live.total < target ? rng.chance(0.7) : rng.chance(0.45));
    if (grow) {
      const size = draw(rng);
      live.add(next, size);
      yield { op: 'malloc', id: next++, size };
    } else yield { op: 'free', id: live.takeRandom(rng) };
  }
}

export const smallChurn: ObjectWorkload = {
  name: 'small-churn',
  description:
    'small objects of 8–256 B (uniform: 80% from 8–64 B, 20% from 65–256 B) allocated and freed at random',
  // Sizes in bytes, both ends included (`rng.int`): 8–64 B with probability 0.8, else 65–256 B.
  generate: (params) => churn(params, 0.3, (rng) => (rng.chance(0.8) ? rng.int(8, 64) : rng.int(65, 256))),
};

export const mixedObjects: ObjectWorkload = {
  name: 'mixed',
  description: 'objects of 16 B – 4 KiB (log-uniform) freed in random order',
  generate: (params) => churn(params, 0.4, (rng) => logUniform(rng, 16, 4096)),
};

export const largeBuffers: ObjectWorkload = {
  name: 'buffers',
  description: 'small objects mixed with 4 KiB – 256 KiB buffers, some grown with realloc',
  *generate(params) {
    const rng = new Rng(params.seed);
    const live = new LiveObjects();
    const buffers: number[] = [];
    const target = Math.max(1 << 20, params.bytes * 0.4);
    let next = 0;
    for (let i = 0; i < params.ops; i++) {
      if (buffers.length > 0 && rng.chance(0.05)) {
        // Grow a buffer as a vector does: to twice its size, at most 256 KiB.
        const k = Math.floor(rng.next() * buffers.length);
        const id = buffers[k];
        const size = live.bytes.get(id);
        if (size !== undefined && size * 2 <= 256 * 1024) {
          live.bytes.set(id, size * 2);
          live.total += size;
          yield { op: 'realloc', id, size: size * 2 };
          continue;
        }
      }
      const grow = live.ids.length === 0 || (live.total < target ? rng.chance(0.7) : rng.chance(0.45));
      if (!grow) {
        const id = live.takeRandom(rng);
        const b = buffers.indexOf(id);
        if (b >= 0) {
          buffers[b] = buffers[buffers.length - 1];
          buffers.pop();
        }
        yield { op: 'free', id };
        continue;
      }
      const big = rng.chance(0.15);
      const size = big ? logUniform(rng, 4096, 256 * 1024) : logUniform(rng, 16, 1024);
      if (big) buffers.push(next);
      live.add(next, size);
      yield { op: 'malloc', id: next++, size };
    }
  },
};

export const lifoPhases: ObjectWorkload = {
  name: 'lifo',
  description: 'request phases: a burst of 16 B – 4 KiB objects, then freed newest first (arena-like)',
  *generate(params) {
    const rng = new Rng(params.seed);
    const live = new LiveObjects();
    let next = 0;
    let emitted = 0;
    while (emitted < params.ops) {
      const burst = rng.int(8, 256);
      for (let k = 0; k < burst && emitted < params.ops; k++, emitted++) {
        const size = logUniform(rng, 16, 4096);
        live.add(next, size);
        yield { op: 'malloc', id: next++, size };
      }
      while (live.ids.length > 0 && emitted < params.ops) {
        emitted++;
        yield { op: 'free', id: live.takeLast() };
      }
    }
  },
};

export const objectProcesses: ObjectWorkload = {
  name: 'processes',
  description:
    "processes (owners) allocate objects while they live and exit, releasing their heap at once (memm's per-process allocators)",
  *generate(params) {
    const rng = new Rng(params.seed);
    const running: { owner: number; life: number; live: number[] }[] = [];
    const maxRunning = 16;
    const meanLife = Math.max(16, Math.floor(Math.min(params.bytes / 512, params.ops) / maxRunning));
    let nextOwner = 1;
    let next = 0;
    let emitted = 0;
    while (emitted < params.ops) {
      if (running.length < maxRunning && (running.length === 0 || rng.chance(0.05))) {
        running.push({ owner: nextOwner++, life: rng.int(meanLife / 2, meanLife * 2), live: [] });
        continue;
      }
      const k = Math.floor(rng.next() * running.length);
      const p = running[k];
      emitted++;
      if (p.life-- <= 0) {
        running[k] = running[running.length - 1];
        running.pop();
        yield { op: 'exit', owner: p.owner };
      } else if (p.live.length > 0 && rng.chance(0.35)) {
        const j = Math.floor(rng.next() * p.live.length);
        const id = p.live[j];
        p.live[j] = p.live[p.live.length - 1];
        p.live.pop();
        yield { op: 'free', id };
      } else {
        const size = logUniform(rng, 16, 2048);
        p.live.push(next);
        yield { op: 'malloc', id: next++, size, owner: p.owner };
      }
    }
  },
};

/** Every built-in object workload, by name. */
export const OBJECT_WORKLOADS: Readonly<Record<string, ObjectWorkload>> = Object.freeze({
  [smallChurn.name]: smallChurn,
  [mixedObjects.name]: mixedObjects,
  [largeBuffers.name]: largeBuffers,
  [lifoPhases.name]: lifoPhases,
  [objectProcesses.name]: objectProcesses,
});
