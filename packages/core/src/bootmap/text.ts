import { hexBig, type Where } from './parse-error';
import type { RegionSink } from './sink';

export interface Line {
  /** 1-based line number. */
  readonly number: number;
  /** The line without HTML line breaks (`<br>`) and trailing blanks. */
  readonly text: string;
}

/**
 * The longest line a line-based text map may have, in characters. Firmware, bootloaders and
 * kernels print map lines of well under 200 characters, and a Linux log line is at most 1024
 * (its printk limit) plus a syslog or journal prefix; 4096 leaves room for all of them. A
 * longer line is refused with `BAD_BOOT_MAP` (it is no map line, and a boot map is untrusted
 * input: per-line work stays bounded). JSON and device-tree text are not read by lines and
 * have no such limit.
 */
export const MAX_LINE_CHARS = 4096;

/** Splits text into numbered lines (any line ending; a leading BOM is dropped). */
export function splitLines(text: string): Line[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return body.split(/\r\n|\r|\n/).map((raw, i) => ({
    number: i + 1,
    text: raw.replace(/<br\s*\/?>/gi, '').trimEnd(),
  }));
}

const HEX_DIGITS = /^[0-9a-fA-F]+$/;
const DEC_DIGITS = /^[0-9]+$/;

/** A hex number without its `0x` (at most 64 bits; a longer value is an error). */
export function hexValue(sink: RegionSink, where: Where, digits: string): bigint {
  if (!HEX_DIGITS.test(digits)) throw sink.fail(where, `'${digits}' is not a hex number`);
  if (digits.replace(/^0+/, '').length > 16) throw sink.fail(where, `value 0x${digits} is beyond 2^64`);
  return BigInt(`0x${digits}`);
}

/** `0x…` hex or decimal digits; at most 64 bits. */
export function numberValue(sink: RegionSink, where: Where, text: string): bigint {
  const t = text.trim();
  if (/^0x/i.test(t)) return hexValue(sink, where, t.slice(2));
  if (!DEC_DIGITS.test(t)) throw sink.fail(where, `'${t}' is not a number`);
  if (t.replace(/^0+/, '').length > 20) throw sink.fail(where, `value ${t} is beyond 2^64`);
  const value = BigInt(t);
  if (value >= 1n << 64n) throw sink.fail(where, `value ${hexBig(value)} is beyond 2^64`);
  return value;
}

/** A 32-bit type number, as firmware stores types. */
export function typeNumber(sink: RegionSink, where: Where, text: string): number {
  const value = numberValue(sink, where, text);
  if (value > 0xffffffffn) throw sink.fail(where, `type ${hexBig(value)} does not fit 32 bits`);
  return Number(value);
}

/** The first line longer than `MAX_LINE_CHARS`, or undefined. */
export function firstLongLine(lines: readonly Line[]): Line | undefined {
  for (const line of lines) if (line.text.length > MAX_LINE_CHARS) return line;
  return undefined;
}
