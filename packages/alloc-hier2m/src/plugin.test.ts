import { createFrameSpace, isFrameError, NO_FRAME } from '@framekit/core';
import { describe, expect, it } from 'vitest';
import { createHier2mAllocator, HIER2M_CAPABILITIES, Hier2mOptionsSchema, plugin } from './index';

describe('plugin', () => {
  const space = createFrameSpace({ frames: 8192, ranges: [{ start: 100, count: 8000 }] });

  it('is the hier2m strategy with its capabilities and options', () => {
    expect(plugin.name).toBe('hier2m');
    expect(plugin.capabilities).toEqual({ runs: 'huge', below: true, freeRunPiecewise: false });
    expect(plugin.capabilities).toBe(HIER2M_CAPABILITIES);
    expect(Hier2mOptionsSchema.parse({})).toEqual({ lowLimit: 4096 });
    const a = plugin.create(space);
    expect(a.name).toBe('hier2m');
    expect(a.ranges).toBe(space.ranges);
    expect(a.alloc()).not.toBe(NO_FRAME);
  });

  it('manages a zone: only the ranges it is given', () => {
    const zone = [{ start: 4096, count: 4004 }];
    const a = createHier2mAllocator(space, zone);
    expect(a.stats().totalFrames).toBe(4004);
    expect(a.isFree(100)).toBe(false);
    const frames: number[] = [];
    for (let p = a.alloc(); p !== NO_FRAME; p = a.alloc()) frames.push(p);
    expect(frames).toHaveLength(4004);
    expect(Math.min(...frames)).toBe(4096);
  });

  it('manages nothing when given no ranges', () => {
    const a = createHier2mAllocator(space, []);
    expect(a.alloc()).toBe(NO_FRAME);
    expect(a.allocRun(512, { align: 512 })).toBe(NO_FRAME);
    expect(a.allocBelow(100)).toBe(NO_FRAME);
    expect(a.stats()).toMatchObject({ totalFrames: 0, freeFrames: 0, usedFrames: 0, entries: 0 });
    expect(() => a.free(200)).toThrow(/not managed/);
  });

  it('refuses ranges that are not usable frames of the space', () => {
    for (const ranges of [[{ start: 0, count: 10 }], [{ start: 8000, count: 200 }]]) {
      let thrown: unknown;
      try {
        createHier2mAllocator(space, ranges);
      } catch (error) {
        thrown = error;
      }
      expect(isFrameError(thrown, 'INVALID_REQUEST')).toBe(true);
    }
  });
});
