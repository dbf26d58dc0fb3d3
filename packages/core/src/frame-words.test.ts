import { describe, expect, it } from 'vitest';
import { createFrameSpace, SPARSE_CHUNK_FRAMES } from './frame-space';
import { FrameWords } from './frame-words';

describe('FrameWords', () => {
  for (const backing of ['dense', 'sparse'] as const) {
    it(`${backing}: addresses each frame's bytes through one cached view per buffer`, () => {
      const space = createFrameSpace({ frames: SPARSE_CHUNK_FRAMES * 2 + 8 }, { backing });
      const frames = new FrameWords(space);
      const last = space.frameCount - 1;
      for (const pfn of [0, 5, SPARSE_CHUNK_FRAMES - 1, SPARSE_CHUNK_FRAMES, last]) {
        const words = frames.words(pfn);
        words[frames.wordBase + 1] = pfn + 1;
        expect(new DataView(space.bytes(pfn).buffer, space.bytes(pfn).byteOffset).getUint32(4, true)).toBe(
          pfn + 1,
        );
        const bytes = frames.bytes(pfn);
        expect(bytes[frames.byteBase + 4]).toBe((pfn + 1) & 0xff);
      }
      // Frames of the same buffer share the view: moving between them allocates nothing.
      expect(frames.words(1)).toBe(frames.words(2));
      expect(frames.words(0) === frames.words(SPARSE_CHUNK_FRAMES)).toBe(backing === 'dense');
    });

    it(`${backing}: zeroes runs across chunk boundaries and copies frames`, () => {
      const space = createFrameSpace({ frames: SPARSE_CHUNK_FRAMES * 3 }, { backing });
      const frames = new FrameWords(space);
      const start = SPARSE_CHUNK_FRAMES - 3;
      const count = SPARSE_CHUNK_FRAMES + 6;
      for (const pfn of [start - 1, start, start + count - 1, start + count]) space.bytes(pfn).fill(7);
      frames.zero(start, count);
      expect(space.bytes(start - 1)[0]).toBe(7);
      expect(space.bytes(start).every((b) => b === 0)).toBe(true);
      expect(space.bytes(start + count - 1).every((b) => b === 0)).toBe(true);
      expect(space.bytes(start + count)[4095]).toBe(7);
      space.bytes(2).set([1, 2, 3]);
      frames.copy(2, SPARSE_CHUNK_FRAMES * 2);
      expect([...space.bytes(SPARSE_CHUNK_FRAMES * 2).subarray(0, 4)]).toEqual([1, 2, 3, 0]);
    });
  }

  it('needs contents', () => {
    expect(() => new FrameWords(createFrameSpace({ frames: 8 }), 'myStore')).toThrowError(
      expect.objectContaining({
        code: 'UNSUPPORTED',
        message: expect.stringContaining("myStore: the frame space has no contents (backing 'none')"),
      }),
    );
  });
});
