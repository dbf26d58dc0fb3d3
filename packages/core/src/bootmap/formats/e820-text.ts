import type { BootMap } from '../schema';
import { RegionSink } from '../sink';
import { hexValue, type Line } from '../text';
import { e820TypeFromText, e820TypeKind } from './e820-types';

/** Who printed a table line: `BIOS-e820`, `Xen`, `user` (memmap=), `reserve setup_data`… */
const SOURCES = 'BIOS-e820|BIOS-88|BIOS-e801|Xen|user|modified|extended|reserve setup_data';
/** Linux ≥ 2.6.28 style: `BIOS-e820: [mem 0x…-0x…] usable`, inclusive end. */
const MODERN_HINT = new RegExp(`(?:^|[^\\w-])(${SOURCES})\\s*:\\s*(?=\\[mem\\b)`);
const MODERN = /^\[mem\s+0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)\]\s+(\S.*)$/;
/** Linux 2.4–2.6.27: `BIOS-e820: 0000… - 0000… (usable)`, exclusive end. */
const LEGACY_HINT = new RegExp(`(?:^|[^\\w-])(${SOURCES})\\s*:\\s*(?=[0-9a-fA-F]{8,}\\s*-)`);
const LEGACY = /^([0-9a-fA-F]+)\s*-\s*([0-9a-fA-F]+)\s+(\S.*)$/;
/** The Xen hypervisor's own table: `(XEN)  [0000…, 0000…] (usable)`, inclusive end. */
const XEN_HINT = /\((XEN)\)\s+(?=\[\s*[0-9a-fA-F]+\s*,)/;
const XEN = /^\[\s*([0-9a-fA-F]+)\s*,\s*([0-9a-fA-F]+)\s*\]\s*(\S.*)$/;
/** A header (`BIOS-provided physical RAM map:`) starts a new table. */
const HEADER = /physical RAM map:/i;

type Style = 'modern' | 'legacy' | 'xen';

interface Entry {
  readonly line: number;
  readonly start: bigint;
  readonly end: bigint;
  readonly type: number;
  readonly raw: string;
}

interface Table {
  readonly source: string;
  readonly style: Style;
  readonly entries: Entry[];
}

/** Finds the table line on `text`, or undefined when the line is not one. */
function matchLine(text: string): { style: Style; source: string; rest: string } | undefined {
  const hints: [Style, RegExp][] = [
    ['modern', MODERN_HINT],
    ['legacy', LEGACY_HINT],
    ['xen', XEN_HINT],
  ];
  for (const [style, hint] of hints) {
    const m = hint.exec(text);
    if (m) return { style, source: m[1], rest: text.slice(m.index + m[0].length) };
  }
  return undefined;
}

/**
 * The e820 table as Linux (or Xen) printed it in a boot log: timestamps, syslog or journal
 * prefixes and other lines are ignored. When the log holds several tables (Xen's and the
 * guest's, the firmware's and a `user:` one after `memmap=`), the last one is the map the
 * kernel went on with. `legacyOnly` reads only the old `start - end (type)` lines.
 */
export function parseE820Text(lines: readonly Line[], legacyOnly: boolean): BootMap {
  const label = legacyOnly ? 'e820-legacy' : 'e820';
  const probe = new RegionSink(label);
  const tables: Table[] = [];
  let current: Table | undefined;
  for (const line of lines) {
    if (HEADER.test(line.text)) {
      current = undefined;
      continue;
    }
    const found = matchLine(line.text);
    if (!found || (legacyOnly && found.style !== 'legacy')) continue;
    const where = { line: line.number };
    const pattern = found.style === 'modern' ? MODERN : found.style === 'legacy' ? LEGACY : XEN;
    const m = pattern.exec(found.rest);
    if (!m) throw probe.fail(where, `malformed ${found.source} line '${line.text.trim()}'`);
    const start = hexValue(probe, where, m[1]);
    const last = hexValue(probe, where, m[2]);
    const raw = m[3]
      .trim()
      .replace(/^\((.*)\)$/, '$1')
      .trim();
    const type = e820TypeFromText(raw);
    if (type === undefined) throw probe.fail(where, `unknown e820 type '${raw}'`);
    // Legacy lines print an exclusive end; the others an inclusive one.
    const end = found.style === 'legacy' ? last : last + 1n;
    if (end < start) {
      throw probe.fail(where, `end 0x${m[2]} is before start 0x${m[1]}`);
    }
    if (!current || current.source !== found.source || current.style !== found.style) {
      current = { source: found.source, style: found.style, entries: [] };
      tables.push(current);
    }
    current.entries.push({ line: line.number, start, end, type, raw });
  }
  const table = tables[tables.length - 1];
  if (!table) {
    throw probe.fail(undefined, legacyOnly ? 'no legacy e820 lines found' : 'no e820 lines found');
  }
  const sink = new RegionSink(table.style === 'legacy' ? 'e820-legacy' : 'e820');
  for (const e of table.entries) {
    if (e.type === 0) continue;
    sink.add({ line: e.line }, e.start, e.end, e820TypeKind(e.type), e.raw);
  }
  return sink.finish();
}

/** True when some line is an e820 table line. */
export function hasE820Lines(lines: readonly Line[]): boolean {
  return lines.some((l) => matchLine(l.text) !== undefined);
}
