import { FrameError } from '../../errors';
import { ByteReader, ByteWriter } from '../bytes';
import type { BootMap } from '../schema';
import { RegionSink } from '../sink';
import { cannotEncode, regionBounds, regionsToEncode } from './encode-check';
import { multibootTypeFor, multibootTypeKind } from './multiboot-types';
import { checkDescriptorLayout, readDescriptors } from './uefi-bytes';

const TAG_END = 0;
const TAG_MMAP = 6;
const TAG_EFI_MMAP = 17;
/** type, size, entry_size (or descriptor_size), entry_version (or descriptor_version). */
const TAG_HEADER = 16;
const ENTRY_MIN = 24;

interface Tag {
  readonly type: number;
  readonly at: number;
  readonly size: number;
}

/** Reads a memory-map tag (type 6) or EFI memory-map tag (type 17) at `tag.at`. */
function readMapTag(bytes: Uint8Array, reader: ByteReader, sink: RegionSink, tag: Tag): void {
  if (tag.size < TAG_HEADER) {
    throw sink.fail(
      { offset: tag.at },
      `tag ${tag.type} of ${tag.size} bytes is shorter than its 16-byte header`,
    );
  }
  const entrySize = reader.u32(tag.at + 8, 'entry_size');
  const version = reader.u32(tag.at + 12, 'entry_version');
  const body = bytes.subarray(tag.at + TAG_HEADER, tag.at + tag.size);
  if (tag.type === TAG_EFI_MMAP) {
    checkDescriptorLayout(sink, tag.at + 8, entrySize, version);
    readDescriptors(sink, body, entrySize, tag.at + TAG_HEADER);
    return;
  }
  if (entrySize < ENTRY_MIN || entrySize % 8 !== 0 || entrySize > 4096) {
    throw sink.fail(
      { offset: tag.at + 8 },
      `entry_size ${entrySize} does not fit a memory-map entry (at least 24 bytes, a multiple of 8)`,
    );
  }
  if (version !== 0) throw sink.fail({ offset: tag.at + 12 }, `entry_version ${version} is not 0`);
  if (body.length % entrySize !== 0) {
    throw sink.fail(
      { offset: tag.at },
      `tag of ${tag.size} bytes does not hold whole ${entrySize}-byte entries (truncated)`,
    );
  }
  for (let at = tag.at + TAG_HEADER; at < tag.at + tag.size; at += entrySize) {
    const base = reader.u64(at);
    const length = reader.u64(at + 8);
    const type = reader.u32(at + 16);
    sink.add({ offset: at }, base, base + length, multibootTypeKind(type), type);
  }
}

/** The tags of a multiboot2 boot information structure (`total_size`, reserved, 8-aligned tags, end tag). */
function walkTags(bytes: Uint8Array, reader: ByteReader, sink: RegionSink): Tag[] {
  const total = reader.u32(0, 'total_size');
  if (total > bytes.length)
    throw sink.fail({ offset: 0 }, `total_size ${total} is past the ${bytes.length} bytes given (truncated)`);
  const tags: Tag[] = [];
  let at = 8;
  for (;;) {
    if (at + 8 > total) throw sink.fail({ offset: at }, 'the tags end without an end tag (truncated)');
    const type = reader.u32(at);
    const size = reader.u32(at + 4);
    if (size < 8 || at + size > total) {
      throw sink.fail({ offset: at }, `tag ${type} claims ${size} bytes, past total_size ${total}`);
    }
    if (type === TAG_END) return tags;
    tags.push({ type, at, size });
    at += Math.ceil(size / 8) * 8;
  }
}

/** True when the bytes start like a multiboot2 information structure or a memory-map tag. */
export function looksLikeMultiboot2(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = view.getUint32(0, true);
  const second = view.getUint32(4, true);
  const isTag =
    (first === TAG_MMAP || first === TAG_EFI_MMAP) && second >= TAG_HEADER && second <= bytes.length;
  const isInfo = first === bytes.length && second === 0;
  return isTag || isInfo;
}

/**
 * Multiboot2: either the whole boot information structure (its memory-map tag 6 is read,
 * or failing that the EFI memory-map tag 17), or one such tag on its own. Tag 6 honours
 * `entry_size` (entries may grow) and requires `entry_version` 0; tag 17 honours the
 * descriptor size and version it states.
 */
export function parseMultiboot2(bytes: Uint8Array): BootMap {
  const sink = new RegionSink('multiboot2');
  const reader = new ByteReader(bytes, sink);
  if (bytes.length < 8)
    throw sink.fail({ offset: 0 }, `${bytes.length} bytes cannot hold a tag header (truncated)`);
  const first = reader.u32(0);
  const second = reader.u32(4);
  if ((first === TAG_MMAP || first === TAG_EFI_MMAP) && second >= 8 && second <= bytes.length) {
    if (bytes.length - second >= 8) {
      throw sink.fail({ offset: second }, `${bytes.length - second} bytes follow the tag`);
    }
    readMapTag(bytes, reader, sink, { type: first, at: 0, size: second });
    return sink.finish();
  }
  if (second !== 0 || first < 16) {
    throw sink.fail(
      { offset: 0 },
      'neither a boot information structure (total_size, 0) nor a memory-map tag (6 or 17)',
    );
  }
  const tags = walkTags(bytes, reader, sink);
  const tag = tags.find((t) => t.type === TAG_MMAP) ?? tags.find((t) => t.type === TAG_EFI_MMAP);
  if (!tag) throw sink.fail(undefined, 'no memory-map tag (type 6 or 17) in the boot information');
  readMapTag(bytes, reader, sink, tag);
  return sink.finish();
}

export interface Multiboot2EncodeOptions {
  /** Bytes per entry: at least 24, a multiple of 8 (default 24). */
  readonly entrySize?: number;
  /** `'tag'` (default): the memory-map tag alone; `'info'`: a boot information structure holding it and an end tag. */
  readonly container?: 'tag' | 'info';
}

/** A multiboot2 memory-map tag (type 6) for a map; empty regions are skipped. */
export function encodeMultiboot2MemoryMap(map: BootMap, options: Multiboot2EncodeOptions = {}): Uint8Array {
  const op = 'encodeMultiboot2MemoryMap';
  const entrySize = options.entrySize ?? ENTRY_MIN;
  const container = options.container ?? 'tag';
  if (!Number.isInteger(entrySize) || entrySize < ENTRY_MIN || entrySize % 8 !== 0 || entrySize > 4096) {
    throw new FrameError(
      'INVALID_REQUEST',
      `${op}: entrySize ${entrySize} must be a multiple of 8 in [24, 4096]`,
      {
        op,
        entrySize,
      },
    );
  }
  if (container !== 'tag' && container !== 'info') {
    throw new FrameError('INVALID_REQUEST', `${op}: container must be 'tag' or 'info'`, { op, container });
  }
  const regions = regionsToEncode(op, map);
  const tagSize = TAG_HEADER + regions.length * entrySize;
  const origin = container === 'info' ? 8 : 0;
  const total = container === 'info' ? 8 + tagSize + 8 : tagSize;
  const out = new ByteWriter(total);
  if (container === 'info') {
    out.u32(0, total);
    out.u32(origin + tagSize, TAG_END);
    out.u32(origin + tagSize + 4, 8);
  }
  out.u32(origin, TAG_MMAP);
  out.u32(origin + 4, tagSize);
  out.u32(origin + 8, entrySize);
  out.u32(origin + 12, 0);
  regions.forEach((region, i) => {
    const type = multibootTypeFor(region);
    if (type === undefined) throw cannotEncode(op, 'multiboot2', region, i);
    const { base, length } = regionBounds(region);
    const at = origin + TAG_HEADER + i * entrySize;
    out.u64(at, base);
    out.u64(at + 8, length);
    out.u32(at + 16, type);
  });
  return out.bytes;
}
