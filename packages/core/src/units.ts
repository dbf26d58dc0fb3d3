import type { Pfn } from './api';
import { FrameError } from './errors';

/** Bytes in one page frame. */
export const FRAME_SIZE = 4096;
/** `log2(FRAME_SIZE)`. */
export const FRAME_SHIFT = 12;
/** Frames in one 2 MiB huge page. */
export const FRAMES_PER_2MIB = 512;
/** x86-64's physical address limit: every address and frame number below it is an exact JS number. */
export const MAX_PHYS_ADDR = 2 ** 52;
/** Frame numbers are below this. */
export const MAX_PFN = MAX_PHYS_ADDR / FRAME_SIZE;

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

/** Linux x86-64's ZONE_DMA ends at 16 MiB (ISA DMA), ZONE_DMA32 at 4 GiB: as frame numbers (PFNs), like zone `end`s. */
export const DMA_LIMIT_PFN = (16 * MiB) / FRAME_SIZE;
export const DMA32_LIMIT_PFN = (4 * GiB) / FRAME_SIZE;

function checkAddress(op: string, address: number): void {
  if (!Number.isSafeInteger(address) || address < 0 || address > MAX_PHYS_ADDR) {
    throw new FrameError('INVALID_REQUEST', `${op}: ${address} is not a physical address in [0, 2^52]`, {
      op,
      address,
    });
  }
}

/** The frame holding `address` (rounds down). */
export function addressToPfn(address: number): Pfn {
  checkAddress('addressToPfn', address);
  // Division is exact below 2^53; `>>` would truncate to 32 bits.
  return Math.floor(address / FRAME_SIZE);
}

/** The first frame that starts at or after `address` (rounds up). */
export function addressToPfnUp(address: number): Pfn {
  checkAddress('addressToPfnUp', address);
  return Math.ceil(address / FRAME_SIZE);
}

/** The physical address of the first byte of `pfn`. */
export function pfnToAddress(pfn: Pfn): number {
  if (!Number.isSafeInteger(pfn) || pfn < 0 || pfn > MAX_PFN) {
    throw new FrameError('INVALID_REQUEST', `pfnToAddress: ${pfn} is not a frame number in [0, 2^40]`, {
      op: 'pfnToAddress',
      pfn,
    });
  }
  return pfn * FRAME_SIZE;
}

/** Bytes rounded up to whole frames. */
export function bytesToFrames(bytes: number): number {
  return Math.ceil(bytes / FRAME_SIZE);
}

/** True for 1, 2, 4, … up to 2^52. */
export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** The smallest multiple of `align` (a power of two) that is `>= n`; exact for safe integers. */
export function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

/** The largest multiple of `align` (a power of two) that is `<= n`. */
export function alignDown(n: number, align: number): number {
  return Math.floor(n / align) * align;
}

/** `1.5 GiB`-style text for a byte count. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
  return `${text} ${units[unit]}`;
}

/** `0x0000000000001000`-style text for an address. */
export function hex(n: number, width = 0): string {
  return `0x${n.toString(16).padStart(width, '0')}`;
}
