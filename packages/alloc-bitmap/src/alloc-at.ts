import type { Pfn } from '@framekit/core';
import type { Arena } from './arena';
import { bitRange } from './bits';

/**
 * True when every frame of `[pfn, pfn + count)` (inside `arena`'s data frames) is free: the
 * check behind `allocAt` (MOS's `pmm_reserve_frames` after start-up). One mask per 32-bit
 * word of the run, never frame by frame. Offsets are relative to the arena and reach
 * 2^31 (the last frame of a 2^31-frame arena): `>>>` and `* 32`, as in `Arena`, never `>>` or `<< 5`.
 */
export function runIsFree(arena: Arena, pfn: Pfn, count: number): boolean {
  const first = pfn - arena.base;
  const last = first + count - 1;
  const firstWord = first >>> 5;
  const lastWord = last >>> 5;
  for (let i = firstWord; i <= lastWord; i++) {
    const mask = bitRange(i === firstWord ? first & 31 : 0, i === lastWord ? last & 31 : 31);
    if ((arena.word(i * 32) & mask) !== mask) return false;
  }
  return true;
}
