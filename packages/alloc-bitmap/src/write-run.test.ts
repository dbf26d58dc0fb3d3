import { createFrameSpace } from '@framekit/core';
import { frameErrorCode } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createBitmapAllocator } from './index';
import { SEGMENT_WORDS } from './word-storage';

/**
 * A run is written a word at a time, and the "any free" index is told once per 32 words:
 * runs that start and end mid-word, cross index words, and cross the boundary between two
 * bitmap segments (2^19 words: frame 2^24) leave every frame, the index and the summaries right.
 */
describe('writing runs', () => {
  const boundary = SEGMENT_WORDS * 32;

  it.each([
    ['inside one word', 5, 20],
    ['across two index words', 1024 - 40, 100],
    ['over whole index words', 3 * 1024 + 7, 5 * 1024],
    ['across two bitmap segments', boundary - 1500, 3000],
  ])('%s', (_, start, count) => {
    const space = createFrameSpace({ frames: boundary + 4096 }, { backing: 'none' });
    const a = createBitmapAllocator(space);
    const end = start + count;
    expect(a.allocAt(start, count)).toBe(start);
    for (let pfn = start; pfn < end; pfn += 31) expect(a.isFree(pfn)).toBe(false);
    for (const pfn of [start - 1, end - 1, end, boundary - 1, boundary]) {
      expect(a.isFree(pfn)).toBe(pfn < start || pfn >= end);
    }
    // A run with one free frame in it (the first frame of the second segment, where there is
    // one) is refused, and nothing changes.
    const probe = start < boundary && boundary < end ? boundary : end - 1;
    a.free(probe);
    expect(frameErrorCode(() => a.freeRun(start, count))).toBe('NOT_ALLOCATED');
    expect(a.isFree(probe)).toBe(true);
    expect(a.stats().usedFrames).toBe(count - 1);
    expect(a.allocAt(probe, 1)).toBe(probe);
    // Every frame below the run taken, the index names the first frame after it.
    expect(a.allocRun(start, { below: start })).toBe(0);
    expect(a.alloc()).toBe(end);
    a.free(end);
    a.freeRun(0, start);
    // Freed, the run joins its neighbours again: the summaries see one free run from 0.
    a.freeRun(start, count);
    expect(a.stats().usedFrames).toBe(0);
    expect(a.allocRun(end + 1, { below: end + 1 })).toBe(0);
    expect(a.alloc()).toBe(end + 1);
  });
});
