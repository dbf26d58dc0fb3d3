/// <reference lib="webworker" />
import { type FrameAllocator, type FrameRouter, isFrameError } from '@framekit/core';
import { type CompareSetup, compare } from '@framekit/cli/compare';
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
  let frameCount = 0;
  let current = '';
  let index = 0;
  let count = 1;
  compare(setup, {
    onMap: ({ name, space, normalized }) => {
      frameCount = space.frameCount;
      post({
        type: 'map',
        map: {
          name,
          frameCount,
          usableFrames: space.usableFrames,
          ranges: space.ranges,
          totals: normalized.totals,
        },
      });
    },
    onStrategy: (name, i, n) => {
      current = name;
      index = i;
      count = n;
      post({ type: 'strategy', name, index, count });
    },
    run: {
      onProgress: (f) => post({ type: 'progress', fraction: (index + f) / count }),
      onSample: (sample) => post({ type: 'sample', strategy: current, sample }),
    },
    onResult: (result, allocator) => {
      lastRun.set(result.strategy, allocator);
      const bits = freeBits(allocator, frameCount);
      post({ type: 'result', result, freeBits: bits }, [bits.buffer]);
    },
  });
  post({ type: 'done' });
}

function explain(request: Extract<WorkerRequest, { type: 'explain' }>) {
  const allocator = lastRun.get(request.strategy);
  if (!allocator) {
    post({ type: 'explain', strategy: request.strategy, text: 'Run a comparison first.' });
    return;
  }
  const { count, align, below } = request;
  // One frame with no constraint is the router's single-frame route; anything else is a run.
  const routerRequest =
    count === 1 && (align ?? 1) <= 1 && below === undefined
      ? { op: 'alloc' as const }
      : {
          op: 'allocRun' as const,
          count,
          ...(align === undefined ? {} : { align }),
          ...(below === undefined ? {} : { below }),
        };
  const text = isRouter(allocator)
    ? JSON.stringify(allocator.explain(routerRequest), null, 2)
    : `${allocator.name} is a single strategy: every request goes to it. Its capabilities: ${JSON.stringify(allocator.capabilities)}`;
  post({ type: 'explain', strategy: request.strategy, text });
}

function isRouter(allocator: FrameAllocator): allocator is FrameRouter {
  return typeof (allocator as Partial<FrameRouter>).explain === 'function';
}
