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

  it('offers createEmpty only when the definition has one, with the same checks', () => {
    expect('createEmpty' in plugin).toBe(false);
    const seen: unknown[] = [];
    const withEmpty = definePlugin({
      name: 'empty-capable',
      options: z.object({ batch: z.number().int().positive().default(16) }),
      capabilities: { runs: 'any', below: true, freeRunPiecewise: true },
      create: (s, ranges) => createBaselineAllocator(s, ranges),
      createEmpty: (s, ranges, options) => {
        seen.push(options);
        const a = createBaselineAllocator(s, ranges);
        for (const r of ranges) a.allocRun(r.count, {});
        return a;
      },
    });
    expect(withEmpty.createEmpty!(space).stats().freeFrames).toBe(0);
    expect(seen).toEqual([{ batch: 16 }]);
    expect(() => withEmpty.createEmpty!(space, undefined, { batch: 0 })).toThrow(
      /empty-capable: invalid options/,
    );
    expect(() => withEmpty.createEmpty!(space, [{ start: 45, count: 10 }])).toThrow(/usable frames/);
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
