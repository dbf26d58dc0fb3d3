import { FrameError } from '../errors';

/** Where in the input a problem is: a 1-based text line or a byte offset. */
export type Where = { readonly line: number } | { readonly offset: number } | undefined;

/** A `BAD_BOOT_MAP` error naming the format, the place and the reason. */
export function bootMapError(format: string, where: Where, reason: string): FrameError {
  const at = where === undefined ? '' : 'line' in where ? `line ${where.line}: ` : `byte ${where.offset}: `;
  return new FrameError('BAD_BOOT_MAP', `parseBootMap(${format}): ${at}${reason}`, {
    op: 'parseBootMap',
    format,
    ...where,
    reason,
  });
}

/** `0x…` text for a bigint, for messages. */
export function hexBig(value: bigint): string {
  return `0x${value.toString(16)}`;
}
