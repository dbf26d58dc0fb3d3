/// <reference lib="webworker" />

import { type CompareSetup, compare } from '@framekit/cli/compare';
import { type FrameAllocator, type FrameRouter, isFrameError } from '@framekit/core';
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
    post({ type: 'explain', strategy: request.strategy, sentence: 'Run a comparison first.', rows: [] });
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
  if (isRouter(allocator)) {
    const e = allocator.explain(routerRequest);
    post({
      type: 'explain',
      strategy: request.strategy,
      sentence: e.reason,
      rows: e.steps.map((step) => ({
        zone: step.zone,
        strategy: step.strategy,
        role: step.role,
        verdict: step.verdict,
        why: step.reason,
      })),
    });
    return;
  }
  const c = allocator.capabilities;
  const runs =
    c.runs === 'any'
      ? 'runs of any size'
      : c.runs === 'huge'
        ? 'only 2 MiB runs'
        : 'single frames only, no runs';
  post({
    type: 'explain',
    strategy: request.strategy,
    sentence: `${allocator.name} is a single strategy: every request goes to it, and it serves ${runs}.`,
    rows: [
      { capability: 'runs', value: c.runs },
      { capability: 'below a limit', value: c.below ? 'yes' : 'no' },
      { capability: 'free a run frame by frame', value: c.freeRunPiecewise ? 'yes' : 'no' },
    ],
  });
}

function isRouter(allocator: FrameAllocator): allocator is FrameRouter {
  return typeof (allocator as Partial<FrameRouter>).explain === 'function';
}
