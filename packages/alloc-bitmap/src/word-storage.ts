import { FRAME_SIZE, type FrameSpace } from '@framekit/core';
import { SPARSE_CHUNK_FRAMES } from '@framekit/core/plugin';

/*
 * Where an arena's bitmap words live. Words are kept in segments of 2^19 words (2 MiB, one
 * sparse chunk of frame contents), so the same code serves a bitmap in host memory and one
 * inside the arena's own first frames, where a sparse space can only give a view per chunk.
 *
 * Word `i` is element `(i + skew) & SEGMENT_MASK` of segment `(i + skew) >>> SEGMENT_SHIFT`.
 * `skew` is a multiple of 1024 words, so a 32-word block never straddles two segments.
 */

export const SEGMENT_SHIFT = 19;
export const SEGMENT_WORDS = 1 << SEGMENT_SHIFT;
export const SEGMENT_MASK = SEGMENT_WORDS - 1;

const WORDS_PER_FRAME = FRAME_SIZE / 4;

export interface WordSegments {
  readonly segments: Int32Array[];
  readonly skew: number;
  /** Host memory the segments take when all are written (0 when they are views of frame contents). */
  readonly heapBytes: number;
  /**
   * Host memory only: per segment, 1 while it is still a view of the one shared all-free
   * segment (every bit set, never written). A writer calls `ownSegment` first.
   */
  readonly shared?: Uint8Array;
}

/** Every word -1 (all free): what a fresh host segment reads as until it is first written. */
let allFree: Int32Array | undefined;

/**
 * `words` words in host memory, every bit set (all free). Each segment starts as a view of
 * one shared all-free segment and gets memory of its own at its first write (`ownSegment`):
 * a start writes no bitmap words, and a large space pays for the segments its use touches.
 */
export function heapSegments(words: number): WordSegments {
  allFree ??= new Int32Array(SEGMENT_WORDS).fill(-1);
  const segments: Int32Array[] = [];
  for (let at = 0; at < words; at += SEGMENT_WORDS) {
    segments.push(allFree.subarray(0, Math.min(SEGMENT_WORDS, words - at)));
  }
  return { segments, skew: 0, heapBytes: words * 4, shared: new Uint8Array(segments.length).fill(1) };
}

/** Gives shared segment `s` memory of its own, all free (at its first write), and returns it. */
export function ownSegment(segments: Int32Array[], shared: Uint8Array, s: number): Int32Array {
  const own = new Int32Array(segments[s].length).fill(-1);
  segments[s] = own;
  shared[s] = 0;
  return own;
}

/**
 * `words` words stored in the contents of the frames from `firstFrame` on. Each segment is a
 * view of one 512-frame chunk of the space (the chunk a sparse space can hand out whole);
 * the first segment starts at the chunk holding `firstFrame`, shifted by `skew`.
 */
export function frameSegments(space: FrameSpace, firstFrame: number, words: number): WordSegments {
  const firstChunk = Math.floor(firstFrame / SPARSE_CHUNK_FRAMES);
  const skew = (firstFrame - firstChunk * SPARSE_CHUNK_FRAMES) * WORDS_PER_FRAME;
  const segments: Int32Array[] = [];
  for (let at = 0; at < skew + words; at += SEGMENT_WORDS) {
    const chunkStart = (firstChunk + at / SEGMENT_WORDS) * SPARSE_CHUNK_FRAMES;
    const frames = Math.min(SPARSE_CHUNK_FRAMES, space.frameCount - chunkStart);
    const bytes = space.bytes(chunkStart, frames);
    segments.push(new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2));
  }
  return { segments, skew, heapBytes: 0 };
}
