import { FRAME_SIZE } from '@framekit/core';

/*
 * The layout of one stack node, in 32-bit little-endian words. A node lives in the first
 * words of a free frame (or, without frame contents, in a slot of a typed array):
 *
 *   word 0      next node's frame number, low 32 bits   } all ones in both words:
 *   word 1      next node's frame number, high bits     } this is the bottom node
 *   word 2 …    free frame numbers, one word each (two words, low then high, when the
 *               space has frames at or above 2^32)
 *
 * Only the top node is partly filled; every node below it is full. So the top node's fill
 * level is the one number the allocator keeps outside the frames, like a stack pointer.
 */

/** 32-bit words in one frame. */
export const FRAME_WORDS = FRAME_SIZE / 4;

/** Words before a node's entries: the link to the next node. */
export const HEADER_WORDS = 2;

/** Both link words hold this in the bottom node. */
export const NO_LINK_WORD = 0xffffffff;

/** `2^32`: frame numbers at or above it need two words per entry. */
export const WORD_RANGE = 0x1_0000_0000;

/** Entries that fit in one frame with one-word entries. */
export const MAX_NODE_ENTRIES = FRAME_WORDS - HEADER_WORDS;

/** Words per entry for a space whose highest managed frame is `lastPfn`. */
export function entryWordsFor(lastPfn: number): 1 | 2 {
  return lastPfn < WORD_RANGE ? 1 : 2;
}

/** Entries that fit in one frame with `entryWords`-word entries. */
export function maxEntriesFor(entryWords: 1 | 2): number {
  return Math.floor((FRAME_WORDS - HEADER_WORDS) / entryWords);
}

/** True when this host stores a `Uint32Array` word little-endian, as the layout requires. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
