import { describe, expect, it, vi } from 'vitest';
import { isFrameError } from '../errors';
import { createFrameSpace } from '../frame-space';
import { TEST_PLUGINS } from './__fixtures__/plugins';
import type { RouterConfig } from './config';
import { RouterConfigSchema } from './config';
import { routerPresets } from './presets';
import { resolveRouterConfig } from './resolve';
import { createRouter } from './router';

const space = createFrameSpace({ frames: 8192 });

/** The message of the INVALID_REQUEST that `config` is refused with. */
function refusal(config: unknown): string {
  try {
    createRouter(space, config as RouterConfig, TEST_PLUGINS);
  } catch (error) {
    expect(isFrameError(error, 'INVALID_REQUEST')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('config was accepted');
}

const bitmapOnly = { name: 'all', strategies: [{ plugin: 'bitmap' }] };

describe('RouterConfigSchema', () => {
  it('accepts every preset', () => {
    for (const preset of Object.values(routerPresets))
      expect(RouterConfigSchema.safeParse(preset).success).toBe(true);
  });

  it('names an unknown plugin and lists the plugins given', () => {
    const message = refusal({
      zones: [{ name: 'all', strategies: [{ plugin: 'bitmap' }, { plugin: 'stak', over: 'bitmap' }] }],
      routes: { single: ['bitmap'] },
    });
    expect(message).toContain(
      "unknown plugin 'stak' (strategy 'stak' in zone 'all'); plugins given: 'stack', 'bitmap', 'hier2m'",
    );
    expect(message).toContain('→ at zones[0].strategies[1].plugin');
  });

  it('names an unknown owner plugin when a cache sits over it (the linux preset without a buddy)', () => {
    const message = refusal(routerPresets.linux);
    expect(message).toContain("unknown plugin 'buddy' (strategy 'buddy' in zone 'DMA')");
  });

  it('refuses overlapping zones, saying which frames they share', () => {
    const message = refusal({
      zones: [
        { name: 'dma', end: 4096, strategies: [{ plugin: 'bitmap' }] },
        { name: 'dma32', start: 4000, end: 8000, strategies: [{ plugin: 'bitmap' }] },
        { name: 'normal', strategies: [{ plugin: 'bitmap' }] },
      ],
      routes: { single: ['bitmap'] },
    });
    expect(message).toContain(
      "zones overlap: 'dma' [0, 4096) and 'dma32' [4000, 8000) share frames [4000, 4096)",
    );
    expect(message).toContain('→ at zones[1].start');
  });

  it('refuses gaps, a missing end and a bounded last zone', () => {
    expect(
      refusal({
        zones: [
          { name: 'low', end: 100, strategies: [{ plugin: 'bitmap' }] },
          { name: 'high', start: 200, strategies: [{ plugin: 'bitmap' }] },
        ],
        routes: { single: ['bitmap'] },
      }),
    ).toContain("no zone covers frames [100, 200) (between 'low' and 'high')");
    expect(
      refusal({
        zones: [bitmapOnly, { name: 'b', strategies: [{ plugin: 'bitmap' }] }],
        routes: { single: ['bitmap'] },
      }),
    ).toContain("zone 'all' needs an end");
    expect(refusal({ zones: [{ ...bitmapOnly, end: 4096 }], routes: { single: ['bitmap'] } })).toContain(
      "no zone covers frames from 4096 up: leave out the last zone's end",
    );
    expect(refusal({ zones: [{ ...bitmapOnly, start: 10 }], routes: { single: ['bitmap'] } })).toContain(
      'no zone covers frames [0, 10)',
    );
  });

  it('refuses a route to a strategy that lacks the capability', () => {
    const zones = [
      {
        name: 'all',
        strategies: [
          { plugin: 'bitmap' },
          { plugin: 'stack', over: 'bitmap' },
          { plugin: 'hier2m', over: 'bitmap', holds: '2mib' },
        ],
      },
    ];
    expect(refusal({ zones, routes: { single: ['stack'], run: ['stack'] } })).toContain(
      "route 'run' sends requests to 'stack' in zone 'all', which lacks the capability: plugin stack cannot allocate runs (capabilities.runs is 'none')",
    );
    expect(refusal({ zones, routes: { single: ['hier2m'] } })).toContain(
      "route 'single' sends requests to 'hier2m' in zone 'all', which lacks the capability: it caches whole 2 MiB blocks",
    );
    expect(refusal({ zones, routes: { single: ['stack'], huge: ['stack'] } })).toContain(
      "route 'huge' sends requests to 'stack'",
    );
    expect(refusal({ zones, routes: { single: ['stack'], below: ['stack'] } })).toContain(
      "route 'below' sends requests to 'stack'",
    );
    const hier2mOwner = [{ name: 'all', strategies: [{ plugin: 'hier2m' }] }];
    expect(refusal({ zones: hier2mOwner, routes: { single: ['hier2m'], run: ['hier2m'] } })).toContain(
      "allocates only 2 MiB runs (capabilities.runs is 'huge'): put it in the huge route",
    );
  });

  it('refuses a cycle in layering, naming the loop', () => {
    const message = refusal({
      zones: [
        {
          name: 'normal',
          strategies: [
            { plugin: 'bitmap' },
            { id: 'a', plugin: 'stack', over: 'b' },
            { id: 'b', plugin: 'stack', over: 'c' },
            { id: 'c', plugin: 'stack', over: 'a' },
          ],
        },
      ],
      routes: { single: ['a'] },
    });
    expect(message).toContain("layering cycle in zone 'normal': 'a' over 'b' over 'c' over 'a'");
    expect(
      refusal({
        zones: [{ name: 'z', strategies: [{ plugin: 'bitmap' }, { plugin: 'stack', over: 'stack' }] }],
        routes: { single: ['stack'] },
      }),
    ).toContain("layering cycle in zone 'z': 'stack' is layered over itself");
  });

  it('refuses layering that leaves a zone without one owner, or over a missing strategy', () => {
    expect(
      refusal({
        zones: [{ name: 'z', strategies: [{ plugin: 'bitmap' }, { plugin: 'stack' }] }],
        routes: { single: ['stack'] },
      }),
    ).toContain(
      "zone 'z' needs exactly one strategy that owns its frames (one without 'over'); it has 'bitmap', 'stack'",
    );
    expect(
      refusal({
        zones: [{ name: 'z', strategies: [{ plugin: 'bitmap' }, { plugin: 'stack', over: 'bitmp' }] }],
        routes: { single: ['stack'] },
      }),
    ).toContain("strategy 'stack' in zone 'z' is layered over 'bitmp', which the zone does not have");
    expect(
      refusal({
        zones: [{ name: 'z', strategies: [{ plugin: 'bitmap', batch: 8 }] }],
        routes: { single: ['bitmap'] },
      }),
    ).toContain("'batch' applies only to a cache");
    expect(
      refusal({
        zones: [
          {
            name: 'z',
            strategies: [{ plugin: 'bitmap' }, { plugin: 'hier2m', over: 'bitmap', takeFreedRuns: true }],
          },
        ],
        routes: { single: ['hier2m'] },
      }),
    ).toContain("'hier2m' in zone 'z' cannot take freed runs: plugin hier2m takes runs back only whole");
  });

  it('refuses caches that cannot move what they hold', () => {
    expect(
      refusal({
        zones: [
          {
            name: 'z',
            strategies: [{ plugin: 'stack' }, { plugin: 'hier2m', over: 'stack', holds: '2mib' }],
          },
        ],
        routes: { single: ['stack'] },
      }),
    ).toContain(
      "'hier2m' in zone 'z' refills 2 MiB blocks from 'stack', but plugin stack cannot allocate runs",
    );
    expect(
      refusal({
        zones: [
          {
            name: 'z',
            strategies: [
              { plugin: 'bitmap' },
              { plugin: 'hier2m', over: 'bitmap', holds: '2mib' },
              { plugin: 'stack', over: 'hier2m' },
            ],
          },
        ],
        routes: { single: ['stack'] },
      }),
    ).toContain("'stack' in zone 'z' caches single frames, but 'hier2m' under it holds whole 2 MiB blocks");
  });

  it('refuses routes to ids and zones that do not exist, and bad plugin options', () => {
    const message = refusal({
      zones: [{ ...bitmapOnly, strategies: [{ plugin: 'bitmap', options: { colour: 'red' } }] }],
      routes: { single: ['bitmap'], run: { use: ['bitmap', 'buddy'], zones: ['all', 'highmem'] } },
    });
    expect(message).toContain("route 'run' uses 'buddy', which no zone has");
    expect(message).toContain("route 'run' tries zone 'highmem', which is not a zone");
    const options = refusal({
      zones: [{ ...bitmapOnly, strategies: [{ plugin: 'bitmap', options: { colour: 'red' } }] }],
      routes: { single: ['bitmap'] },
    });
    expect(options).toContain("bitmap options of 'bitmap' in zone 'all'");
    expect(options).toContain('zones[0].strategies[0].options');
  });

  it('lists every problem at once', () => {
    const message = refusal({
      zones: [
        { name: 'a', end: 10, strategies: [{ plugin: 'bitmap' }] },
        { name: 'a', start: 5, strategies: [{ plugin: 'nope' }] },
      ],
      routes: { single: ['bitmap'] },
    });
    expect(message).toContain("two zones are named 'a'");
    expect(message.split('✖').length).toBeGreaterThan(1);
  });

  it('fills in defaults: batch 64, high 6 batches, 2 MiB caches move one block, highest zone first', () => {
    const resolved = resolveRouterConfig(routerPresets.kernel, TEST_PLUGINS);
    const normal = resolved.zones[2];
    expect(normal).toMatchObject({ name: 'normal', start: 1048576, end: Number.POSITIVE_INFINITY });
    expect(normal.strategies.map((s) => [s.id, s.depth, s.holds, s.batch, s.high])).toEqual([
      ['bitmap', 0, 'frames', 64, 384],
      ['stack', 1, 'frames', 64, 384],
      ['hier2m', 1, '2mib', 1, 8],
    ]);
    expect(resolved.routes.single?.zones).toEqual([2, 1, 0]);
    expect(resolved.routes.batch?.use).toEqual(['stack']);
    expect(resolved.routes.below).toBeNull();
    const custom = resolveRouterConfig(
      {
        zones: [
          { name: 'z', strategies: [{ plugin: 'bitmap' }, { plugin: 'stack', over: 'bitmap', batch: 10 }] },
        ],
        routes: { single: ['stack'] },
      },
      TEST_PLUGINS,
    );
    expect(custom.zones[0].strategies[1]).toMatchObject({ batch: 10, high: 60 });
    expect(custom.routes.huge).toBeNull();
    expect(custom.capabilities.runs).toBe('none');
  });
});

describe('resolveRouterConfig: a config frozen all the way down is parsed once', () => {
  function frozen<T>(value: T): T {
    if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
      Object.freeze(value);
      for (const v of Object.values(value)) frozen(v);
    }
    return value;
  }
  const config = (): RouterConfig => ({
    name: 'again',
    zones: [{ name: 'all', strategies: [{ plugin: 'bitmap' }, { plugin: 'stack', over: 'bitmap' }] }],
    routes: { single: ['stack'], run: ['bitmap'] },
  });

  it('walks the schema once for a frozen config (a preset), and the plugins every time', () => {
    const spy = vi.spyOn(RouterConfigSchema, 'safeParse');
    try {
      const once = frozen(config());
      const first = resolveRouterConfig(once, TEST_PLUGINS);
      const second = resolveRouterConfig(once, TEST_PLUGINS);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(second).toEqual(first);
      // The plugins are still checked: a missing one is refused.
      expect(() => resolveRouterConfig(once, [])).toThrow(/unknown plugin 'bitmap'/);
      // Not frozen, or frozen only at the top: parsed every time, so a change is seen.
      const open = config();
      resolveRouterConfig(open, TEST_PLUGINS);
      resolveRouterConfig(open, TEST_PLUGINS);
      const shallow = Object.freeze(config());
      resolveRouterConfig(shallow, TEST_PLUGINS);
      expect(spy).toHaveBeenCalledTimes(4);
      (shallow.zones[0].strategies as { batch?: number }[])[1].batch = 0;
      expect(refusal(shallow)).toMatch(/batch/);
      // Options that hold a cycle, frozen: walked once each.
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const looped = config();
      (looped.zones[0].strategies[0] as { options?: unknown }).options = { extra: cyclic };
      expect(refusal(frozen(looped))).toMatch(/bitmap options/);
    } finally {
      spy.mockRestore();
    }
  });
});
