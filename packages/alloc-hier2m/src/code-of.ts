import { type FrameErrorCode, isFrameError } from '@framekit/core';

/** For tests: the code of the `FrameError` that `fn` throws, or undefined when it returns. */
export function codeOf(fn: () => unknown): FrameErrorCode | undefined {
  try {
    fn();
  } catch (error) {
    if (isFrameError(error)) return error.code;
    throw error;
  }
  return undefined;
}
