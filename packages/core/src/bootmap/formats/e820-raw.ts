import { FrameError } from '../../errors';
import { ByteReader, ByteWriter } from '../bytes';
import type { BootMap } from '../schema';
import { RegionSink, TWO_64 } from '../sink';
import type { Line } from '../text';
import { e820TypeFor, e820TypeKind } from './e820-types';
import { cannotEncode, regionBounds, regionsToEncode } from './encode-check';

interface RawRecord {
  readonly base: bigint;
  readonly length: bigint;
  readonly type: number;
  readonly ext?: number;
}

function readRecords(reader: ByteReader, size: 20 | 24): RawRecord[] {
  const out: RawRecord[] = [];
  for (let at = 0; at < reader.length; at += size) {
    out.push({
      base: reader.u64(at, 'a record base'),
      length: reader.u64(at + 8, 'a record length'),
      type: reader.u32(at + 16, 'a record type'),
      ext: size === 24 ? reader.u32(at + 20, 'extended attributes') : undefined,
    });
  }
  return out;
}

/** A record a BIOS could have returned: an empty slot (type 0), or a known-looking type over a range inside 2^64. */
function plausible(r: RawRecord): boolean {
  const typeOk = r.type <= 0xffff || r.type === 0xefffffff;
  return typeOk && r.base + r.length <= TWO_64 && (r.ext === undefined || r.ext <= 0xf);
}

/**
 * Raw INT 15h E820 records: u64 base, u64 length, u32 type, and with 24-byte records a u32
 * of ACPI 3.0 extended attributes. Linux ignores those attributes (buggy BIOSes leave the
 * "enabled" bit clear), and so do we; they are kept as `attributes`. Without `recordSize`,
 * the size is the one that divides the bytes, and when both do, the one whose records all
 * look like a BIOS's (20 first).
 */
export function parseE820Records(bytes: Uint8Array, recordSize?: 20 | 24): BootMap {
  const sink = new RegionSink('e820-raw');
  if (bytes.length === 0) throw sink.fail(undefined, 'no records (0 bytes)');
  if (recordSize !== undefined && recordSize !== 20 && recordSize !== 24) {
    throw new FrameError('INVALID_REQUEST', `parseBootMap: recordSize ${recordSize} must be 20 or 24`, {
      op: 'parseBootMap',
      recordSize,
    });
  }
  const reader = new ByteReader(bytes, sink);
  let size = recordSize;
  if (size === undefined) {
    const candidates = ([20, 24] as const).filter((s) => bytes.length % s === 0);
    if (candidates.length === 0) {
      throw sink.fail(
        { offset: bytes.length - (bytes.length % 20) },
        `${bytes.length} bytes are not a whole number of 20- or 24-byte records (truncated)`,
      );
    }
    size =
      candidates.length === 1
        ? candidates[0]
        : (candidates.find((s) => readRecords(reader, s).every(plausible)) ?? candidates[0]);
  } else if (bytes.length % size !== 0) {
    throw sink.fail(
      { offset: bytes.length - (bytes.length % size) },
      `${bytes.length} bytes are not a whole number of ${size}-byte records (truncated)`,
    );
  }
  readRecords(reader, size).forEach((r, i) => {
    if (r.type === 0) return;
    const attributes = r.ext === undefined ? undefined : `0x${r.ext.toString(16)}`;
    sink.add({ offset: i * size }, r.base, r.base + r.length, e820TypeKind(r.type), r.type, attributes);
  });
  return sink.finish();
}

export interface E820EncodeOptions {
  /** 20-byte records (default) or 24-byte ones with extended attributes (written as 1, "enabled", unless the region has its own). */
  readonly recordSize?: 20 | 24;
}

/** Raw INT 15h E820 records for a map (empty regions are skipped); `parseBootMap(bytes, 'e820-raw')` reads them back. */
export function encodeE820Records(map: BootMap, options: E820EncodeOptions = {}): Uint8Array {
  const op = 'encodeE820Records';
  const size = options.recordSize ?? 20;
  if (size !== 20 && size !== 24) {
    throw new FrameError('INVALID_REQUEST', `${op}: recordSize ${size} must be 20 or 24`, {
      op,
      recordSize: size,
    });
  }
  const regions = regionsToEncode(op, map);
  const out = new ByteWriter(regions.length * size);
  regions.forEach((region, i) => {
    const type = e820TypeFor(region);
    if (type === undefined) throw cannotEncode(op, 'e820', region, i);
    const { base, length } = regionBounds(region);
    out.u64(i * size, base);
    out.u64(i * size + 8, length);
    out.u32(i * size + 16, type);
    if (size === 24) {
      const own = /^0x[0-9a-f]{1,8}$/i.test(region.attributes ?? '') ? Number(region.attributes) : 1;
      out.u32(i * size + 20, own);
    }
  });
  return out.bytes;
}

/** A QEMU monitor command (`x/gx 0x90000 + 20`, `xp /4wx …`): the unit size of the values that follow. */
const COMMAND = /\(qemu\)\s*xp?\s*\/\s*\d*([a-z]*)/i;
const VALUES = /^\s*([0-9a-fA-F]+)\s*:\s*((?:0x[0-9a-fA-F]+\s*)+)$/;
const UNIT: Readonly<Record<string, number>> = { b: 1, h: 2, w: 4, g: 8 };

interface Read {
  readonly line: number;
  readonly address: number;
  readonly unit: number;
  readonly value: bigint;
}

/**
 * An E820 buffer read out with the QEMU monitor (`x/gx`, `x/wx`, one field per command).
 * Each value is taken as the field its address falls on; a 64-bit read of the 32-bit type
 * field also shows the next record's first bytes, so only its low 32 bits count. The record
 * size (20 or 24) is the one every read lines up with.
 */
export function parseQemuE820Dump(lines: readonly Line[]): BootMap {
  const sink = new RegionSink('e820-raw');
  const reads: Read[] = [];
  let unit = 4;
  for (const line of lines) {
    const command = COMMAND.exec(line.text);
    if (command) {
      const letter = [...command[1].toLowerCase()].find((c) => c in UNIT);
      unit = letter ? UNIT[letter] : 4;
      continue;
    }
    const m = VALUES.exec(line.text);
    if (!m) continue;
    if (m[1].length > 13) throw sink.fail({ line: line.number }, `address 0x${m[1]} is too large`);
    const address = Number.parseInt(m[1], 16);
    m[2]
      .trim()
      .split(/\s+/)
      .forEach((text, i) => {
        if (text.length > 18) throw sink.fail({ line: line.number }, `value ${text} is beyond 2^64`);
        reads.push({ line: line.number, address: address + i * unit, unit, value: BigInt(text) });
      });
  }
  if (reads.length === 0) throw sink.fail(undefined, 'no QEMU monitor memory reads found');
  const origin = reads.reduce((lowest, r) => Math.min(lowest, r.address), reads[0].address);
  for (const size of [20, 24] as const) {
    const records = collectRecords(reads, origin, size);
    if (!records) continue;
    for (const r of records) {
      if (r.type !== 0) sink.add({ line: r.line }, r.base, r.base + r.length, e820TypeKind(r.type), r.type);
    }
    return sink.finish();
  }
  throw sink.fail(undefined, 'the reads do not line up with 20- or 24-byte E820 records');
}

interface DumpRecord {
  line: number;
  base?: bigint;
  length?: bigint;
  type?: number;
}

function collectRecords(
  reads: readonly Read[],
  origin: number,
  size: 20 | 24,
): { line: number; base: bigint; length: bigint; type: number }[] | undefined {
  const records: DumpRecord[] = [];
  for (const read of reads) {
    const index = Math.floor((read.address - origin) / size);
    const field = (read.address - origin) % size;
    const record = records[index] ?? { line: read.line };
    records[index] = record;
    if (field === 0 && read.unit === 8) record.base = read.value;
    else if (field === 8 && read.unit === 8) record.length = read.value;
    else if (field === 16 && read.unit >= 4) record.type = Number(read.value & 0xffffffffn);
    else if (!(size === 24 && field === 20 && read.unit >= 4)) return undefined;
  }
  const out: { line: number; base: bigint; length: bigint; type: number }[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (!r || r.base === undefined || r.length === undefined || r.type === undefined) return undefined;
    out.push({ line: r.line, base: r.base, length: r.length, type: r.type });
  }
  return out;
}

/** True when the text holds QEMU monitor memory reads. */
export function hasQemuDump(lines: readonly Line[]): boolean {
  return lines.some((l) => COMMAND.test(l.text));
}
