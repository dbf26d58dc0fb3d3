/*
 * The geometry of one entry, as in the seed: an entry covers 2 MiB (512 frames) in 16 page
 * fields of 32 bits. A frame number's bits say where its bit lives:
 *
 *   pfn = entry << 9 | field << 5 | bit      (address = pfn << 12)
 *
 * Frame numbers reach 2^40, past 32-bit shifts, so the entry part is taken by division; the
 * low nine bits survive `&`/`>>>` because ToInt32 keeps an integer's low 32 bits.
 */

/** Frames in one entry (2 MiB). */
export const FRAMES_PER_ENTRY = 512;
/** Page fields per entry. */
export const FIELDS_PER_ENTRY = 16;
/** Frames per page field (one bit each; a set bit is a free frame). */
export const FRAMES_PER_FIELD = 32;
/** `has_pages` / `full_pages` with all 16 field bits set. */
export const ALL_FIELDS = 0xffff;
/** A page field with all 32 frames free, as an Int32Array holds it. */
export const FULL_FIELD = -1;

/*
 * Bits of an entry's flag byte. An entry with none of `SPLIT` and `PARTIAL` is in the seed's
 * 2 MiB mode (`is_2m`): one 2 MiB page, free when `FREE_2M` is set (the seed's `full_pages ==
 * 0xFFFF`), handed out when it is clear (`full_pages == 0`). `SPLIT` is a whole entry split into
 * 4 KiB frames; `PARTIAL` entries contain frames that are not ours (holes, reserved frames,
 * another zone's frames), are always in 4 KiB mode and never serve 2 MiB. `ON_4K`/`ON_2M` say
 * the entry is linked on that list (possibly stale: lazy cleanup drops it when popped), so a
 * push never links an entry twice. `LOW` entries lie below the low-memory limit and live on the
 * low lists.
 *
 * So a flag byte of 0 is a whole entry handed out as a 2 MiB page, linked nowhere, above the low
 * limit: the state of nearly every entry of an allocator that starts empty, which therefore
 * writes only its low entries' and its ranges' edges' flags.
 */
export const SPLIT = 1;
export const PARTIAL = 2;
export const LOW = 4;
export const ON_4K = 8;
export const ON_2M = 16;
export const FREE_2M = 32;
/** Either bit: the entry is in 4 KiB mode. */
export const NOT_2M = SPLIT | PARTIAL;

/** Field index (0–15) of a frame inside its entry. */
export function fieldOf(pfn: number): number {
  return (pfn >>> 5) & 15;
}

/** Bit index (0–31) of a frame inside its page field. */
export function bitOf(pfn: number): number {
  return pfn & 31;
}

/** Index of the lowest set bit of a non-zero 32-bit value (the seed's `ctz32`). */
export function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}
