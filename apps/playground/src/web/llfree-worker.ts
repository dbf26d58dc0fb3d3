/*
 * One Web Worker of a workers run: replays its share of the workload (whole processes) on its
 * handle of the page's shared llfree allocator and reports what it did — the same replay the
 * command line's worker threads run.
 */
import type { LLFreeDescriptor } from '@framekit/alloc-llfree';
import { replayShare } from '@framekit/cli/workers';
import type { TraceOp } from '@framekit/sim';

self.onmessage = (event: MessageEvent<{ descriptor: LLFreeDescriptor; ops: TraceOp[] }>) => {
  try {
    self.postMessage({ type: 'share', share: replayShare(event.data.descriptor, event.data.ops) });
  } catch (error) {
    self.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
};
