import type { CompareSetup } from '@framekit/cli/compare';
import type { FrameRange } from '@framekit/core';
import type { RunResult, Sample } from '@framekit/sim';

/** What the page asks the worker. Cancelling terminates the worker, so it needs no message. */
export type WorkerRequest =
  | { readonly type: 'run'; readonly setup: CompareSetup }
  | {
      readonly type: 'explain';
      readonly strategy: string;
      readonly count: number;
      readonly align?: number;
      readonly below?: number;
    };

export interface MapSummary {
  readonly name: string;
  readonly frameCount: number;
  readonly usableFrames: number;
  readonly ranges: readonly FrameRange[];
  readonly totals: Readonly<Record<string, number>>;
}

/** What the worker tells the page. */
export type WorkerResponse =
  | { readonly type: 'map'; readonly map: MapSummary }
  | { readonly type: 'strategy'; readonly name: string; readonly index: number; readonly count: number }
  | { readonly type: 'progress'; readonly fraction: number }
  | { readonly type: 'sample'; readonly strategy: string; readonly sample: Sample }
  | {
      readonly type: 'result';
      readonly result: RunResult;
      /** One bit per frame of the space, set where the frame is free at the end of the run. */
      readonly freeBits: Uint8Array;
    }
  | { readonly type: 'done' }
  | {
      readonly type: 'explain';
      readonly strategy: string;
      /** The answer in one sentence. */
      readonly sentence: string;
      /** A small table behind it: the router's steps, or a single strategy's capabilities. */
      readonly rows: readonly Readonly<Record<string, string>>[];
    }
  | { readonly type: 'error'; readonly message: string };
