import { type FrameErrorCode, isFrameError } from '../errors';

/** The code of the `FrameError` that `fn` throws, undefined when it returns; rethrows anything else. */
export function frameErrorCode(fn: () => unknown): FrameErrorCode | undefined {
  try {
    fn();
  } catch (error) {
    if (isFrameError(error)) return error.code;
    throw error;
  }
  return undefined;
}
