import { createFrameSpace, type FrameSpace } from '@framekit/core';

/**
 * 3072 frames (six 2 MiB entries) whose usable frames are [512, 600) and [700, 3072): frames
 * [0, 512) are in no entry, and entry 1 (512 … 1023) has a hole at [600, 700). The tests give
 * hier2m part of it, so that the rest of the last entries is usable but another allocator's.
 */
export function holeySpace(): FrameSpace {
  return createFrameSpace({
    frames: 3072,
    ranges: [
      { start: 512, count: 88 },
      { start: 700, count: 2372 },
    ],
  });
}
