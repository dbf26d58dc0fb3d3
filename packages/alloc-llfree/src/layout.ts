import type { FrameRange } from '@framekit/core';
import { lastAtOrBelow } from '@framekit/core/plugin';
import { FRAMES_PER_CHILD, FRAMES_PER_WORD, WORDS_PER_CHILD } from './bitfield';

/*
 * Where everything lives in the one SharedArrayBuffer, as Int32 word indices:
 *
 *   header  16 words  magic, version, children, trees, worker slots
 *   trees   1 word per tree (32 children = 64 MiB), padded to a cache line: free count | reserved flag
 *   children 1 word per 2 MiB child: free count | huge flag
 *   bits    16 words per child: bit set = frame allocated (or not ours)
 *   runs    16 words per child: bit set = frame continues a small run started below it
 *   slots   16 words (a cache line) per worker: claimed, reserved tree, hint, allocs, frees,
 *           retries, credit child, credit
 *
 * Children exist only for 2 MiB blocks that hold a usable frame, numbered densely in
 * ascending order; segments of consecutive blocks map a frame number to its child. Like the
 * ranges, segments are recomputed by every thread that attaches (they never change).
 */

export const MAGIC = 0x4c4c4652; // 'LLFR'
export const VERSION = 1;
export const HEADER_WORDS = 16;
export const H_MAGIC = 0;
export const H_VERSION = 1;
export const H_CHILDREN = 2;
export const H_TREES = 3;
export const H_SLOTS = 4;

export const CHILDREN_PER_TREE = 32;
/** A tree entry and a worker slot each fill a 64-byte cache line, so workers do not share lines. */
export const TREE_WORDS = 16;
export const SLOT_WORDS = 16;
export const S_CLAIMED = 0;
export const S_TREE = 1;
export const S_HINT = 2;
export const S_ALLOCS = 3;
export const S_FREES = 4;
export const S_RETRIES = 5;
/** The child this worker holds a credit of free frames in (-1: none), and the credit. */
export const S_CREDIT_CHILD = 6;
export const S_CREDIT = 7;

export const CHILD_COUNT = 0x3ff;
export const CHILD_HUGE = 1 << 10;
export const TREE_COUNT = 0xffff;
export const TREE_RESERVED = 1 << 16;

/** The immutable shape of an allocator's state, derived from its ranges alone. */
export interface Layout {
  readonly childCount: number;
  readonly treeCount: number;
  readonly slotCount: number;
  /** Word offsets of each area. */
  readonly trees: number;
  readonly children: number;
  readonly bits: number;
  readonly runs: number;
  readonly slots: number;
  readonly words: number;
  /** First frame of each child. */
  readonly childBase: Float64Array;
  /** 1 where a child holds frames that are not this allocator's (it is never a 2 MiB page). */
  readonly partial: Uint8Array;
  /** Usable frames per child (the free count of a fresh allocator). */
  readonly usable: Uint16Array;
  /** First frame and first child of each segment of consecutive children. */
  readonly segmentStart: Float64Array;
  readonly segmentChild: Int32Array;
  readonly segmentEnd: Float64Array;
  /** The allocator's ranges, for the usable check inside partial children. */
  readonly rangeStart: Float64Array;
  readonly rangeEnd: Float64Array;
  readonly totalFrames: number;
}

export function computeLayout(ranges: readonly FrameRange[], slotCount: number): Layout {
  const bases: number[] = [];
  const usable: number[] = [];
  let totalFrames = 0;
  for (const r of ranges) {
    totalFrames += r.count;
    const end = r.start + r.count;
    let block = Math.floor(r.start / FRAMES_PER_CHILD) * FRAMES_PER_CHILD;
    for (; block < end; block += FRAMES_PER_CHILD) {
      const n = Math.min(end, block + FRAMES_PER_CHILD) - Math.max(r.start, block);
      if (bases.length > 0 && bases[bases.length - 1] === block) usable[usable.length - 1] += n;
      else {
        bases.push(block);
        usable.push(n);
      }
    }
  }
  const childCount = bases.length;
  const segStart: number[] = [];
  const segChild: number[] = [];
  const segEnd: number[] = [];
  for (let c = 0; c < childCount; c++) {
    const last = segEnd.length - 1;
    if (last >= 0 && segEnd[last] === bases[c]) segEnd[last] += FRAMES_PER_CHILD;
    else {
      segStart.push(bases[c]);
      segChild.push(c);
      segEnd.push(bases[c] + FRAMES_PER_CHILD);
    }
  }
  const treeCount = Math.ceil(childCount / CHILDREN_PER_TREE);
  const trees = HEADER_WORDS;
  const children = trees + treeCount * TREE_WORDS;
  // Bitfields start on a cache line: one child's 16 words fill exactly one.
  const bits = children + Math.ceil(childCount / 16) * 16;
  const runs = bits + childCount * WORDS_PER_CHILD;
  const slots = runs + childCount * WORDS_PER_CHILD;
  return {
    childCount,
    treeCount,
    slotCount,
    trees,
    children,
    bits,
    runs,
    slots,
    words: slots + slotCount * SLOT_WORDS,
    childBase: Float64Array.from(bases),
    partial: Uint8Array.from(usable, (n) => (n === FRAMES_PER_CHILD ? 0 : 1)),
    usable: Uint16Array.from(usable),
    segmentStart: Float64Array.from(segStart),
    segmentChild: Int32Array.from(segChild),
    segmentEnd: Float64Array.from(segEnd),
    rangeStart: Float64Array.from(ranges, (r) => r.start),
    rangeEnd: Float64Array.from(ranges, (r) => r.start + r.count),
    totalFrames,
  };
}

/** The child holding frame `pfn`, or -1 when no child covers it. */
export function childOf(layout: Layout, pfn: number): number {
  const s = lastAtOrBelow(layout.segmentStart, pfn);
  if (s < 0 || pfn >= layout.segmentEnd[s]) return -1;
  return layout.segmentChild[s] + Math.floor((pfn - layout.segmentStart[s]) / FRAMES_PER_CHILD);
}

/** True when `pfn` lies in one of the allocator's ranges. */
export function inRanges(layout: Layout, pfn: number): boolean {
  const r = lastAtOrBelow(layout.rangeStart, pfn);
  return r >= 0 && pfn < layout.rangeEnd[r];
}

/** Writes a fresh state: every usable frame free, counters full, no reservation, no slot claimed. */
export function initState(layout: Layout, state: Int32Array): void {
  state[H_MAGIC] = MAGIC;
  state[H_VERSION] = VERSION;
  state[H_CHILDREN] = layout.childCount;
  state[H_TREES] = layout.treeCount;
  state[H_SLOTS] = layout.slotCount;
  state.fill(-1, layout.bits, layout.bits + layout.childCount * WORDS_PER_CHILD);
  for (let i = 0; i < layout.rangeStart.length; i++) {
    let at = layout.rangeStart[i];
    const end = layout.rangeEnd[i];
    while (at < end) {
      const c = childOf(layout, at);
      const offset = at - layout.childBase[c];
      const bit = offset % FRAMES_PER_WORD;
      const n = Math.min(FRAMES_PER_WORD - bit, end - at);
      const mask = n === 32 ? -1 : ((1 << n) - 1) << bit;
      const word = layout.bits + c * WORDS_PER_CHILD + Math.floor(offset / FRAMES_PER_WORD);
      state[word] &= ~mask;
      at += n;
    }
  }
  for (let c = 0; c < layout.childCount; c++) {
    state[layout.children + c] = layout.usable[c];
    state[layout.trees + Math.floor(c / CHILDREN_PER_TREE) * TREE_WORDS] += layout.usable[c];
  }
  for (let s = 0; s < layout.slotCount; s++) {
    state[layout.slots + s * SLOT_WORDS + S_TREE] = -1;
    state[layout.slots + s * SLOT_WORDS + S_CREDIT_CHILD] = -1;
  }
}
