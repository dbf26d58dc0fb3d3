/*
 * One worker of the throughput bench (see workers.ts): single-frame alloc+free in LIFO
 * batches of 64, either on a shared llfree allocator or on hier2m behind one Atomics lock
 * shared by all workers: warms up, says it is ready, waits for the go flag, runs its share of
 * the configuration's rounds and reports when it started and ended.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createHier2mAllocator } from '@framekit/alloc-hier2m';
import { attach, createLLFreeAllocator, type LLFreeDescriptor } from '@framekit/alloc-llfree';
import { createFrameSpace, type FrameAllocator } from '@framekit/core';
import { lock, unlock } from './workers-lock';

interface Job {
  readonly kind: 'llfree' | 'llfree-private' | 'hier2m-locked' | 'hier2m';
  readonly descriptor?: LLFreeDescriptor;
  readonly frames: number;
  /** Rounds of 64 alloc+free pairs this worker runs: the configuration's total over its workers. */
  readonly rounds: number;
  /** [0] go, [2] ready count, [3] the lock word. */
  readonly control: SharedArrayBuffer;
}

const job = (workerData as { job: Job }).job;
const control = new Int32Array(job.control);
const pmm: FrameAllocator =
  job.kind === 'llfree'
    ? attach(job.descriptor as LLFreeDescriptor)
    : job.kind === 'llfree-private'
      ? createLLFreeAllocator(createFrameSpace({ frames: job.frames }))
      : // hier2m lives in one thread's heap: each worker has its own, and the lock makes the
        // workers take turns as they would around one shared instance.
        createHier2mAllocator(createFrameSpace({ frames: job.frames }));
const held = new Float64Array(64);
const locked = job.kind === 'hier2m-locked';

function round(): void {
  if (locked) {
    for (let i = 0; i < 64; i++) {
      lock(control, 3);
      held[i] = pmm.alloc();
      unlock(control, 3);
    }
    for (let i = 63; i >= 0; i--) {
      lock(control, 3);
      pmm.free(held[i]);
      unlock(control, 3);
    }
  } else {
    for (let i = 0; i < 64; i++) held[i] = pmm.alloc();
    for (let i = 63; i >= 0; i--) pmm.free(held[i]);
  }
}

for (let i = 0; i < 2000; i++) round(); // warm up before the clock starts
Atomics.add(control, 2, 1);
while (Atomics.load(control, 0) === 0) Atomics.wait(control, 0, 0);
// Wall-clock times comparable across threads: the run lasts from the first start to the last end.
const start = performance.timeOrigin + performance.now();
for (let r = 0; r < job.rounds; r++) round();
const end = performance.timeOrigin + performance.now();
const retries = 'contention' in pmm ? (pmm as ReturnType<typeof attach>).contention().retries : 0;
parentPort?.postMessage({ ops: job.rounds * 64, start, end, retries });
