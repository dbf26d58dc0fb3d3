import type { Pfn } from '@framekit/core';
import { Pte } from './api';

/*
 * A 64-bit entry is kept as two 32-bit words, low then high (little-endian). The frame
 * address occupies bits 12–51: the low word's bits 12–31 and the high word's bits 0–19.
 */

/** Every flag a caller may pass to `map`. */
export const MAPPABLE_FLAGS =
  Pte.P | Pte.RW | Pte.US | Pte.PWT | Pte.PCD | Pte.A | Pte.D | Pte.PS | Pte.G | Pte.NX;

/** What a table-pointing (non-leaf) entry carries: present, writable, user — the leaf decides. */
export const TABLE_FLAGS = Pte.P | Pte.RW | Pte.US;

/** The high word's NX bit (entry bit 63). */
export const NX_HIGH = 0x8000_0000;

const LOW_FRAME_SPAN = 0x10_0000; // frame numbers carried in the low word: 2^20

export function entryPfn(lo: number, hi: number): Pfn {
  return (lo >>> 12) + (hi & 0xf_ffff) * LOW_FRAME_SPAN;
}

/** The low word of an entry for `pfn` with the low flag bits `flags & 0xfff`. */
export function entryLow(pfn: Pfn, flags: number): number {
  return (pfn % LOW_FRAME_SPAN) * 4096 + (flags & 0xfff);
}

/** The high word of an entry for `pfn`, with NX when `flags` has `Pte.NX`. */
export function entryHigh(pfn: Pfn, flags: number): number {
  return Math.floor(pfn / LOW_FRAME_SPAN) + (flags >= NX_HIGH ? NX_HIGH : 0);
}

/** The flags number of an entry (see `Pte`): low bits 0–11, and `Pte.NX` for bit 63. */
export function entryFlags(lo: number, hi: number): number {
  return (lo & 0xfff) + (hi >= NX_HIGH ? NX_HIGH : 0);
}
