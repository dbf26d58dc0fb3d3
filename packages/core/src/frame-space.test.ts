import { describe, expect, it } from 'vitest';
import { isFrameError } from './errors';
import { createFrameSpace, fillFrames, SPARSE_CHUNK_FRAMES } from './frame-space';
import { FRAME_SIZE, GiB, MiB, TiB } from './units';

describe('createFrameSpace', () => {
  it('makes every frame usable from a frame count', () => {
    const space = createFrameSpace({ frames: 100 });
    expect(space.frameCount).toBe(100);
    expect(space.ranges).toEqual([{ start: 0, count: 100 }]);
    expect(space.isUsable(0)).toBe(true);
    expect(space.isUsable(99)).toBe(true);
    expect(space.isUsable(100)).toBe(false);
    expect(space.isUsable(-1)).toBe(false);
    expect(space.isUsable(1.5)).toBe(false);
  });

  it('sorts given ranges and joins touching ones, refusing overlaps', () => {
    const space = createFrameSpace({
      frames: 50,
      ranges: [
        { start: 20, count: 5 },
        { start: 1, count: 4 },
        { start: 5, count: 2 },
      ],
    });
    expect(space.ranges).toEqual([
      { start: 1, count: 6 },
      { start: 20, count: 5 },
    ]);
    expect(space.usableFrames).toBe(11);
    expect([0, 1, 6, 7, 19, 20, 24, 25].map((p) => space.isUsable(p))).toEqual([
      false,
      true,
      true,
      false,
      false,
      true,
      true,
      false,
    ]);
    expect(() =>
      createFrameSpace({
        frames: 50,
        ranges: [
          { start: 1, count: 4 },
          { start: 3, count: 2 },
        ],
      }),
    ).toThrow(/overlap/);
    expect(() => createFrameSpace({ frames: 10, ranges: [{ start: 8, count: 4 }] })).toThrow(/passes 10/);
  });

  it('builds usable frames from a boot map, trimmed inward to whole frames', () => {
    const space = createFrameSpace({
      regions: [
        { base: 0, length: 0x9fc00, kind: 'usable' },
        { base: 0x9fc00, length: 0x400, kind: 'reserved' },
        { base: 0x100000, length: 0xbfe88c00 - 0x100000, kind: 'usable' },
      ],
    });
    expect(space.ranges).toEqual([
      { start: 0, count: 0x9f },
      { start: 0x100, count: 0xbfe88 - 0x100 },
    ]);
    expect(space.frameCount).toBe(0xbfe88);
  });

  it('refuses a map without usable memory', () => {
    let error: unknown;
    try {
      createFrameSpace({ regions: [{ base: 0, length: 4096, kind: 'reserved' }] });
    } catch (e) {
      error = e;
    }
    expect(isFrameError(error, 'BAD_BOOT_MAP')).toBe(true);
  });

  it('keeps contents in one buffer for dense and shared backing', () => {
    for (const backing of ['dense', 'shared'] as const) {
      const space = createFrameSpace({ frames: 8 }, { backing });
      space.bytes(3)[5] = 42;
      expect(space.bytes(2, 2)[FRAME_SIZE + 5]).toBe(42);
      expect(space.contentBytes()).toBe(8 * FRAME_SIZE);
      expect(space.bytes(0).buffer instanceof SharedArrayBuffer).toBe(backing === 'shared');
    }
  });

  it('lets a 1 TiB sparse space exist while only touched chunks cost memory', () => {
    const space = createFrameSpace({ frames: TiB / FRAME_SIZE }, { backing: 'sparse' });
    expect(space.contentBytes()).toBe(0);
    space.bytes(2 ** 27)[0] = 7;
    space.bytes(2 ** 27 + 1)[0] = 8;
    expect(space.contentBytes()).toBe(2 * MiB);
    expect(space.bytes(2 ** 27)[0]).toBe(7);
    expect(space.bytes(5)[0]).toBe(0);
    expect(space.contentBytes()).toBe(4 * MiB);
    expect(() => space.bytes(SPARSE_CHUNK_FRAMES - 1, 2)).toThrow(/cross/);
  });

  it('fills frames across sparse chunks', () => {
    const space = createFrameSpace({ frames: 2048 }, { backing: 'sparse' });
    fillFrames(space, 500, 30, 0xab);
    expect(space.bytes(500)[0]).toBe(0xab);
    expect(space.bytes(529)[FRAME_SIZE - 1]).toBe(0xab);
    expect(space.bytes(530)[0]).toBe(0);
  });

  it('has no contents without backing and refuses huge dense spaces', () => {
    const space = createFrameSpace({ frames: 8 });
    expect(space.hasContents).toBe(false);
    expect(() => space.bytes(0)).toThrow(/no contents/);
    expect(() => createFrameSpace({ frames: (8 * GiB) / FRAME_SIZE }, { backing: 'dense' })).toThrow(
      /sparse/,
    );
    expect(() => space.bytes(8)).toThrow(/OUT_OF_RANGE/);
  });
});
