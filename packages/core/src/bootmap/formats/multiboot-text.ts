import type { BootMap } from '../schema';
import { RegionSink } from '../sink';
import { type Line, numberValue, typeNumber } from '../text';
import { GRUB_NAMES, multibootTypeKind } from './multiboot-types';

const HINT = /\bbase_addr\s*=/i;
/**
 * The multiboot spec's example kernel (`base_addr = 0x0, length = 0x9fc00, type = 0x1`,
 * optionally after `size = 0x14,`) and GRUB's `lsmmap` (`base_addr = 0x0, length = 0x9fc00,
 * available RAM`). Lines come with trailing blanks trimmed, so the name runs to the end (a lazy
 * `(.+?)\s*$` would cost O(n²) on a name with a long run of blanks inside).
 */
const ENTRY =
  /\bbase_addr\s*=\s*(0x[0-9a-fA-F]+|\d+)\s*,\s*length\s*=\s*(0x[0-9a-fA-F]+|\d+)\s*,\s*(?:type\s*=\s*(0x[0-9a-fA-F]+|\d+)|(.+))$/i;

/** Multiboot memory maps as text dumps print them. */
export function parseMultibootText(lines: readonly Line[], format: 'multiboot1' | 'multiboot2'): BootMap {
  const sink = new RegionSink(format);
  for (const line of lines) {
    if (!HINT.test(line.text)) continue;
    const where = { line: line.number };
    const m = ENTRY.exec(line.text);
    if (!m) throw sink.fail(where, `malformed entry '${line.text.trim()}'`);
    const base = numberValue(sink, where, m[1]);
    const length = numberValue(sink, where, m[2]);
    let type: number;
    let raw: string | number;
    if (m[3] !== undefined) {
      type = typeNumber(sink, where, m[3]);
      raw = type;
    } else {
      const name = m[4].trim();
      const unknown = /^unknown memory type (\d{1,10})$/i.exec(name);
      const known = GRUB_NAMES[name.toLowerCase()];
      if (known === undefined && !unknown) throw sink.fail(where, `unknown memory type '${name}'`);
      type = known ?? Number(unknown?.[1]);
      raw = name;
    }
    sink.add(where, base, base + length, multibootTypeKind(type), raw);
  }
  return sink.finish();
}

export function hasMultibootText(lines: readonly Line[]): boolean {
  return lines.some((l) => HINT.test(l.text));
}
