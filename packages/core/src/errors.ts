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
 * The brand every `FrameError` carries: a registered symbol, so two copies of core (a bundle that
 * inlined one) still recognise each other's errors, while an error that is merely *named*
 * "FrameError" does not pass as one.
 */
const FRAME_ERROR_BRAND: unique symbol = Symbol.for('@framekit/core.FrameError');

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

  /** True for every `FrameError`, from this copy of core or another. */
  get [FRAME_ERROR_BRAND](): true {
    return true;
  }
}

/**
 * True when `error` is a `FrameError` (with `code`, when given): an instance of this class, or of
 * another copy's class that carries the `Symbol.for('@framekit/core.FrameError')` brand, with one
 * of the contract's codes. An error only named "FrameError" is not one.
 */
export function isFrameError(error: unknown, code?: FrameErrorCode): error is FrameError {
  if (!(error instanceof Error)) return false;
  if (
    !(error instanceof FrameError) &&
    (error as { [FRAME_ERROR_BRAND]?: unknown })[FRAME_ERROR_BRAND] !== true
  ) {
    return false;
  }
  const actual = (error as FrameError).code;
  return FRAME_ERROR_CODES.includes(actual) && (code === undefined || actual === code);
}
