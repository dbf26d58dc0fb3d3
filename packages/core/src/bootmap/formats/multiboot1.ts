import { ByteReader, ByteWriter } from '../bytes';
import type { BootMap } from '../schema';
import { RegionSink } from '../sink';
import { cannotEncode, regionBounds, regionsToEncode } from './encode-check';
import { multibootTypeFor, multibootTypeKind } from './multiboot-types';

/** The smallest `size` of a multiboot1 entry: base (8) + length (8) + type (4). */
const ENTRY_MIN = 20;

/**
 * A multiboot1 memory map (the `mmap_length` bytes at `mmap_addr`): entries of
 * `u32 size; u64 base_addr; u64 length; u32 type`, each `size + 4` bytes long (`size`
 * does not count itself, so bigger entries are skipped over correctly).
 */
export function parseMultiboot1(bytes: Uint8Array): BootMap {
  const sink = new RegionSink('multiboot1');
  if (bytes.length === 0) throw sink.fail(undefined, 'no entries (0 bytes)');
  const reader = new ByteReader(bytes, sink);
  let at = 0;
  while (at < bytes.length) {
    const size = reader.u32(at, 'an entry size');
    if (size < ENTRY_MIN) throw sink.fail({ offset: at }, `entry size ${size} is below ${ENTRY_MIN}`);
    if (at + 4 + size > bytes.length) {
      throw sink.fail(
        { offset: at },
        `entry of ${size + 4} bytes runs past the end at ${bytes.length} (truncated)`,
      );
    }
    const base = reader.u64(at + 4);
    const length = reader.u64(at + 12);
    const type = reader.u32(at + 20);
    sink.add({ offset: at }, base, base + length, multibootTypeKind(type), type);
    at += 4 + size;
  }
  return sink.finish();
}

/** True when the bytes walk as multiboot1 entries from start to end exactly. */
export function walksAsMultiboot1(bytes: Uint8Array): boolean {
  if (bytes.length < ENTRY_MIN + 4) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + 4 <= bytes.length) {
    const size = view.getUint32(at, true);
    if (size < ENTRY_MIN || size > 256 || at + 4 + size > bytes.length) return false;
    at += 4 + size;
  }
  return at === bytes.length;
}

/** A multiboot1 memory map for a map: 24-byte entries (`size` 20); empty regions are skipped. */
export function encodeMultiboot1MemoryMap(map: BootMap): Uint8Array {
  const op = 'encodeMultiboot1MemoryMap';
  const regions = regionsToEncode(op, map);
  const out = new ByteWriter(regions.length * (ENTRY_MIN + 4));
  regions.forEach((region, i) => {
    const type = multibootTypeFor(region);
    if (type === undefined) throw cannotEncode(op, 'multiboot', region, i);
    const { base, length } = regionBounds(region);
    const at = i * (ENTRY_MIN + 4);
    out.u32(at, ENTRY_MIN);
    out.u64(at + 4, base);
    out.u64(at + 12, length);
    out.u32(at + 20, type);
  });
  return out.bytes;
}
