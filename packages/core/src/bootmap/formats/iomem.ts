import type { BootMap, RegionKind } from '../schema';
import { RegionSink } from '../sink';
import { hexValue, type Line } from '../text';

/**
 * A resource line. Lines come with trailing blanks trimmed (`splitLines`), so the name runs to
 * the end: no lazy `(.*?)\s*$`, which costs O(n²) on a name with a long run of blanks inside.
 */
const ENTRY = /^( *)([0-9a-fA-F]+)-([0-9a-fA-F]+)\s*:\s*(.*)$/;
const HINT = /^\s*[0-9a-fA-F]+-[0-9a-fA-F]+\s*:/;

/** What a top-level resource name says about the memory under it. */
function iomemKind(name: string): RegionKind {
  if (/^System RAM\b/i.test(name)) return 'usable';
  if (/^ACPI Tables$/i.test(name)) return 'acpi-reclaimable';
  if (/^ACPI Non-volatile Storage$/i.test(name)) return 'acpi-nvs';
  if (/^Persistent Memory\b/i.test(name)) return 'persistent';
  if (/^Unusable memory$/i.test(name)) return 'unusable';
  return 'reserved';
}

interface Open {
  readonly depth: number;
  readonly start: bigint;
  readonly end: bigint;
  readonly line: number;
}

/**
 * `/proc/iomem`: the kernel's resource tree, children indented two spaces under their
 * parent, inclusive ends. Top-level `System RAM` is usable and whatever is nested in it
 * (kernel code, data, bss, crash kernel) stays usable firmware-wise; every other top-level
 * resource (Reserved, ACPI, PCI windows, `RAM buffer`, devices) is not. Children must lie
 * inside their parent. A dump read without root shows every address as 0: an error.
 */
export function parseIomem(lines: readonly Line[]): BootMap {
  const sink = new RegionSink('iomem');
  const stack: Open[] = [];
  let entries = 0;
  let allZero = true;
  for (const line of lines) {
    if (!HINT.test(line.text)) continue;
    const where = { line: line.number };
    const m = ENTRY.exec(line.text);
    if (!m) throw sink.fail(where, `malformed line '${line.text.trim()}'`);
    const depth = Math.floor(m[1].length / 2);
    const start = hexValue(sink, where, m[2]);
    const last = hexValue(sink, where, m[3]);
    if (last < start) throw sink.fail(where, `end 0x${m[3]} is before start 0x${m[2]}`);
    entries++;
    if (start !== 0n || last !== 0n) allZero = false;
    while (stack.length > 0 && stack[stack.length - 1].depth >= depth) stack.pop();
    const parent = stack[stack.length - 1];
    if (depth > 0) {
      if (!parent || parent.depth !== depth - 1) {
        throw sink.fail(
          where,
          `indented ${depth} levels but its parent is at ${parent ? parent.depth : 'none'}`,
        );
      }
      if (start < parent.start || last > parent.end) {
        throw sink.fail(where, `0x${m[2]}-0x${m[3]} lies outside its parent on line ${parent.line}`);
      }
    } else {
      const name = m[4];
      const kind = iomemKind(name);
      sink.add(where, start, last + 1n, kind, name);
    }
    stack.push({ depth, start, end: last, line: line.number });
  }
  if (entries > 0 && allZero) {
    throw sink.fail(undefined, 'every address reads 0: /proc/iomem hides addresses from non-root readers');
  }
  return sink.finish();
}

/** True when most non-blank lines are `start-end : name` resources. */
export function looksLikeIomem(lines: readonly Line[]): boolean {
  let resources = 0;
  let other = 0;
  for (const l of lines) {
    if (l.text.trim() === '') continue;
    if (HINT.test(l.text)) resources++;
    else other++;
  }
  return resources > 0 && resources >= other;
}
