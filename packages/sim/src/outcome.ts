/** What happened to one operation of a trace. */
export const Outcome = {
  Done: 0,
  /** The allocator was out of frames (NO_FRAME / false): not an error. */
  Failed: 1,
  /** The operation names an allocation that failed or is gone: nothing to do. */
  Skipped: 2,
  /** The allocator threw a FrameError (misuse). */
  Error: 3,
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];
