import { describe, expect, it } from 'vitest';
import { FrameError, isFrameError } from './errors';

describe('isFrameError', () => {
  it('accepts a FrameError, and checks its code when one is given', () => {
    const error = new FrameError('DOUBLE_FREE', 'free(3): frame 3 is already free');
    expect(isFrameError(error)).toBe(true);
    expect(isFrameError(error, 'DOUBLE_FREE')).toBe(true);
    expect(isFrameError(error, 'NOT_USABLE')).toBe(false);
  });

  it('rejects an error merely named "FrameError" with a code', () => {
    const impostor = Object.assign(new Error('x'), { name: 'FrameError', code: 'DOUBLE_FREE' });
    expect(isFrameError(impostor)).toBe(false);
    class FrameErrorLookalike extends Error {
      override readonly name = 'FrameError';
      readonly code = 'DOUBLE_FREE';
    }
    expect(isFrameError(new FrameErrorLookalike())).toBe(false);
    expect(isFrameError({ name: 'FrameError', code: 'DOUBLE_FREE' })).toBe(false);
    expect(isFrameError(undefined)).toBe(false);
  });

  it("accepts another copy of core's FrameError through the registered brand", () => {
    // What a second bundled copy of core builds: its own class, the same Symbol.for brand.
    class OtherCopyFrameError extends Error {
      override readonly name = 'FrameError';
      readonly code = 'NOT_USABLE';
      get [Symbol.for('@framekit/core.FrameError')]() {
        return true;
      }
    }
    const error = new OtherCopyFrameError('x');
    expect(error instanceof FrameError).toBe(false);
    expect(isFrameError(error)).toBe(true);
    expect(isFrameError(error, 'NOT_USABLE')).toBe(true);
  });

  it('rejects a branded error whose code is not one of the contract codes', () => {
    const error = new FrameError('DOUBLE_FREE', 'x');
    Object.defineProperty(error, 'code', { value: 'SOMETHING_ELSE' });
    expect(isFrameError(error)).toBe(false);
  });
});
