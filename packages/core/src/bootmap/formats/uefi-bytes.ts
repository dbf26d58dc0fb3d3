import { FrameError } from '../../errors';
import { ByteReader, ByteWriter } from '../bytes';
import { hexBig } from '../parse-error';
import type { BootMap } from '../schema';
import { RegionSink, TWO_64 } from '../sink';
import { cannotEncode, regionBounds, regionsToEncode } from './encode-check';
import { attributesOf, uefiTypeFor, uefiTypeKind } from './uefi-types';

/** `EFI_MEMORY_DESCRIPTOR` is 40 bytes; firmware may hand out larger, padded descriptors. */
const DESCRIPTOR_MIN = 40;
const EFI_PAGE = 4096n;
const EFI_MEMORY_DESCRIPTOR_VERSION = 1;

interface Descriptor {
  readonly type: number;
  readonly start: bigint;
  readonly pages: bigint;
  readonly attributes: bigint;
}

function readDescriptor(reader: ByteReader, at: number): Descriptor {
  return {
    type: reader.u32(at, 'a descriptor type'),
    start: reader.u64(at + 8, 'PhysicalStart'),
    pages: reader.u64(at + 24, 'NumberOfPages'),
    attributes: reader.u64(at + 32, 'Attribute'),
  };
}

/** Checks a descriptor size and version, as GetMemoryMap or a multiboot2 tag 17 reports them. */
export function checkDescriptorLayout(sink: RegionSink, origin: number, size: number, version: number): void {
  if (!Number.isInteger(size) || size < DESCRIPTOR_MIN || size % 8 !== 0 || size > 4096) {
    throw sink.fail(
      { offset: origin },
      `descriptor size ${size} does not fit an EFI_MEMORY_DESCRIPTOR (at least 40 bytes, a multiple of 8)`,
    );
  }
  if (version !== EFI_MEMORY_DESCRIPTOR_VERSION) {
    throw sink.fail(
      { offset: origin },
      `descriptor version ${version} is not ${EFI_MEMORY_DESCRIPTOR_VERSION}`,
    );
  }
}

/** Adds each `size`-byte descriptor of `bytes` to `sink`; `origin` places the bytes in a larger structure. */
export function readDescriptors(sink: RegionSink, bytes: Uint8Array, size: number, origin: number): void {
  if (bytes.length % size !== 0) {
    throw sink.fail(
      { offset: origin + bytes.length - (bytes.length % size) },
      `${bytes.length} bytes are not a whole number of ${size}-byte descriptors (truncated)`,
    );
  }
  const reader = new ByteReader(bytes, sink, origin);
  for (let at = 0; at < bytes.length; at += size) {
    const d = readDescriptor(reader, at);
    const where = { offset: origin + at };
    if (d.start % EFI_PAGE !== 0n) {
      throw sink.fail(where, `PhysicalStart ${hexBig(d.start)} is not 4 KiB aligned`);
    }
    if (d.pages > TWO_64 / EFI_PAGE)
      throw sink.fail(where, `NumberOfPages ${hexBig(d.pages)} is beyond 2^64 bytes`);
    const end = d.start + d.pages * EFI_PAGE;
    sink.add(
      where,
      d.start,
      end,
      uefiTypeKind(d.type, d.attributes),
      d.type,
      `0x${d.attributes.toString(16)}`,
    );
  }
}

/** A descriptor real firmware could have written: aligned, non-empty, a defined or OEM/OS type, zero padding. */
function plausibleLayout(bytes: Uint8Array, size: number): boolean {
  if (bytes.length === 0 || bytes.length % size !== 0) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < bytes.length; at += size) {
    const type = view.getUint32(at, true);
    const pad = view.getUint32(at + 4, true);
    const start = view.getBigUint64(at + 8, true);
    const pages = view.getBigUint64(at + 24, true);
    const typeOk = type <= 15 || type >= 0x70000000;
    if (
      !typeOk ||
      pad !== 0 ||
      start % EFI_PAGE !== 0n ||
      pages === 0n ||
      start + pages * EFI_PAGE > TWO_64
    ) {
      return false;
    }
  }
  return true;
}

/** The descriptor sizes tried when none is given, most common first. */
const GUESSES = [48, 40, 56, 64, 80, 96];

/** The descriptor size a bare array most likely has, or undefined. */
export function guessDescriptorSize(bytes: Uint8Array): number | undefined {
  return GUESSES.find((size) => plausibleLayout(bytes, size));
}

/**
 * A bare `EFI_MEMORY_DESCRIPTOR` array as GetMemoryMap fills it. Descriptor size and
 * version come from the caller (GetMemoryMap returns them beside the array); without a
 * size, the first of 48, 40, 56, 64… under which every descriptor is well formed is used.
 */
export function parseUefiDescriptors(bytes: Uint8Array, size?: number, version?: number): BootMap {
  const sink = new RegionSink('uefi');
  if (bytes.length === 0) throw sink.fail(undefined, 'no descriptors (0 bytes)');
  const chosen = size ?? guessDescriptorSize(bytes);
  if (chosen === undefined) {
    throw sink.fail(
      undefined,
      `cannot tell the descriptor size of ${bytes.length} bytes (tried ${GUESSES.join(', ')}); pass descriptorSize`,
    );
  }
  checkDescriptorLayout(sink, 0, chosen, version ?? EFI_MEMORY_DESCRIPTOR_VERSION);
  readDescriptors(sink, bytes, chosen, 0);
  return sink.finish();
}

export interface UefiEncodeOptions {
  /** Bytes per descriptor: at least 40, a multiple of 8 (default 48, what EDK2 uses). */
  readonly descriptorSize?: number;
}

/**
 * An `EFI_MEMORY_DESCRIPTOR` array for a map. Regions must be whole 4 KiB pages; a region's
 * own EFI type and attributes are kept when they still mean its kind (attributes default to
 * UC|WC|WT|WB for memory, 0 for reserved space).
 */
export function encodeUefiMemoryMap(map: BootMap, options: UefiEncodeOptions = {}): Uint8Array {
  const op = 'encodeUefiMemoryMap';
  const size = options.descriptorSize ?? 48;
  if (!Number.isInteger(size) || size < DESCRIPTOR_MIN || size % 8 !== 0 || size > 4096) {
    throw new FrameError(
      'INVALID_REQUEST',
      `${op}: descriptorSize ${size} must be a multiple of 8 in [40, 4096]`,
      {
        op,
        descriptorSize: size,
      },
    );
  }
  const regions = regionsToEncode(op, map);
  const out = new ByteWriter(regions.length * size);
  regions.forEach((region, i) => {
    const { base, length } = regionBounds(region);
    if (base % EFI_PAGE !== 0n || length % EFI_PAGE !== 0n) {
      throw new FrameError('INVALID_REQUEST', `${op}: region ${i} is not whole 4 KiB pages`, {
        op,
        index: i,
        base: region.base,
        length: region.length,
      });
    }
    const memoryLike = region.kind !== 'reserved' && region.kind !== 'unusable';
    const attributes = attributesOf(region) ?? (memoryLike ? 0xfn : 0n);
    const type = uefiTypeFor(region, attributes);
    if (type === undefined) throw cannotEncode(op, 'UEFI', region, i);
    const at = i * size;
    out.u32(at, type);
    out.u64(at + 8, base);
    out.u64(at + 24, length / EFI_PAGE);
    out.u64(at + 32, attributes);
  });
  return out.bytes;
}
