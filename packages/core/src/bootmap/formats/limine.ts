import { ByteReader, ByteWriter } from '../bytes';
import { hexBig } from '../parse-error';
import type { BootMap, BootRegion, RegionKind } from '../schema';
import { RegionSink } from '../sink';
import { type Line, numberValue } from '../text';
import { cannotEncode, regionBounds, regionsToEncode } from './encode-check';

/** `LIMINE_MEMMAP_*` types; 8 was `ACPI_TABLES` and is now `RESERVED_MAPPED`. */
const KINDS: readonly RegionKind[] = [
  'usable',
  'reserved',
  'acpi-reclaimable',
  'acpi-nvs',
  'unusable',
  'bootloader-reclaimable',
  'kernel',
  'framebuffer',
  'reserved',
];

/** Limine types 0–7 as documented, 8 (reserved-mapped / ACPI tables) and newer ones reserved. */
export function limineTypeKind(type: number): RegionKind {
  return KINDS[type] ?? 'reserved';
}

const ENTRY_SIZE = 24;

/** The entries of a Limine memmap response, back to back: `u64 base, u64 length, u64 type`. */
export function parseLimineEntries(bytes: Uint8Array): BootMap {
  const sink = new RegionSink('limine');
  if (bytes.length === 0) throw sink.fail(undefined, 'no entries (0 bytes)');
  if (bytes.length % ENTRY_SIZE !== 0) {
    throw sink.fail(
      { offset: bytes.length - (bytes.length % ENTRY_SIZE) },
      `${bytes.length} bytes are not a whole number of 24-byte entries (truncated)`,
    );
  }
  const reader = new ByteReader(bytes, sink);
  for (let at = 0; at < bytes.length; at += ENTRY_SIZE) {
    const base = reader.u64(at);
    const length = reader.u64(at + 8);
    const type = reader.u64(at + 16);
    if (type > 0xffffffffn)
      throw sink.fail({ offset: at + 16 }, `type ${hexBig(type)} is not a Limine memory type`);
    sink.add({ offset: at }, base, base + length, limineTypeKind(Number(type)), Number(type));
  }
  return sink.finish();
}

/** Names people print for Limine types, squashed to lowercase words. */
const NAMES: Readonly<Record<string, number>> = {
  usable: 0,
  reserved: 1,
  'acpi reclaimable': 2,
  'acpi nvs': 3,
  'bad memory': 4,
  'bootloader reclaimable': 5,
  'kernel and modules': 6,
  'executable and modules': 6,
  kernel: 6,
  executable: 6,
  framebuffer: 7,
  'acpi tables': 8,
  'reserved mapped': 8,
};

function limineTypeFromName(name: string): number | undefined {
  const words = name
    .toLowerCase()
    .replace(/^limine_memmap_/, '')
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  return NAMES[words];
}

const DEFAULT_TYPE: Partial<Record<RegionKind, number>> = {
  usable: 0,
  reserved: 1,
  'acpi-reclaimable': 2,
  'acpi-nvs': 3,
  unusable: 4,
  'bootloader-reclaimable': 5,
  kernel: 6,
  framebuffer: 7,
};

function limineTypeFor(region: BootRegion): number | undefined {
  const raw = region.raw;
  const own = typeof raw === 'number' ? raw : typeof raw === 'string' ? limineTypeFromName(raw) : undefined;
  if (
    own !== undefined &&
    Number.isInteger(own) &&
    own >= 0 &&
    own <= 0xffffffff &&
    limineTypeKind(own) === region.kind
  ) {
    return own;
  }
  return DEFAULT_TYPE[region.kind];
}

/** Limine memmap entries (24 bytes each) for a map; empty regions are skipped. */
export function encodeLimineMemmap(map: BootMap): Uint8Array {
  const op = 'encodeLimineMemmap';
  const regions = regionsToEncode(op, map);
  const out = new ByteWriter(regions.length * ENTRY_SIZE);
  regions.forEach((region, i) => {
    const type = limineTypeFor(region);
    if (type === undefined) throw cannotEncode(op, 'Limine', region, i);
    const { base, length } = regionBounds(region);
    out.u64(i * ENTRY_SIZE, base);
    out.u64(i * ENTRY_SIZE + 8, length);
    out.u64(i * ENTRY_SIZE + 16, BigInt(type));
  });
  return out.bytes;
}

const PAIR = /\b(base|start|length|size|entry_type|type)\s*[:=]\s*([^,}]+)/gi;
const COUNT = /\b(?:amount of entries|entry[_ ]count|number of entries)\s*[:=]\s*(\d+)/i;
const SIZE_UNITS: Readonly<Record<string, bigint>> = {
  '': 1n,
  b: 1n,
  k: 1n << 10n,
  kb: 1n << 10n,
  kib: 1n << 10n,
  m: 1n << 20n,
  mb: 1n << 20n,
  mib: 1n << 20n,
  g: 1n << 30n,
  gb: 1n << 30n,
  gib: 1n << 30n,
  t: 1n << 40n,
  tb: 1n << 40n,
  tib: 1n << 40n,
};

/** A size as `0x51000`, `4096` or `254MiB` / `1.5 GiB` (binary units: K, KB and KiB all mean 1024). */
function sizeValue(sink: RegionSink, where: { line: number }, text: string): bigint {
  const t = text.trim();
  const human = /^(\d{1,20})(?:\.(\d{1,12}))?\s*([a-z]*)$/i.exec(t);
  if (!/^0x/i.test(t) && human && human[3] !== '') {
    const unit = SIZE_UNITS[human[3].toLowerCase()];
    if (unit === undefined) throw sink.fail(where, `unknown size unit in '${t}'`);
    const fraction = human[2] ?? '';
    const scale = 10n ** BigInt(fraction.length);
    const scaled = (BigInt(human[1]) * scale + BigInt(fraction || '0')) * unit;
    if (scaled % scale !== 0n) throw sink.fail(where, `size '${t}' is not a whole number of bytes`);
    return scaled / scale;
  }
  return numberValue(sink, where, t);
}

/**
 * Limine memmaps as people post them: `Start: 0x1000, Size: 324KiB, Type: Bootloader
 * Reclaimable`, `base: 0x1000, type: 5, length: 0x51000`, or a debugger's `{base: …,
 * length: …, entry_type: …EntryType (0x5)}`. A stated entry count that the lines do not
 * reach means the dump was cut short: an error.
 */
export function parseLimineText(lines: readonly Line[]): BootMap {
  const sink = new RegionSink('limine');
  let announced: { count: number; line: number } | undefined;
  let entries = 0;
  for (const line of lines) {
    const where = { line: line.number };
    const count = COUNT.exec(line.text);
    if (count) {
      announced = { count: Number(count[1]), line: line.number };
      continue;
    }
    const fields: Record<string, string> = {};
    for (const m of line.text.matchAll(PAIR)) {
      const key = m[1].toLowerCase();
      const name = key === 'start' ? 'base' : key === 'size' ? 'length' : key === 'entry_type' ? 'type' : key;
      fields[name] = m[2].trim();
    }
    const keys = Object.keys(fields);
    if (keys.length === 0) continue;
    if (!('base' in fields) || !('length' in fields) || !('type' in fields)) {
      if (keys.length === 1) continue;
      throw sink.fail(
        where,
        `entry without ${['base', 'length', 'type'].filter((k) => !(k in fields)).join(' and ')}`,
      );
    }
    const base = numberValue(sink, where, fields.base);
    const length = sizeValue(sink, where, fields.length);
    const typeText = fields.type;
    const inParens = /\(\s*(0x[0-9a-fA-F]+|\d+)\s*\)\s*$/.exec(typeText);
    let type: number | undefined;
    if (/^(0x[0-9a-fA-F]+|\d+)$/i.test(typeText)) type = Number(numberValue(sink, where, typeText));
    else if (inParens) type = Number(numberValue(sink, where, inParens[1]));
    else type = limineTypeFromName(typeText);
    if (type === undefined || type > 0xffffffff) throw sink.fail(where, `unknown Limine type '${typeText}'`);
    const raw = /^[a-z]/i.test(typeText) && !inParens ? typeText : type;
    sink.add(where, base, base + length, limineTypeKind(type), raw);
    entries++;
  }
  if (announced && announced.count !== entries) {
    throw sink.fail(
      { line: announced.line },
      `the dump announces ${announced.count} entries but holds ${entries} (truncated)`,
    );
  }
  return sink.finish();
}

/** True when some line reads as a Limine entry. */
export function hasLimineText(lines: readonly Line[]): boolean {
  return lines.some((l) => {
    const keys = new Set([...l.text.matchAll(PAIR)].map((m) => m[1].toLowerCase()));
    return (keys.has('base') || keys.has('start')) && (keys.has('type') || keys.has('entry_type'));
  });
}
