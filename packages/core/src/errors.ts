/** Every way a caller can misuse framekit; see DESIGN.md. */
export type FrameErrorCode =
  | 'DOUBLE_FREE'
  | 'NOT_ALLOCATED'
  | 'OUT_OF_RANGE'
  | 'NOT_USABLE'
  | 'REFCOUNT_OVERFLOW'
  | 'UNSUPPORTED'
  | 'INVALID_REQUEST'
  | 'BAD_BOOT_MAP';

export const FRAME_ERROR_CODES: readonly FrameErrorCode[] = [
  'DOUBLE_FREE',
  'NOT_ALLOCATED',
  'OUT_OF_RANGE',
  'NOT_USABLE',
  'REFCOUNT_OVERFLOW',
  'UNSUPPORTED',
  'INVALID_REQUEST',
  'BAD_BOOT_MAP',
];

/** The values that explain an error: the operation and the offending numbers, line, format… */
export type FrameErrorDetails = Readonly<Record<string, unknown>>;

/**
 * Thrown on misuse. `code` says what kind, `message` names the operation and the values,
 * `details` carries them for programs. The allocator is left exactly as it was.
 */
export class FrameError extends Error {
  override readonly name = 'FrameError';
  readonly code: FrameErrorCode;
  readonly details: FrameErrorDetails;

  constructor(code: FrameErrorCode, message: string, details: FrameErrorDetails = {}) {
    super(`[${code}] ${message}`);
    this.code = code;
    this.details = details;
  }
}

/** True when `error` is a `FrameError` (with `code`, when given). Works across bundle copies. */
export function isFrameError(error: unknown, code?: FrameErrorCode): error is FrameError {
  return (
    error instanceof Error &&
    error.name === 'FrameError' &&
    typeof (error as FrameError).code === 'string' &&
    (code === undefined || (error as FrameError).code === code)
  );
}
