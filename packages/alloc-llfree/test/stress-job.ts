import type { LLFreeDescriptor } from '../src/index';

/** What the stress test posts to each worker (see stress-worker.ts). */
export interface StressJob {
  readonly descriptor: LLFreeDescriptor;
  /** 1-based; 0 marks a log entry that was never completed. */
  readonly worker: number;
  readonly ops: number;
  readonly seed: number;
  /** Frames this worker holds at most. */
  readonly maxHeld: number;
  /** [0]: next entry; then entries of LOG_WORDS words: worker, first frame, ±count (− = return). */
  readonly log: SharedArrayBuffer;
  /** Int32 per worker (index = worker): operations done, for the test to kill a worker half way. */
  readonly progress: SharedArrayBuffer;
}

export const LOG_WORDS = 3;
