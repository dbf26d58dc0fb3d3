/*
 * One worker of `runOnWorkers`: replays its share of a workload (whole owners) on its handle
 * of the shared llfree allocator, then writes what it did into the shared result words.
 */
import { workerData } from 'node:worker_threads';
import type { LLFreeDescriptor } from '@framekit/alloc-llfree';
import type { TraceOp } from '@framekit/sim';
import { RESULT_WORDS } from './workers-result';
import { replayShare } from './workers-split';

const { descriptor, ops, index, results } = workerData as {
  descriptor: LLFreeDescriptor;
  ops: TraceOp[];
  index: number;
  results: SharedArrayBuffer;
};
const words = new Float64Array(results, 8);
const done = new Int32Array(results, 0, 2);
const share = replayShare(descriptor, ops);
const at = index * RESULT_WORDS;
words[at] = share.ops;
words[at + 1] = share.ms;
words[at + 2] = share.failed;
Atomics.add(done, 0, 1);
Atomics.notify(done, 0);
