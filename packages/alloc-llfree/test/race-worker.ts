/*
 * Frees every frame (or run) of a list, counting which frees this worker won and which
 * were refused: with several of these racing over one list, each frame must be freed
 * exactly once and every other attempt refused with the documented error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isFrameError } from '@framekit/core';
import { attach, type LLFreeDescriptor } from '../src/index';

const { descriptor, starts, count, go } = workerData as {
  descriptor: LLFreeDescriptor;
  starts: number[];
  count: number;
  go: SharedArrayBuffer;
};
const pmm = attach(descriptor);
const gate = new Int32Array(go);
Atomics.add(gate, 1, 1);
while (Atomics.load(gate, 0) === 0) {
  // spin until every racer is ready, so the frees really overlap
}
const won: number[] = [];
const refused: Record<string, number> = {};
for (const pfn of starts) {
  try {
    if (count === 1) pmm.free(pfn);
    else pmm.freeRun(pfn, count);
    won.push(pfn);
  } catch (error) {
    if (!isFrameError(error)) throw error;
    refused[error.code] = (refused[error.code] ?? 0) + 1;
  }
}
pmm.close();
parentPort?.postMessage({ won, refused });
