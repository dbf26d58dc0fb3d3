/*
 * One worker of `runOnWorkers`: replays its share of a workload (whole owners) on its handle
 * of the shared llfree allocator, then writes what it did into the shared result words.
 */
import { workerData } from 'node:worker_threads';
import { attach, type LLFreeDescriptor } from '@framekit/alloc-llfree';
import { Replayer, type TraceOp } from '@framekit/sim';
import { RESULT_WORDS } from './workers-result';

const { descriptor, ops, index, results } = workerData as {
  descriptor: LLFreeDescriptor;
  ops: TraceOp[];
  index: number;
  results: SharedArrayBuffer;
};
const words = new Float64Array(results, 8);
const done = new Int32Array(results, 0, 2);
const pmm = attach(descriptor);
const replayer = new Replayer(pmm);
const t0 = performance.now();
for (const op of ops) replayer.apply(op);
const ms = performance.now() - t0;
pmm.close();
const at = index * RESULT_WORDS;
words[at] = ops.length;
words[at + 1] = ms;
words[at + 2] = replayer.failed;
Atomics.add(done, 0, 1);
Atomics.notify(done, 0);
