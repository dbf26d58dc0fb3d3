import { FrameError } from '@framekit/core';

/*
 * Virtual addresses are plain numbers holding the canonical address as a *signed* 64-bit
 * value: the lower half is [0, 2^47) as it is, and the higher half 0xffff8000_00000000 …
 * 0xffffffff_ffffffff is [-2^47, 0). Every such value is an exact JS number, where the
 * unsigned spelling (up to 2^64) is not. `vaFromBigInt` / `vaToBigInt` convert.
 */

/** One past the last lower-half address: 0x0000_8000_0000_0000. */
export const LOWER_HALF_END = 2 ** 47;
/** The first higher-half address, 0xffff_8000_0000_0000, as a signed number. */
export const HIGHER_HALF_START = -(2 ** 47);

export const PAGE_SIZE = 4096;
export const HUGE_PAGE_SIZE = 2 * 1024 * 1024;
const U48 = 2 ** 48;
const U64 = 1n << 64n;

/** True when `va` is a canonical address in framekit's signed form. */
export function isCanonical(va: number): boolean {
  return Number.isSafeInteger(va) && va >= HIGHER_HALF_START && va < LOWER_HALF_END;
}

/** Throws `INVALID_REQUEST` unless `va` is canonical and a multiple of `align`. */
export function checkVa(op: string, va: number, align = 1): void {
  if (!isCanonical(va)) {
    throw new FrameError(
      'INVALID_REQUEST',
      `${op}: ${typeof va === 'number' && Number.isFinite(va) ? formatVa(va) : String(va)} is not a canonical 48-bit address; the lower half is [0, 2^47) and the higher half is written as negative numbers (use vaFromBigInt(0xffff8000_00000000n))`,
      { op, va },
    );
  }
  if (va % align !== 0) {
    throw new FrameError('INVALID_REQUEST', `${op}: ${formatVa(va)} is not aligned to ${align} bytes`, {
      op,
      va,
      align,
    });
  }
}

/** The 48-bit unsigned form the page-table indices come from. */
export function toU48(va: number): number {
  return va < 0 ? va + U48 : va;
}

/** Back from the 48-bit form to framekit's signed form. */
export function fromU48(u: number): number {
  return u >= LOWER_HALF_END ? u - U48 : u;
}

/** A canonical address given as an unsigned (`0xffff8000_00000000n`) or signed bigint, as a number. */
export function vaFromBigInt(address: bigint): number {
  const signed = address >= 1n << 63n ? address - U64 : address;
  if (signed < BigInt(HIGHER_HALF_START) || signed >= BigInt(LOWER_HALF_END)) {
    throw new FrameError('INVALID_REQUEST', `vaFromBigInt: 0x${address.toString(16)} is not canonical`, {
      op: 'vaFromBigInt',
      address: address.toString(),
    });
  }
  return Number(signed);
}

/** The unsigned 64-bit value of `va`, as the CPU sees it. */
export function vaToBigInt(va: number): bigint {
  checkVa('vaToBigInt', va);
  const v = BigInt(va);
  return v < 0n ? v + U64 : v;
}

/** `0xffff800000001000`-style text for an address (16 hex digits). */
export function formatVa(va: number): string {
  if (!isCanonical(va)) return String(va);
  const v = BigInt(va);
  return `0x${(v < 0n ? v + U64 : v).toString(16).padStart(16, '0')}`;
}
