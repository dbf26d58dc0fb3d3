import type { BootMap } from '../schema';
import { RegionSink } from '../sink';
import { hexValue, type Line } from '../text';

const HINT = /\bnode\s+\d+\s*:\s*\[mem\b/;
const NODE = /\bnode\s+(\d+)\s*:\s*\[mem\s+0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)\]/;

/**
 * Linux's "Early memory node ranges" (`node   0: [mem 0x…-0x…]`): the usable memory the
 * kernel ended up with, as on arm64 where there is no e820 table to print. Ends are
 * inclusive; every range is usable.
 */
export function parseMemblock(lines: readonly Line[]): BootMap {
  const sink = new RegionSink('memblock');
  for (const line of lines) {
    if (!HINT.test(line.text)) continue;
    const where = { line: line.number };
    const m = NODE.exec(line.text);
    if (!m) throw sink.fail(where, `malformed node range '${line.text.trim()}'`);
    const start = hexValue(sink, where, m[2]);
    const last = hexValue(sink, where, m[3]);
    if (last < start) throw sink.fail(where, `end 0x${m[3]} is before start 0x${m[2]}`);
    sink.add(where, start, last + 1n, 'usable', `node ${m[1]}`);
  }
  return sink.finish();
}

export function hasMemblockLines(lines: readonly Line[]): boolean {
  return lines.some((l) => HINT.test(l.text));
}
