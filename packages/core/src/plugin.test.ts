import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createFrameSpace } from './frame-space';
import { definePlugin } from './plugin';
import { createBaselineAllocator } from './testing/baseline';

const plugin = definePlugin({
  name: 'test',
  options: z.object({ batch: z.number().int().positive().default(16) }),
  capabilities: { runs: 'any', below: true, freeRunPiecewise: true },
  create: (space, ranges, options) =>
    Object.assign(createBaselineAllocator(space, ranges), { batch: options.batch }),
});

describe('definePlugin', () => {
  const space = createFrameSpace({
    frames: 100,
    ranges: [
      { start: 0, count: 50 },
      { start: 60, count: 40 },
    ],
  });

  it('fills in defaults and hands the factory validated options', () => {
    expect((plugin.create(space) as unknown as { batch: number }).batch).toBe(16);
    expect((plugin.create(space, undefined, { batch: 4 }) as unknown as { batch: number }).batch).toBe(4);
  });

  it('rejects invalid options with a readable message', () => {
    expect(() => plugin.create(space, undefined, { batch: -1 })).toThrow(/test: invalid options[\s\S]*batch/);
  });

  it('only accepts ranges of usable frames', () => {
    const a = plugin.create(space, [{ start: 60, count: 10 }]);
    expect(a.stats().totalFrames).toBe(10);
    expect(() => plugin.create(space, [{ start: 45, count: 10 }])).toThrow(
      /not a sorted, disjoint run of usable frames/,
    );
    expect(() =>
      plugin.create(space, [
        { start: 60, count: 5 },
        { start: 62, count: 5 },
      ]),
    ).toThrow(/INVALID_REQUEST/);
  });
});
