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
  /** Host memory the segments take (0 when they are views of frame contents). */
  readonly heapBytes: number;
}

/** `words` words in host memory. */
export function heapSegments(words: number): WordSegments {
  const segments: Int32Array[] = [];
  for (let at = 0; at < words; at += SEGMENT_WORDS) {
    segments.push(new Int32Array(Math.min(SEGMENT_WORDS, words - at)));
  }
  return { segments, skew: 0, heapBytes: words * 4 };
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
