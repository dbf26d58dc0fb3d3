/// <reference lib="webworker" />
import { type FrameAllocator, isFrameError } from '@framekit/core';
import { runWorkload } from '@framekit/sim';
import { type CompareSetup, loadMap, workloadOps } from '../shared/compare';
import { findStrategies } from '../shared/strategies';
import { freeBits } from './free-bits';
import type { WorkerRequest, WorkerResponse } from './protocol';

/** The allocators of the last run, in their final state, for `explain`. */
const lastRun = new Map<string, FrameAllocator>();

const post = (message: WorkerResponse, transfer: Transferable[] = []) =>
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(message, transfer);

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  try {
    if (request.type === 'run') run(request.setup);
    else explain(request);
  } catch (error) {
    post({ type: 'error', message: isFrameError(error) ? error.message : String(error) });
  }
};

function run(setup: CompareSetup) {
  lastRun.clear();
  const strategies = findStrategies(setup.strategies);
  const map = loadMap(setup.map, setup.format);
  const { space, normalized } = map;
  post({
    type: 'map',
    map: {
      name: map.name,
      frameCount: space.frameCount,
      usableFrames: space.usableFrames,
      ranges: space.ranges,
      totals: normalized.totals,
    },
  });
  const ops = workloadOps(setup, space.usableFrames);
  strategies.forEach((strategy, index) => {
    post({ type: 'strategy', name: strategy.name, index, count: strategies.length });
    const allocator = strategy.create(space);
    const result = runWorkload(allocator, ops, {
      totalOps: ops.length,
      onProgress: (f) => post({ type: 'progress', fraction: (index + f) / strategies.length }),
      onSample: (sample) => post({ type: 'sample', strategy: strategy.name, sample }),
    });
    lastRun.set(strategy.name, allocator);
    const bits = freeBits(allocator, space.frameCount);
    post({ type: 'result', result: { ...result, strategy: strategy.name }, freeBits: bits }, [bits.buffer]);
  });
  post({ type: 'done' });
}

function explain(request: Extract<WorkerRequest, { type: 'explain' }>) {
  const allocator = lastRun.get(request.strategy);
  if (!allocator) {
    post({ type: 'explain', strategy: request.strategy, text: 'Run a comparison first.' });
    return;
  }
  const shape = {
    count: request.count,
    ...(request.align === undefined ? {} : { align: request.align }),
    ...(request.below === undefined ? {} : { below: request.below }),
  };
  const explainer = (allocator as { explain?: (r: unknown) => unknown }).explain;
  const text = explainer
    ? JSON.stringify(explainer.call(allocator, shape), null, 2)
    : `${allocator.name} is a single strategy: every request goes to it. Its capabilities: ${JSON.stringify(allocator.capabilities)}`;
  post({ type: 'explain', strategy: request.strategy, text });
}
