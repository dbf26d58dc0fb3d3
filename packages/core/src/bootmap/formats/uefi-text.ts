import type { BootMap } from '../schema';
import { RegionSink } from '../sink';
import { hexValue, type Line, typeNumber } from '../text';
import {
  EDK2_NAMES,
  EFI_ATTRIBUTE_BITS,
  EFI_TYPE,
  squashName,
  uefiTypeFromName,
  uefiTypeKind,
} from './uefi-types';

/** EDK2 shell `memmap`: `BS_Data    000000003563E000-000000003565BFFF 000000000000001E 000000000000000E`. */
const SHELL_HINT = /^\s*[A-Za-z]\w*\s+[0-9A-Fa-f]{8,16}-[0-9A-Fa-f]{8,16}\s/;
const SHELL =
  /^\s*([A-Za-z]\w*)\s+([0-9A-Fa-f]{1,16})-([0-9A-Fa-f]{1,16})\s+([0-9A-Fa-f]{1,16})\s+([0-9A-Fa-f]{1,16})\s*$/;
/** The shell's summary: `  BS_Data   :          9,525 Pages (39,014,400 Bytes)`. */
const SUMMARY = /^\s*([A-Za-z_]+)\s*:\s*([\d,]+)\s+Pages\s*\(\s*([\d,]+)\s+Bytes\s*\)\s*$/;
/*
 * Linux `efi=debug`: `efi: mem07: [Conventional|   |  |…|WB|WT|WC|UC] range=[0x…-0x…] (1MB)`.
 * A line is one when its first `memNN: [` (or `memNN: type=`) is followed by `range=[`. The
 * descriptor is then read at that one place (sticky patterns), never searched for again at
 * every later `memNN:`: a line of repeated `mem0: [` used to cost O(n²) (`.*` and `[^\]]*`
 * scanning to the end of the line from each of them).
 */
const LINUX_PREFIX = /\bmem\d+:\s*(?:\[|type=)/;
const RANGE = /\brange=\[/g;
const LINUX = /mem\d+:\s*\[([^\]]*)\]\s*range=\[0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)([\])])/y;
/** Linux before 4.x: `efi: mem07: type=7, attr=0xf, range=[0x…-0x…) (1MB)`. */
const LINUX_OLD =
  /mem\d+:\s*type=(\d+),\s*attr=0x([0-9a-fA-F]+),\s*range=\[0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)([\])])/y;

/** Where the Linux descriptor on `text` starts (its `memNN:`), or -1 when the line is not one. */
function linuxStart(text: string): number {
  const m = LINUX_PREFIX.exec(text);
  if (!m) return -1;
  RANGE.lastIndex = m.index + m[0].length;
  return RANGE.test(text) ? m.index : -1;
}

/** `pattern` (sticky) matched at `at` only. */
function execAt(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}

function attributesFromFlags(flags: readonly string[]): bigint {
  let mask = 0n;
  for (const flag of flags) mask |= EFI_ATTRIBUTE_BITS[flag.trim()] ?? 0n;
  return mask;
}

/**
 * UEFI memory maps as text: the EDK2 shell's `memmap` listing (inclusive ends, page counts
 * checked against the range, and the per-type summary, when present, checked against the
 * listing so a cut-off paste is caught) and Linux's `efi: memNN:` debug lines.
 */
export function parseUefiText(lines: readonly Line[]): BootMap {
  const sink = new RegionSink('uefi');
  const pagesByType = new Map<number, bigint>();
  for (const line of lines) {
    const where = { line: line.number };
    const linux = linuxStart(line.text);
    if (linux >= 0) {
      const old = execAt(LINUX_OLD, line.text, linux);
      const m = old ? undefined : execAt(LINUX, line.text, linux);
      if (!old && !m) throw sink.fail(where, `malformed efi memory line '${line.text.trim()}'`);
      let type: number | undefined;
      let attributes: bigint;
      let raw: string | number;
      let range: [string, string, string];
      if (old) {
        type = typeNumber(sink, where, old[1]);
        attributes = hexValue(sink, where, old[2]);
        raw = type;
        range = [old[3], old[4], old[5]];
      } else {
        const match = m as RegExpExecArray;
        const [name, ...flags] = match[1].split('|');
        const numbered = /^<?\s*type\s*=?\s*(\d{1,10})\s*>?$/i.exec(name.trim());
        type = numbered ? typeNumber(sink, where, numbered[1]) : uefiTypeFromName(name);
        if (type === undefined) throw sink.fail(where, `unknown EFI memory type '${name.trim()}'`);
        attributes = attributesFromFlags(flags);
        raw = numbered ? type : name.trim();
        range = [match[2], match[3], match[4]];
      }
      const start = hexValue(sink, where, range[0]);
      const last = hexValue(sink, where, range[1]);
      const end = range[2] === ']' ? last + 1n : last;
      sink.add(where, start, end, uefiTypeKind(type, attributes), raw, `0x${attributes.toString(16)}`);
      continue;
    }
    if (SHELL_HINT.test(line.text)) {
      const m = SHELL.exec(line.text);
      if (!m) throw sink.fail(where, `malformed memmap line '${line.text.trim()}'`);
      const type = uefiTypeFromName(m[1]);
      if (type === undefined) throw sink.fail(where, `unknown EFI memory type '${m[1]}'`);
      const start = hexValue(sink, where, m[2]);
      const last = hexValue(sink, where, m[3]);
      const pages = hexValue(sink, where, m[4]);
      const attributes = hexValue(sink, where, m[5]);
      if (last < start) throw sink.fail(where, `end 0x${m[3]} is before start 0x${m[2]}`);
      if (last - start + 1n !== pages * 4096n) {
        throw sink.fail(where, `${m[4]} (hex) pages do not span 0x${m[2]}-0x${m[3]}`);
      }
      pagesByType.set(type, (pagesByType.get(type) ?? 0n) + pages);
      sink.add(where, start, last + 1n, uefiTypeKind(type, attributes), m[1], `0x${attributes.toString(16)}`);
      continue;
    }
    const summary = SUMMARY.exec(line.text);
    if (summary && pagesByType.size > 0) checkSummary(sink, where, summary, pagesByType);
  }
  return sink.finish();
}

/** The shell's per-type totals must match the listing. Older shells count Persistent under Available. */
function checkSummary(
  sink: RegionSink,
  where: { line: number },
  summary: RegExpExecArray,
  pagesByType: ReadonlyMap<number, bigint>,
): void {
  const type = EDK2_NAMES.findIndex((n) => squashName(n) === squashName(summary[1]));
  if (type < 0) return;
  const stated = BigInt(summary[2].replace(/,/g, ''));
  const listed = pagesByType.get(type) ?? 0n;
  const withPersistent = listed + (pagesByType.get(EFI_TYPE.persistent) ?? 0n);
  const ok = stated === listed || (type === EFI_TYPE.conventional && stated === withPersistent);
  if (!ok) {
    throw sink.fail(
      where,
      `the summary counts ${stated} ${summary[1]} pages but the listing holds ${listed} (truncated listing?)`,
    );
  }
}

/** True when the text holds EFI memory descriptors as the shell or Linux prints them. */
export function hasUefiText(lines: readonly Line[]): boolean {
  return lines.some(
    (l) =>
      linuxStart(l.text) >= 0 ||
      (SHELL_HINT.test(l.text) &&
        SHELL.test(l.text) &&
        uefiTypeFromName(SHELL.exec(l.text)?.[1] ?? '') !== undefined),
  );
}
