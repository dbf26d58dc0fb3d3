import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { FrameAllocator } from '../api';
import { NO_FRAME } from '../api';
import { isFrameError } from '../errors';
import { createFrameSpace } from '../frame-space';
import { definePlugin } from '../plugin';
import { Rng } from '../rng';
import { createBaselineAllocator } from '../testing/baseline';
import { override } from '../testing/broken';
import { bitmapLike, stackLike, TEST_PLUGINS } from './__fixtures__/plugins';
import type { RouterConfig } from './config';
import { DMA_LIMIT_PFN, DMA32_LIMIT_PFN, routerPresets } from './presets';
import { createRouter, type FrameRouter } from './router';

/** 8 GiB of frame numbers with memory in each kernel zone: DMA [256, 4000), DMA32 [8192, 12288), Normal above 4 GiB. */
const NORMAL_START = DMA32_LIMIT_PFN;
function kernelSpace() {
  return createFrameSpace({
    frames: NORMAL_START + 8192,
    ranges: [
      { start: 256, count: 3744 },
      { start: 8192, count: 4096 },
      { start: NORMAL_START, count: 8192 },
    ],
  });
}

function kernelRouter(): FrameRouter {
  return createRouter(kernelSpace(), routerPresets.kernel, TEST_PLUGINS);
}

function strategy(router: FrameRouter, zone: string, id: string) {
  const s = router.zones.find((z) => z.name === zone)?.strategies.find((x) => x.id === id);
  if (s === undefined) throw new Error(`no ${id} in ${zone}`);
  return s;
}

/** The sum of every strategy instance's free frames: cached frames are free in their cache's instance. */
function freeInStrategies(router: FrameRouter): number {
  let n = 0;
  for (const zone of router.zones) for (const s of zone.strategies) n += s.allocator.stats().freeFrames;
  return n;
}

/**
 * Counts the calls to each zone owner's `isFree` (a frame asked alone), and snapshots what a
 * refused call must leave as it was: the stats, each owner's stats, and every frame's `isFree`.
 */
function watchOwners(router: FrameRouter, frames: number) {
  const calls = { isFree: 0 };
  for (const zone of router.zones) {
    const owner = zone.strategies[0].allocator;
    const isFree = owner.isFree.bind(owner);
    owner.isFree = (pfn) => {
      calls.isFree++;
      return isFree(pfn);
    };
  }
  const snapshot = () =>
    JSON.stringify([
      router.stats(),
      router.zones.map((zone) => zone.strategies[0].allocator.stats()),
      Array.from({ length: frames }, (_, pfn) => router.isFree(pfn)),
    ]);
  return { calls, snapshot };
}

function expectThrows(fn: () => unknown, code: Parameters<typeof isFrameError>[1]): string {
  try {
    fn();
  } catch (error) {
    expect(isFrameError(error, code), String(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('did not throw');
}

/** `call` must throw `NOT_ALLOCATED` naming frame `named`, and change nothing `snapshot` sees. */
function expectRefused(snapshot: () => string, call: () => unknown, named: number): void {
  const before = snapshot();
  expect(expectThrows(call, 'NOT_ALLOCATED')).toContain(`frame ${named} `);
  expect(snapshot()).toBe(before);
}

/** 2048 frames in two zones split at frame 1024, each a bitmap with a stack in front; `single` is the single route. */
function twoCachedZones(single: RouterConfig['routes']['single'] = ['stack']): FrameRouter {
  const zone = (name: string, end?: number) => ({
    name,
    end,
    strategies: [{ plugin: 'bitmap' }, { plugin: 'stack', over: 'bitmap', batch: 4, high: 8 }],
  });
  return createRouter(
    createFrameSpace({ frames: 2048 }),
    { name: 'two-cached', zones: [zone('low', 1024), zone('high')], routes: { single, run: ['bitmap'] } },
    TEST_PLUGINS,
  );
}

/**
 * Drives `fast` and `general` (the same zones but for a first one without memory, so that every
 * request takes the general path) with the same random runs below the lowest zone's end
 * (`lowEnd`), frees of them, and misuse there, and expects the same answer or error, usage and
 * cached frames from both. Returns how many runs were held at the end, and how many requests
 * emptied some of the caches (a drain).
 */
function expectSameAsGeneralPath(
  fast: FrameRouter,
  general: FrameRouter,
  lowEnd: number,
  seed: number,
): { held: number; drained: number } {
  const outcome = (router: FrameRouter, op: () => unknown) => {
    try {
      return { value: op(), used: router.stats().usedFrames, cached: router.cachedFrames() };
    } catch (error) {
      return { code: (error as { code?: string }).code, used: router.stats().usedFrames };
    }
  };
  const rng = new Rng(seed);
  const held: [number, number][] = [];
  let drained = 0;
  for (let step = 0; step < 4000; step++) {
    const roll = rng.int(0, 9);
    let op: (router: FrameRouter) => unknown;
    if (roll < 5 || held.length === 0) {
      const count = [1, 1, 2, rng.int(1, 12)][rng.int(0, 3)];
      const below = [lowEnd, lowEnd - 1, lowEnd + 200, rng.int(16001, lowEnd)][rng.int(0, 3)];
      const align = [1, 1, 2, 8][rng.int(0, 3)];
      op = (router) => router.allocRun(count, { below, align });
    } else if (roll < 8) {
      const [pfn, count] = held.splice(rng.int(0, held.length - 1), 1)[0];
      op =
        count === 1 && rng.int(0, 1) === 0
          ? (router) => router.free(pfn)
          : (router) => router.freeRun(pfn, count);
    } else {
      // Misuse inside the low zone: bad arguments, a run not handed out, one freed twice.
      const bad: ((router: FrameRouter) => unknown)[] = [
        (router) => router.allocRun(0, { below: 16300 }),
        (router) => router.allocRun(2, { below: 16300, align: 3 }),
        (router) => router.allocRun(1.5, { below: 16300 }),
        (router) => router.allocRun(1, { below: -4 }),
        (router) => router.allocRun(1, { below: 16200.5 }),
        (router) => router.freeRun(60, 2),
        (router) => router.freeRun(16010, 2),
        (router) => router.freeRun(16100.5, 1),
        (router) => router.freeRun(16150, 0),
        (router) => router.freeRun(lowEnd - 1, 2),
        (router) => router.free(16100.5),
      ];
      op = bad[rng.int(0, bad.length - 1)];
    }
    const cachedBefore = fast.cachedFrames();
    const a = outcome(fast, () => op(fast));
    const b = outcome(general, () => op(general));
    expect(a).toEqual(b);
    if (roll < 5 && (a.cached ?? cachedBefore) < cachedBefore) drained++;
    if (roll < 5 && typeof a.value === 'number' && a.value !== NO_FRAME) {
      const count = a.used - held.reduce((n, [, c]) => n + c, 0);
      held.push([a.value, count]);
    }
  }
  return { held: held.length, drained };
}

describe('zones', () => {
  it('split the usable frames by address and give each zone its own instances', () => {
    const router = kernelRouter();
    expect(router.zones.map((z) => [z.name, z.start, z.end, z.frames])).toEqual([
      ['dma', 0, DMA_LIMIT_PFN, 3744],
      ['dma32', DMA_LIMIT_PFN, DMA32_LIMIT_PFN, 4096],
      ['normal', DMA32_LIMIT_PFN, Number.POSITIVE_INFINITY, 8192],
    ]);
    expect(router.zones[1].ranges).toEqual([{ start: 8192, count: 4096 }]);
    expect(strategy(router, 'dma32', 'bitmap').allocator.ranges).toEqual([{ start: 8192, count: 4096 }]);
    expect(strategy(router, 'dma', 'stack').allocator).not.toBe(
      strategy(router, 'normal', 'stack').allocator,
    );
    expect(router.stats()).toMatchObject({ totalFrames: 16032, freeFrames: 16032, usedFrames: 0 });
  });

  it('split a usable range that straddles a boundary, and a zone without memory has no strategies', () => {
    const space = createFrameSpace({ frames: 20000, ranges: [{ start: 16000, count: 4000 }] });
    const router = createRouter(space, routerPresets.patchwork, TEST_PLUGINS);
    expect(router.zones.map((z) => z.ranges)).toEqual([
      [{ start: 16000, count: 384 }],
      [{ start: 16384, count: 3616 }],
    ]);
    const empty = createRouter(createFrameSpace({ frames: 100 }), routerPresets.patchwork, TEST_PLUGINS);
    expect(empty.zones[1].strategies).toEqual([]);
    expectThrows(() => empty.free(50), 'DOUBLE_FREE');
  });

  it('serve a request with below only from zones that satisfy it, the highest suitable first', () => {
    const router = kernelRouter();
    const inDma32 = router.allocRun(1, { below: DMA32_LIMIT_PFN });
    expect(inDma32).toBeGreaterThanOrEqual(8192);
    expect(inDma32).toBeLessThan(12288);
    const inDma = router.allocRun(4, { below: DMA_LIMIT_PFN });
    expect(inDma).toBeGreaterThanOrEqual(256);
    expect(inDma + 4).toBeLessThanOrEqual(4000);
    expect(inDma32).toBe(8192);
    // DMA32's memory starts at 8192: below 8195, a run of two fits there only as frames 8193–8194.
    expect(router.allocRun(2, { below: 8195 })).toBe(8193);
    // Below 8193 DMA32 is tried (frame 8192 would do) but is taken, so DMA serves.
    expect(router.allocRun(1, { below: 8193 })).toBeLessThan(4000);
    expect(router.explain({ op: 'allocRun', count: 1, below: 8193 }).zoneOrder).toEqual([
      'normal',
      'dma32',
      'dma',
    ]);
    expect(router.allocRun(1, { below: 256 })).toBe(NO_FRAME);
  });

  it('serve a below request from the lowest zone first when the route says so (PatchworkOS searches from 0)', () => {
    const space = createFrameSpace({ frames: 40000, ranges: [{ start: 100, count: 39900 }] });
    const router = createRouter(space, routerPresets.patchwork, TEST_PLUGINS);
    expect(router.allocRun(8, { below: 40000 })).toBe(100);
    expect(router.allocRun(8, { align: 8 })).toBe(112);
  });

  it('hand a below run within a direct lowest zone straight to its owner, with the answers and errors of the general path', () => {
    // The lowest zone (up to 64 MiB) holds 384 usable frames, so it fills and requests spill over.
    const space = () => createFrameSpace({ frames: 40000, ranges: [{ start: 16000, count: 24000 }] });
    const fast = createRouter(space(), routerPresets.patchwork, TEST_PLUGINS);
    // The same router but for a first zone without memory, so that its direct bitmap zone is
    // the second one and requests take the general path.
    const general = createRouter(
      space(),
      {
        ...routerPresets.patchwork,
        zones: [
          { name: 'none', end: 50, strategies: [{ plugin: 'bitmap' }] },
          ...routerPresets.patchwork.zones,
        ],
      },
      TEST_PLUGINS,
    );
    expect(general.zones[1].end).toBe(fast.zones[0].end);
    expect(expectSameAsGeneralPath(fast, general, fast.zones[0].end, 7).held).toBeGreaterThan(10);
  });

  it('hand a below run within a lowest zone with caches to its owner first, with the answers and errors of the general path', () => {
    // The lowest zone (up to 16384) holds 384 usable frames behind a small stack: it fills, its
    // cache holds freed low frames, and requests drain it or spill over.
    const space = () => createFrameSpace({ frames: 40000, ranges: [{ start: 16000, count: 24000 }] });
    const zones: RouterConfig['zones'] = [
      {
        name: 'low',
        end: 16384,
        strategies: [{ plugin: 'bitmap' }, { plugin: 'stack', over: 'bitmap', batch: 2, high: 4 }],
      },
      {
        name: 'high',
        strategies: [{ plugin: 'bitmap' }, { plugin: 'stack', over: 'bitmap', batch: 4, high: 8 }],
      },
    ];
    const routes: RouterConfig['routes'] = { single: ['stack', 'bitmap'], run: ['bitmap'] };
    const fast = createRouter(space(), { name: 'low-cached', zones, routes }, TEST_PLUGINS);
    // The same but for a first zone without memory, so that requests take the general path.
    const general = createRouter(
      space(),
      {
        name: 'low-cached-general',
        zones: [{ name: 'none', end: 50, strategies: [{ plugin: 'bitmap' }] }, ...zones],
        routes,
      },
      TEST_PLUGINS,
    );
    const { held, drained } = expectSameAsGeneralPath(fast, general, 16384, 11);
    expect(held).toBeGreaterThan(10);
    // Some requests found their frames only in the low zone's cache.
    expect(drained).toBeGreaterThan(0);
  });

  it('send a below bound one past the end of the lowest zone the general way, not to that zone alone', () => {
    const space = () => createFrameSpace({ frames: 40000, ranges: [{ start: 16000, count: 24000 }] });
    // patchwork: the lowest zone is direct and runs are served lowest zone first. With it full,
    // below 16385 still fits the first frame of the zone above.
    const patchwork = createRouter(space(), routerPresets.patchwork, TEST_PLUGINS);
    expect(patchwork.allocRun(384, { below: 16384 })).toBe(16000);
    expect(patchwork.allocRun(1, { below: 16385 })).toBe(16384);
    expect(patchwork.stats().usedFrames).toBe(385);
    // A lowest zone with caches, runs served highest zone first: the zone above serves it.
    const cached = createRouter(
      space(),
      {
        name: 'low-cached',
        zones: [
          {
            name: 'low',
            end: 16384,
            strategies: [{ plugin: 'bitmap' }, { plugin: 'stack', over: 'bitmap', batch: 2, high: 4 }],
          },
          { name: 'high', strategies: [{ plugin: 'bitmap' }, { plugin: 'stack', over: 'bitmap' }] },
        ],
        routes: { single: ['stack', 'bitmap'], run: ['bitmap'] },
      },
      TEST_PLUGINS,
    );
    expect(cached.allocRun(1, { below: 16385 })).toBe(16384);
    expect(cached.stats().usedFrames).toBe(1);
  });

  it('never give a run across a zone boundary: each zone is its own allocator, as in Linux', () => {
    const space = createFrameSpace({ frames: 8192, ranges: [{ start: 0, count: 8192 }] });
    const config: RouterConfig = {
      zones: [
        { name: 'low', end: 4096, strategies: [{ plugin: 'bitmap' }] },
        { name: 'high', strategies: [{ plugin: 'bitmap' }] },
      ],
      routes: { single: ['bitmap'], run: ['bitmap'] },
    };
    const router = createRouter(space, config, TEST_PLUGINS);
    expect(router.allocRun(4097)).toBe(NO_FRAME);
    expect(router.allocRun(4096)).toBe(4096);
    expect(router.allocRun(4096)).toBe(0);
    // Frames on both sides can still be freed as one run: it is split at the boundary.
    router.freeRun(4000, 200);
    expect(router.zones[0].strategies[0].allocator.stats().freeFrames).toBe(96);
    expect(router.zones[1].strategies[0].allocator.stats().freeFrames).toBe(104);
    expect(router.stats().freeFrames).toBe(200);
  });
});

describe('routes', () => {
  it('send single frames to the highest zone first and fall back zone by zone', () => {
    const router = kernelRouter();
    const out = new Float64Array(16032);
    expect(router.allocMany(out, 8192)).toBe(true);
    expect(Math.min(...out.subarray(0, 8192))).toBeGreaterThanOrEqual(NORMAL_START);
    const next = router.alloc();
    expect(next).toBeGreaterThanOrEqual(8192);
    expect(next).toBeLessThan(12288);
    expect(router.allocMany(out, 4095)).toBe(true);
    expect(router.alloc()).toBeLessThan(4000);
  });

  it('send 2 MiB requests to hier2m, which refills whole blocks from the zone bitmap', () => {
    const router = kernelRouter();
    const hier2m = strategy(router, 'normal', 'hier2m');
    const pfn = router.allocRun(512, { align: 512 });
    expect(pfn % 512).toBe(0);
    expect(pfn).toBeGreaterThanOrEqual(NORMAL_START);
    expect(hier2m.cachedFrames).toBe(0); // refilled one block, handed it out
    router.freeRun(pfn, 512);
    expect(hier2m.cachedFrames).toBe(512); // a freed 2 MiB block goes back to its cache
    const bitmapFree = strategy(router, 'normal', 'bitmap').allocator.stats().freeFrames;
    expect(router.allocRun(512, { align: 512 })).toBe(pfn);
    expect(strategy(router, 'normal', 'bitmap').allocator.stats().freeFrames).toBe(bitmapFree);
  });

  it('serve a plain 2 MiB request from the block cache and take it back there, as the general path does', () => {
    // The same ops on two kernel routers: plain requests (the block cache's own path) and
    // requests with a `below` every frame satisfies (the general path). Every answer and every
    // count must agree, the caches' included, and misuse must still be refused.
    // Memory throughout (4 GiB + 32 MiB), so the zones' trackers keep 2 MiB pages in their lane.
    const dense = () =>
      createRouter(
        createFrameSpace({
          frames: NORMAL_START + 8192,
          ranges: [{ start: 256, count: NORMAL_START + 7936 }],
        }),
        routerPresets.kernel,
        TEST_PLUGINS,
      );
    const plain = dense();
    const general = dense();
    const everywhere = { align: 512, below: NORMAL_START + 8192 };
    const rng = new Rng(5);
    const held: number[] = [];
    for (let step = 0; step < 400; step++) {
      // Phases of mostly allocating and mostly freeing, so the caches empty, refill and spill.
      const filling = Math.floor(step / 50) % 2 === 0;
      if (held.length < 24 && (held.length === 0 || rng.chance(filling ? 0.8 : 0.2))) {
        const a = plain.allocRun(512, { align: 512 });
        expect(general.allocRun(512, everywhere)).toBe(a);
        if (a !== NO_FRAME) held.push(a);
      } else {
        const [page] = held.splice(rng.int(0, held.length - 1), 1);
        if (rng.chance(0.2)) {
          // One frame first (the owner takes pages back piecewise), then the rest in pieces.
          for (const r of [plain, general]) {
            r.free(page + 3);
            r.freeRun(page, 3);
            r.freeRun(page + 4, 508);
          }
        } else {
          plain.freeRun(page, 512);
          general.freeRun(page, 512);
          expectThrows(() => plain.freeRun(page, 512), 'NOT_ALLOCATED');
        }
      }
      expect(plain.stats()).toEqual(general.stats());
      for (const zone of ['normal', 'dma32']) {
        const cached = strategy(plain, zone, 'hier2m').cachedFrames;
        expect(cached).toBe(strategy(general, zone, 'hier2m').cachedFrames);
        // Frees take the same path on both: a cache above its high mark (8 blocks) must spill.
        expect(cached).toBeLessThanOrEqual(8 * 512);
      }
    }
  });

  it('fall back to the next strategy when the first choice is exhausted', () => {
    const router = kernelRouter();
    // Normal holds 16 blocks; a 17th 2 MiB page comes from DMA32 (the next zone), all through hier2m caches.
    const blocks: number[] = [];
    for (let i = 0; i < 24; i++) blocks.push(router.allocRun(512, { align: 512 }));
    expect(blocks.slice(0, 16).every((b) => b >= NORMAL_START)).toBe(true);
    expect(blocks.slice(16, 24).every((b) => b >= 8192 && b < 12288)).toBe(true);
    // DMA's 256…4000 holds 6 aligned blocks (512 … 3584).
    expect(router.allocRun(512, { align: 512 })).toBe(512);
  });

  it('hand a plain 2 MiB request straight to a sole owner, and a recorded 2 MiB page back in O(1), checks intact', () => {
    // z903: one zone, hier2m alone; the page comes from the owner and is counted.
    const z903 = createRouter(kernelSpace(), routerPresets.z903, TEST_PLUGINS);
    const owner = z903.zones.find((z) => z.frames > 0)!.strategies[0].allocator;
    const page = z903.allocRun(512, { align: 512 });
    expect(page % 512).toBe(0);
    expect(owner.isFree(page)).toBe(false);
    expect(z903.stats().usedFrames).toBe(512);
    const low = z903.allocRun(512, { align: 512, below: 4096 }); // with below: the general path
    expect(low !== page && low % 512 === 0 && low + 512 <= 4096).toBe(true);
    expect(z903.stats().usedFrames).toBe(1024);
    z903.freeRun(page, 512);
    z903.freeRun(low, 512);
    expect(z903.stats().usedFrames).toBe(0);
    expectThrows(() => z903.freeRun(page, 512), 'NOT_ALLOCATED');

    // kernel: a run recorded whole is found before the argument checks; anything else still gets them.
    const kernel = kernelRouter();
    const huge = kernel.allocRun(512, { align: 512 });
    const before = kernel.stats();
    expectThrows(() => kernel.freeRun(huge + 0.5, 512), 'INVALID_REQUEST');
    expectThrows(() => kernel.freeRun(-512, 512), 'OUT_OF_RANGE');
    expectThrows(() => kernel.freeRun(huge, 512.5), 'INVALID_REQUEST');
    expect(kernel.stats()).toEqual(before);
    kernel.freeRun(huge, 512);
    expect(kernel.stats().usedFrames).toBe(0);
    expectThrows(() => kernel.freeRun(huge, 512), 'NOT_ALLOCATED');
    // The zone's owner (a bitmap) takes runs back piecewise: a half is not the recorded run, and
    // goes the general way.
    const again = kernel.allocRun(512, { align: 512 });
    kernel.freeRun(again, 256);
    kernel.freeRun(again + 256, 256);
    expect(kernel.stats().usedFrames).toBe(0);
  });

  it('serve a batch from the first step straight into out, else gather it across zones, out untouched on failure', () => {
    const router = kernelRouter();
    const out = new Float64Array(16040).fill(-7);
    expect(router.allocMany(out, 64)).toBe(true);
    expect(out.subarray(0, 64).every((p) => p >= NORMAL_START)).toBe(true);
    expect(out[64]).toBe(-7);
    router.freeMany(out, 64);
    expectThrows(() => router.freeMany(out, 1), 'DOUBLE_FREE');
    // More than Normal holds: the rest comes from DMA32, in one call.
    expect(router.allocMany(out, 9000)).toBe(true);
    expect(out[0]).toBeGreaterThanOrEqual(NORMAL_START);
    expect(out[8999]).toBeLessThan(NORMAL_START);
    expect(router.stats().usedFrames).toBe(9000);
    const copy = Float64Array.from(out);
    expect(router.allocMany(out, 16032 - 9000 + 1)).toBe(false);
    expect(out).toEqual(copy);
    router.freeMany(out, 9000);
    expect(router.stats().usedFrames).toBe(0);
  });

  it('give back every frame a failed batch gathered, when the batch route cannot reach all free frames', () => {
    // The batch route is the stack of the upper zone only; the lower zone's 1024 frames are free
    // but out of its reach, so a batch of 1500 passes the free-frame count and then fails.
    const router = createRouter(
      createFrameSpace({ frames: 2048 }),
      {
        name: 'batch-upper-only',
        zones: [
          { name: 'low', end: 1024, strategies: [{ plugin: 'bitmap' }] },
          {
            name: 'high',
            strategies: [{ plugin: 'bitmap' }, { plugin: 'stack', over: 'bitmap', batch: 4, high: 8 }],
          },
        ],
        routes: { single: ['stack'], run: ['bitmap'] },
      },
      TEST_PLUGINS,
    );
    const out = new Float64Array(1500).fill(-7);
    expect(router.allocMany(out, 1500)).toBe(false);
    expect(out.every((p) => p === -7)).toBe(true);
    expect(router.stats()).toMatchObject({ usedFrames: 0, freeFrames: 2048 });
    expect(freeInStrategies(router)).toBe(2048);
    // Every frame of the upper zone is still there to be handed out.
    expect(router.allocMany(out, 1024)).toBe(true);
    expect(new Set(out.subarray(0, 1024)).size).toBe(1024);
    expect(Math.min(...out.subarray(0, 1024))).toBe(1024);
    expect(router.stats().usedFrames).toBe(1024);
  });

  it('free a run of one like a single frame, and still call a second freeRun NOT_ALLOCATED', () => {
    const router = kernelRouter();
    const low = router.allocRun(1, { below: 4000 });
    const single = router.alloc();
    expect(low).toBeLessThan(4000);
    router.freeRun(low, 1);
    router.freeRun(single, 1);
    expect(router.stats().usedFrames).toBe(0);
    expect(router.isFree(low) && router.isFree(single)).toBe(true);
    expectThrows(() => router.freeRun(low, 1), 'NOT_ALLOCATED');
    expectThrows(() => router.free(single), 'DOUBLE_FREE');
    // A frame of a 2 MiB page: the zone's owner (a bitmap) takes it back alone, once.
    const page = router.allocRun(512, { align: 512 });
    router.freeRun(page + 3, 1);
    expect(router.stats().usedFrames).toBe(511);
    expectThrows(() => router.freeRun(page + 3, 1), 'NOT_ALLOCATED');
    router.freeRun(page, 3);
    router.freeRun(page + 4, 508);
    expect(router.stats().usedFrames).toBe(0);
  });

  it('throw UNSUPPORTED for a run no route serves, after the argument checks', () => {
    const z903 = createRouter(kernelSpace(), routerPresets.z903, TEST_PLUGINS);
    expectThrows(() => z903.allocRun(3), 'UNSUPPORTED');
    expectThrows(() => z903.allocRun(0), 'INVALID_REQUEST');
    expectThrows(() => z903.allocRun(512, { align: 3 }), 'INVALID_REQUEST');
    expect(z903.allocRun(512, { align: 512 }) % 512).toBe(0);
  });
});

describe('layering', () => {
  it('refills a batch into an empty front cache', () => {
    const router = kernelRouter();
    const stack = strategy(router, 'normal', 'stack');
    expect(stack.cachedFrames).toBe(0);
    router.alloc();
    expect(stack.cachedFrames).toBe(63);
    expect(router.stats().freeFrames).toBe(16031);
    expect(freeInStrategies(router)).toBe(16031);
  });

  it('refills a front cache the moment an alloc empties it, so frames coming and going one at a time never find it empty', () => {
    const router = kernelRouter();
    const stack = strategy(router, 'normal', 'stack');
    const held: number[] = [];
    for (let i = 0; i < 64; i++) held.push(router.alloc()); // the 64th empties the first batch
    expect(stack.cachedFrames).toBe(64);
    for (let i = 0; i < 100; i++) {
      router.free(held[i % 64]);
      expect(stack.cachedFrames).toBe(65);
      held[i % 64] = router.alloc();
      expect(stack.cachedFrames).toBe(64);
    }
    expect(router.stats()).toMatchObject({ usedFrames: 64, freeFrames: 16032 - 64 });
  });

  it('takes every freed frame into the front cache of its zone', () => {
    const router = kernelRouter();
    const dmaFrame = router.allocRun(1, { below: DMA_LIMIT_PFN });
    const dmaStack = strategy(router, 'dma', 'stack');
    const normalStack = strategy(router, 'normal', 'stack');
    router.free(dmaFrame);
    expect(dmaStack.cachedFrames).toBe(1);
    expect(normalStack.cachedFrames).toBe(0);
    expect(dmaStack.allocator.isFree(dmaFrame)).toBe(true);
    expect(router.isFree(dmaFrame)).toBe(true);
  });

  it("keeps at most one frame in the DMA zone's stack (kernel and linux): Linux's DMA list keeps none", () => {
    // A stand-in for the buddy: the linux preset names it.
    const buddyLike = definePlugin({
      name: 'buddy',
      options: z.strictObject({}),
      capabilities: bitmapLike.capabilities,
      create: (space, ranges) => bitmapLike.create(space, ranges, {}),
    });
    const cases = [
      [routerPresets.kernel, TEST_PLUGINS, 'bitmap'],
      [routerPresets.linux, [stackLike, buddyLike], 'buddy'],
    ] as const;
    for (const [preset, plugins, ownerId] of cases) {
      const router = createRouter(kernelSpace(), preset, plugins);
      const dma = router.zones[0].name;
      const stack = strategy(router, dma, 'stack');
      const owner = strategy(router, dma, ownerId);
      const stackConfig = (zone: number) => preset.zones[zone].strategies.find((x) => x.plugin === 'stack');
      expect(stackConfig(0)).toMatchObject({ batch: 1, high: 1 });
      expect(stackConfig(2)?.high).toBeGreaterThan(300);
      const frames = Array.from({ length: 10 }, () => router.allocRun(1, { below: DMA_LIMIT_PFN }));
      for (const pfn of frames) router.free(pfn);
      // Freed DMA frames go back to the owner, but one: there `below` requests find them.
      expect(stack.cachedFrames).toBeLessThanOrEqual(1);
      expect(owner.allocator.stats().freeFrames + stack.cachedFrames).toBe(router.zones[0].frames);
      const inOwner = frames.filter((pfn) => !stack.allocator.isFree(pfn));
      expect(inOwner.length).toBeGreaterThanOrEqual(frames.length - 1);
      expect(router.allocRun(1, { below: DMA_LIMIT_PFN })).toBe(Math.min(...inOwner));
    }
  });

  it('spills a batch back above the high mark', () => {
    const router = kernelRouter();
    const stack = strategy(router, 'normal', 'stack');
    const bitmap = strategy(router, 'normal', 'bitmap');
    const out = new Float64Array(1000);
    router.allocMany(out, 1000);
    expect(stack.cachedFrames).toBe(24); // 16 batches of 64 came in, 1000 went out
    router.freeMany(out, 384 - 24);
    expect(stack.cachedFrames).toBe(384);
    router.free(out[360]);
    expect(stack.cachedFrames).toBe(385 - 64);
    expect(bitmap.allocator.stats().freeFrames).toBe(8192 - 1024 + 64);
    router.freeMany(out.subarray(361), 639);
    expect(stack.cachedFrames).toBeLessThanOrEqual(384);
    expect(router.stats().freeFrames).toBe(16032);
    expect(freeInStrategies(router)).toBe(16032);
  });

  it('gives the frames of freed runs, short and recorded whole, to a cache with takeFreedRuns', () => {
    const router = createRouter(
      createFrameSpace({ frames: 4096 }),
      {
        name: 'take-freed-runs',
        zones: [
          {
            name: 'all',
            strategies: [
              { plugin: 'bitmap' },
              { plugin: 'stack', over: 'bitmap', batch: 4, high: 'unbounded', takeFreedRuns: true },
            ],
          },
        ],
        routes: { single: ['stack'], run: ['bitmap'] },
      },
      TEST_PLUGINS,
    );
    const stack = strategy(router, 'all', 'stack');
    const short = router.allocRun(10); // per-frame bits
    const long = router.allocRun(100); // recorded whole
    expect(router.stats().usedFrames).toBe(110);
    router.freeRun(short, 10);
    expect(stack.cachedFrames).toBe(10);
    router.freeRun(long, 100);
    expect(stack.cachedFrames).toBe(110);
    expect(stack.allocator.isFree(long + 99)).toBe(true);
    expect(router.stats().usedFrames).toBe(0);
    expect(freeInStrategies(router)).toBe(4096);
    expectThrows(() => router.freeRun(long, 100), 'NOT_ALLOCATED');
  });

  it('drains the caches when a run cannot be found, so cached frames never make a run fail', () => {
    const space = createFrameSpace({ frames: 3000, ranges: [{ start: 0, count: 3000 }] });
    const router = createRouter(space, routerPresets.kernel, TEST_PLUGINS);
    const out = new Float64Array(3000);
    // Every frame out and back in: the stack ends up holding frames spread over the zone.
    expect(router.allocMany(out, 3000)).toBe(true);
    router.freeMany(out, 3000);
    expect(router.cachedFrames()).toBeGreaterThan(0);
    expect(router.explain({ op: 'allocRun', count: 3000 }).drainsCaches).toBe(true);
    expect(router.allocRun(3000)).toBe(0);
    expect(router.cachedFrames()).toBe(0);
    router.freeRun(0, 3000);
    expect(router.stats().freeFrames).toBe(3000);
  });

  it('drains 2 MiB blocks back when single frames run out', () => {
    const space = createFrameSpace({ frames: 2048 });
    const router = createRouter(space, routerPresets.kernel, TEST_PLUGINS);
    const blocks = [0, 1, 2, 3].map(() => router.allocRun(512, { align: 512 }));
    for (const b of blocks) router.freeRun(b, 512);
    const hier2m = strategy(router, 'dma', 'hier2m');
    expect(hier2m.cachedFrames).toBe(2048);
    const out = new Float64Array(2048);
    expect(router.allocMany(out, 2048)).toBe(true);
    expect(hier2m.cachedFrames).toBe(0);
    expect(router.alloc()).toBe(NO_FRAME);
  });

  it('sends freed runs to the owner (the patchwork preset too: its bitmap keeps freed runs for later runs)', () => {
    const kernel = kernelRouter();
    const run = kernel.allocRun(8, { below: DMA_LIMIT_PFN });
    kernel.freeRun(run, 8);
    expect(strategy(kernel, 'dma', 'stack').cachedFrames).toBe(0);
    const patchwork = createRouter(
      createFrameSpace({ frames: 20000, ranges: [{ start: 16000, count: 4000 }] }),
      routerPresets.patchwork,
      TEST_PLUGINS,
    );
    const out = new Float64Array(4000);
    patchwork.allocMany(out, 4000);
    patchwork.freeRun(16380, 20);
    expect(strategy(patchwork, 'stack', 'stack').cachedFrames).toBe(0);
    expect(strategy(patchwork, 'stack', 'bitmap').allocator.stats().freeFrames).toBe(16);
    expect(strategy(patchwork, 'bitmap', 'bitmap').allocator.stats().freeFrames).toBe(4);
    // A later run finds the freed one whole, without draining the stack.
    expect(patchwork.allocRun(16)).toBe(16384);
  });

  it('chains caches: a cache over a cache refills through it', () => {
    const config: RouterConfig = {
      zones: [
        {
          name: 'all',
          strategies: [
            { plugin: 'bitmap' },
            { id: 'l2', plugin: 'stack', over: 'bitmap', batch: 16, high: 32 },
            { id: 'l1', plugin: 'stack', over: 'l2', batch: 4, high: 8 },
          ],
        },
      ],
      routes: { single: ['l1'], run: ['bitmap'] },
    };
    const router = createRouter(createFrameSpace({ frames: 1024 }), config, TEST_PLUGINS);
    router.alloc();
    expect(strategy(router, 'all', 'l1').cachedFrames).toBe(3);
    expect(strategy(router, 'all', 'l2').cachedFrames).toBe(12);
    expect(router.drainCaches()).toBe(15);
    expect(strategy(router, 'all', 'bitmap').allocator.stats().freeFrames).toBe(1023);
  });
});

describe('freeing', () => {
  it('finds the owning zone without asking the other zones', () => {
    const router = kernelRouter();
    const pfn = router.alloc();
    const others: FrameAllocator[] = router.zones
      .filter((z) => z.name !== 'normal')
      .flatMap((z) => z.strategies.map((s) => s.allocator));
    const spies = others.flatMap((a) => [vi.spyOn(a, 'isFree'), vi.spyOn(a, 'free')]);
    router.free(pfn);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('refuses (NOT_ALLOCATED) to free a frame inside a run that its zone takes back only whole, changing nothing', () => {
    const space = createFrameSpace({ frames: 4096 });
    const router = createRouter(space, routerPresets.z903, TEST_PLUGINS);
    const run = router.allocRun(512, { align: 512 });
    const single = router.alloc();
    // z903 is one direct zone: the owner's own check answers, as it would alone.
    const message = expectThrows(() => router.free(run + 5), 'NOT_ALLOCATED');
    expect(message).toContain(`${run + 5} is inside a 2 MiB run`);
    expectThrows(() => router.freeMany([single, run + 7], 2), 'NOT_ALLOCATED');
    expectThrows(() => router.freeRun(run, 511), 'NOT_ALLOCATED');
    expect(router.isFree(single)).toBe(false);
    expect(router.stats().usedFrames).toBe(513);
    router.freeRun(run, 512);
    router.free(single);
    expect(router.stats().usedFrames).toBe(0);
  });

  it('leaves a direct zone (its owner alone) to its owner: no bits of its own, the owner checks each free', () => {
    const space = createFrameSpace({ frames: 4096 });
    const router = createRouter(space, routerPresets.z903, TEST_PLUGINS);
    const owner = router.zones[0].strategies[0].allocator;
    const before = router.stats().metadataBytes;
    const run = router.allocRun(512, { align: 512 });
    const single = router.alloc();
    const free = vi.spyOn(owner, 'free');
    const freeRun = vi.spyOn(owner, 'freeRun');
    router.free(single);
    router.freeRun(run, 512);
    expect(free).toHaveBeenCalledWith(single);
    expect(freeRun).toHaveBeenCalledWith(run, 512);
    expect(router.stats().metadataBytes).toBe(before);
    expectThrows(() => router.free(single), 'DOUBLE_FREE');
    expectThrows(() => router.free(4096), 'OUT_OF_RANGE');
    expectThrows(() => router.free(0.5), 'INVALID_REQUEST');
    expect(router.stats().usedFrames).toBe(0);
  });

  it('checks a batch and a run across a direct zone and a cached zone before freeing any of it', () => {
    // PatchworkOS: the bitmap zone below 64 MiB is direct, the stack zone above has a cache.
    const limit = 16384;
    const router = createRouter(
      createFrameSpace({ frames: limit + 4096 }),
      routerPresets.patchwork,
      TEST_PLUGINS,
    );
    const low = router.allocRun(4, { below: limit });
    const high = router.alloc();
    expect(low).toBeLessThan(limit);
    expect(high).toBeGreaterThanOrEqual(limit);
    const snapshot = () => [
      router.stats().usedFrames,
      router.isFree(low),
      router.isFree(high),
      router.isFree(low + 1),
    ];
    const before = snapshot();
    // A direct frame listed twice, a free direct frame, a hole: each refused, nothing freed.
    expectThrows(() => router.freeMany([high, low, low], 3), 'DOUBLE_FREE');
    expectThrows(() => router.freeMany([high, low + 10], 2), 'DOUBLE_FREE');
    expectThrows(() => router.freeMany([low, high, -1], 3), 'OUT_OF_RANGE');
    // A bad cached frame found before the batch reaches the direct zone: judged across zones too.
    expectThrows(() => router.freeMany([high, high, low], 3), 'DOUBLE_FREE');
    expectThrows(() => router.freeMany([high + 5, low], 2), 'DOUBLE_FREE');
    expect(snapshot()).toEqual(before);
    // A run across the zone boundary whose cached part is handed out but whose direct part is free.
    expect(high).toBe(limit);
    expectThrows(() => router.freeRun(limit - 2, 3), 'NOT_ALLOCATED');
    expect(snapshot()).toEqual(before);
    router.freeMany([low + 1, high, low], 3);
    router.freeRun(low + 2, 2);
    expect(router.stats().usedFrames).toBe(0);
    expect(router.isFree(low)).toBe(true);
    expect(router.isFree(high)).toBe(true);
  });

  it('frees a run across the PatchworkOS boundary whole and in pieces, its direct part checked by the owner, never a frame at a time', () => {
    const limit = 16384;
    const router = createRouter(
      createFrameSpace({ frames: 20000, ranges: [{ start: 16000, count: 4000 }] }),
      routerPresets.patchwork,
      TEST_PLUGINS,
    );
    const owner = strategy(router, 'bitmap', 'bitmap').allocator;
    const above = strategy(router, 'stack', 'bitmap').allocator;
    const isFree = vi.spyOn(owner, 'isFree');
    const freeRun = vi.spyOn(owner, 'freeRun');
    // [16000, 17000): 384 frames of the direct bitmap zone, 616 of the stack zone above 64 MiB.
    const take = () => {
      expect(router.allocRun(384, { below: limit })).toBe(16000);
      expect(router.allocRun(616)).toBe(limit);
      expect(router.stats().usedFrames).toBe(1000);
    };
    take();
    router.freeRun(16000, 1000);
    expect(freeRun).toHaveBeenCalledWith(16000, 384);
    expect(router.stats().usedFrames).toBe(0);
    expect(owner.stats().freeFrames).toBe(384);
    expect(above.stats().freeFrames).toBe(3616);
    take();
    router.freeRun(16300, 200);
    router.freeRun(16000, 300);
    router.freeRun(16500, 500);
    expect(router.stats().usedFrames).toBe(0);
    expect(isFree).not.toHaveBeenCalled();
    // Partly free runs are refused, naming the lowest frame not handed out, and change nothing.
    take();
    const snapshot = () =>
      JSON.stringify([
        router.stats(),
        owner.stats(),
        above.stats(),
        router.cachedFrames(),
        Array.from({ length: 1100 }, (_, i) => router.isFree(15950 + i)),
      ]);
    router.free(16100);
    let before = snapshot();
    freeRun.mockClear();
    expect(expectThrows(() => router.freeRun(16000, 1000), 'NOT_ALLOCATED')).toContain('frame 16100 ');
    // The owner was asked and refused; the part above was not freed.
    expect(freeRun).toHaveBeenCalledTimes(1);
    expect(snapshot()).toBe(before);
    router.free(16500);
    before = snapshot();
    expect(expectThrows(() => router.freeRun(16000, 1000), 'NOT_ALLOCATED')).toContain('frame 16100 ');
    expect(expectThrows(() => router.freeRun(16200, 800), 'NOT_ALLOCATED')).toContain('frame 16500 ');
    expect(expectThrows(() => router.freeRun(16101, 500), 'NOT_ALLOCATED')).toContain('frame 16500 ');
    expectThrows(() => router.freeRun(15990, 400), 'NOT_USABLE');
    expect(snapshot()).toBe(before);
    // The rest, in pieces around the freed frames, across the boundary.
    isFree.mockClear();
    router.freeRun(16101, 399);
    router.freeRun(16000, 100);
    router.freeRun(16501, 499);
    expect(isFree).not.toHaveBeenCalled();
    expect(router.stats().usedFrames).toBe(0);
    expect(router.stats().freeFrames).toBe(freeInStrategies(router));
  });

  it('frees frames handed out one by one as one run, where the owner takes runs back only whole, a batch at a time, each frame where frame by frame would put it', () => {
    for (const [batch, high] of [
      [4, 8],
      [1, 2],
    ]) {
      const config: RouterConfig = {
        zones: [
          { name: 'low', end: 1024, strategies: [{ plugin: 'hier2m' }] },
          {
            name: 'high',
            strategies: [{ plugin: 'hier2m' }, { plugin: 'stack', over: 'hier2m', batch, high }],
          },
        ],
        routes: { single: ['stack', 'hier2m'], huge: ['hier2m'] },
      };
      const make = () => {
        const router = createRouter(createFrameSpace({ frames: 4096 }), config, TEST_PLUGINS);
        const out = new Float64Array(300);
        expect(router.allocMany(out, 300)).toBe(true);
        expect([Math.min(...out), Math.max(...out)]).toEqual([1024, 1323]);
        return router;
      };
      const state = (router: FrameRouter) =>
        JSON.stringify([
          router.stats(),
          router.zones.map((z) =>
            z.strategies.map((x) => [
              x.cachedFrames,
              Array.from({ length: 4096 }, (_, i) => x.allocator.isFree(i)),
            ]),
          ),
        ]);
      const batched = make();
      const stack = strategy(batched, 'high', 'stack').allocator;
      const owner = strategy(batched, 'high', 'hier2m').allocator;
      const free = [vi.spyOn(stack, 'free'), vi.spyOn(owner, 'free')];
      const freeMany = vi.spyOn(stack, 'freeMany');
      batched.freeRun(1034, 200);
      for (const spy of free) expect(spy).not.toHaveBeenCalled();
      expect(freeMany.mock.calls.length).toBeLessThan(200 / 3);
      // The same frames freed one at a time, as this path did before.
      const oneByOne = make();
      for (let pfn = 1034; pfn < 1234; pfn++) oneByOne.freeRun(pfn, 1);
      expect(state(batched)).toBe(state(oneByOne));
      expect(batched.stats().usedFrames).toBe(100);
      expectThrows(() => batched.freeRun(1030, 10), 'NOT_ALLOCATED');
      expect(state(batched)).toBe(state(oneByOne));
    }
  });

  it('records runs whole and turns one into per-frame bits when part of it is freed (piecewise owners)', () => {
    const router = kernelRouter();
    const a = router.allocRun(512, { align: 512 });
    const b = router.allocRun(40);
    const c = router.allocRun(8);
    expect([a, b, c].every((p) => p !== NO_FRAME)).toBe(true);
    const used = router.stats().usedFrames;
    // A frame inside a run, then a piece, then a batch that reaches into another run.
    router.free(a + 5);
    expect(router.isFree(a + 5)).toBe(true);
    expect(router.isFree(a + 4)).toBe(false);
    expectThrows(() => router.free(a + 5), 'DOUBLE_FREE');
    router.freeRun(a + 100, 12);
    router.freeMany([b + 39, c + 1, a + 6], 3);
    expect(router.stats().usedFrames).toBe(used - 16);
    // A piece that still holds a freed frame is refused whole, and nothing changes.
    expectThrows(() => router.freeRun(a, 8), 'NOT_ALLOCATED');
    expect(router.isFree(a)).toBe(false);
    expect(router.stats().usedFrames).toBe(used - 16);
    // The rest, in pieces that cross what was freed, and a whole run freed at once.
    router.freeRun(a, 5);
    router.freeRun(a + 7, 93);
    router.freeRun(a + 112, 400);
    router.freeRun(b, 39);
    router.free(c);
    router.freeRun(c + 2, 6);
    expect(router.stats().usedFrames).toBe(0);
    expect(router.stats().freeFrames).toBe(freeInStrategies(router));
  });

  it('keeps short runs of a piecewise zone as per-frame bits: freed whole, in pieces, never twice', () => {
    const router = kernelRouter();
    // 64 frames and fewer are bits; 65 is recorded whole.
    const runs = [1, 2, 8, 33, 64, 65].map((n) => ({ n, pfn: router.allocRun(n) }));
    expect(runs.every((r) => r.pfn !== NO_FRAME)).toBe(true);
    const used = router.stats().usedFrames;
    let freed = 0;
    for (const { n, pfn } of runs) {
      router.freeRun(pfn, n);
      freed += n;
      // Freed again: refused, and nothing changes.
      expectThrows(() => router.freeRun(pfn, n), 'NOT_ALLOCATED');
      expect(router.stats().usedFrames).toBe(used - freed);
    }
    // A short run with one frame freed alone: the rest is refused whole, then freed in pieces.
    const short = router.allocRun(20);
    router.free(short + 7);
    expectThrows(() => router.freeRun(short, 20), 'NOT_ALLOCATED');
    expect(router.isFree(short)).toBe(false);
    expect(router.isFree(short + 7)).toBe(true);
    router.freeRun(short, 7);
    router.freeRun(short + 8, 12);
    expect(router.stats().usedFrames).toBe(0);
    expect(router.stats().freeFrames).toBe(freeInStrategies(router));
  });

  it('frees a run across zones in one call, each part to its own zone', () => {
    const router = kernelRouter();
    const out = new Float64Array(16032);
    router.allocMany(out, 16032);
    expectThrows(() => router.freeRun(3990, 20), 'NOT_USABLE');
    router.freeRun(3000, 1000);
    expect(strategy(router, 'dma', 'bitmap').allocator.stats().freeFrames).toBe(1000);
    expectThrows(() => router.freeRun(3500, 2), 'NOT_ALLOCATED');
    expectThrows(() => router.free(3500), 'DOUBLE_FREE');
  });

  it("takes a freed frame at the end of the single route's cache zone into the cache of its own zone", () => {
    // The single route tries the lower zone first: its stack is the cache of the free fast path.
    const router = twoCachedZones({ use: ['stack'], zones: 'lowest-first' });
    const low = strategy(router, 'low', 'stack');
    const high = strategy(router, 'high', 'stack');
    const pfn = router.allocRun(1, { below: 1025 });
    expect(pfn).toBe(1024);
    router.free(pfn);
    expect(high.cachedFrames).toBe(1);
    expect(low.cachedFrames).toBe(0);
    expect(high.allocator.isFree(1024)).toBe(true);
    expect(router.isFree(1024)).toBe(true);
    expectThrows(() => router.free(pfn), 'DOUBLE_FREE');
    expect(router.alloc()).toBeLessThan(1024);
  });

  it('frees a batch and a short run across the boundary of two adjacent cached zones, each frame to its own zone', () => {
    const full = () => {
      const router = twoCachedZones();
      expect(router.allocMany(new Float64Array(2048), 2048)).toBe(true);
      return router;
    };
    const owners = (router: FrameRouter) =>
      ['low', 'high'].map((zone) => [
        strategy(router, zone, 'bitmap').allocator.stats().freeFrames,
        strategy(router, zone, 'stack').cachedFrames,
      ]);
    // A batch whose second frame is the first frame of the upper zone.
    const batched = full();
    batched.freeMany([1000, 1024], 2);
    expect(owners(batched)).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expectThrows(() => batched.freeMany([1001, 1024], 2), 'DOUBLE_FREE');
    expect(batched.stats().usedFrames).toBe(2046);
    // A run of 8 frames handed out one by one (per-frame bits on both sides of the boundary).
    const run = full();
    run.freeRun(1020, 8);
    expect(owners(run)).toEqual([
      [4, 0],
      [4, 0],
    ]);
    expect(run.stats().usedFrames).toBe(2040);
    expect(freeInStrategies(run)).toBe(8);
    expectThrows(() => run.freeRun(1020, 8), 'NOT_ALLOCATED');
    expect(run.stats().usedFrames).toBe(2040);
  });

  it('sends a freed 512-frame run that is not 2 MiB aligned to the owner, not to the 2 MiB block cache', () => {
    const router = kernelRouter();
    expect(router.allocRun(3)).toBe(NORMAL_START);
    const run = router.allocRun(512);
    expect(run).toBe(NORMAL_START + 3);
    const bitmap = strategy(router, 'normal', 'bitmap').allocator;
    const before = bitmap.stats().freeFrames;
    router.freeRun(run, 512);
    expect(bitmap.stats().freeFrames).toBe(before + 512);
    expect(strategy(router, 'normal', 'hier2m').cachedFrames).toBe(0);
    expect(router.stats().usedFrames).toBe(3);
    expectThrows(() => router.freeRun(run, 512), 'NOT_ALLOCATED');
  });

  it('frees all but the last frame of a run recorded whole, and keeps that frame handed out', () => {
    const router = kernelRouter();
    const run = router.allocRun(100);
    router.freeRun(run, 99);
    expect(router.stats().usedFrames).toBe(1);
    expect(router.isFree(run + 98)).toBe(true);
    expect(router.isFree(run + 99)).toBe(false);
    router.freeRun(run + 99, 1);
    expect(router.stats().usedFrames).toBe(0);
    expect(freeInStrategies(router)).toBe(16032);
  });

  it('frees a run across zones whose part in a zone that takes runs back only whole is exactly one run of one frame', () => {
    // An owner of any runs that takes each back only whole: single frames of runs are recorded whole too.
    const wholeOnly = definePlugin({
      name: 'whole',
      options: z.strictObject({}),
      capabilities: { runs: 'any', below: true, freeRunPiecewise: false },
      create: (space, ranges): FrameAllocator =>
        override(createBaselineAllocator(space, ranges), {
          name: 'whole-only',
          capabilities: { runs: 'any', below: true, freeRunPiecewise: false },
        }),
    });
    const router = createRouter(
      createFrameSpace({ frames: 2048 }),
      {
        name: 'whole-then-piecewise',
        zones: [
          {
            name: 'low',
            end: 1024,
            strategies: [
              { id: 'owner', plugin: 'whole' },
              { plugin: 'stack', over: 'owner' },
            ],
          },
          {
            name: 'high',
            strategies: [
              { id: 'owner', plugin: 'bitmap' },
              { plugin: 'stack', over: 'owner' },
            ],
          },
        ],
        routes: { single: ['stack'], run: ['owner'] },
      },
      [stackLike, bitmapLike, wholeOnly],
    );
    expect(router.allocRun(1023, { below: 1024 })).toBe(0);
    expect(router.allocRun(1, { below: 1024 })).toBe(1023);
    expect(router.allocRun(1)).toBe(1024);
    const snapshot = () =>
      JSON.stringify([router.stats(), Array.from({ length: 40 }, (_, i) => router.isFree(1005 + i))]);
    // Cutting into the run [0, 1023) is refused, naming it, and changes nothing.
    const before = snapshot();
    expect(expectThrows(() => router.freeRun(1022, 3), 'NOT_ALLOCATED')).toContain('[0, 1023)');
    expect(snapshot()).toBe(before);
    // [1023, 1025): the whole one-frame run of the lower zone and a frame of the upper one.
    router.freeRun(1023, 2);
    expect(router.stats().usedFrames).toBe(1023);
    expect(router.isFree(1023) && router.isFree(1024)).toBe(true);
    expect(strategy(router, 'low', 'owner').allocator.isFree(1023)).toBe(true);
    expectThrows(() => router.freeRun(1023, 2), 'NOT_ALLOCATED');
    router.freeRun(0, 1023);
    expect(router.stats().usedFrames).toBe(0);
  });

  it('keeps stats exact: frames parked in caches count as free', () => {
    const router = kernelRouter();
    const out = new Float64Array(300);
    router.allocMany(out, 300);
    router.allocRun(512, { align: 512 });
    router.freeMany(out, 150);
    expect(router.cachedFrames()).toBeGreaterThan(0);
    const s = router.stats();
    expect(s.freeFrames).toBe(16032 - 150 - 512);
    expect(s.freeFrames + s.usedFrames).toBe(s.totalFrames);
    expect(freeInStrategies(router)).toBe(s.freeFrames);
    expect(s.metadataBytes).toBeGreaterThan(0);
  });

  it('keeps stats exact while single frames come and go through the caches between batches, runs, spills and drains', () => {
    // The single-frame fast paths count frames through the cache only (frames out of the owners'
    // hands stay as they are): every other path must keep that count in step.
    for (const preset of ['kernel', 'patchwork'] as const) {
      const router = createRouter(kernelSpace(), routerPresets[preset], TEST_PLUGINS);
      const rng = new Rng(7);
      const singles: number[] = [];
      const runs: [number, number][] = [];
      const batch = new Float64Array(100);
      let used = 0;
      for (let step = 0; step < 3000; step++) {
        const r = rng.int(0, 99);
        if (r < 40) {
          const pfn = router.alloc();
          if (pfn !== NO_FRAME) {
            singles.push(pfn);
            used++;
          }
        } else if (r < 75 && singles.length > 0) {
          const i = rng.int(0, singles.length - 1);
          router.free(singles[i]);
          singles[i] = singles[singles.length - 1];
          singles.pop();
          used--;
        } else if (r < 82) {
          const n = rng.int(1, 100);
          if (router.allocMany(batch, n)) {
            for (let i = 0; i < n; i++) singles.push(batch[i]);
            used += n;
          }
        } else if (r < 88 && singles.length >= 10) {
          const n = rng.int(1, Math.min(100, singles.length));
          for (let i = 0; i < n; i++) batch[i] = singles.pop()!;
          router.freeMany(batch, n);
          used -= n;
        } else if (r < 93) {
          const count = rng.chance(0.5) ? 512 : rng.int(1, 40);
          const pfn = router.allocRun(count, count === 512 ? { align: 512 } : undefined);
          if (pfn !== NO_FRAME) {
            runs.push([pfn, count]);
            used += count;
          }
        } else if (r < 98 && runs.length > 0) {
          const [pfn, count] = runs.pop()!;
          router.freeRun(pfn, count);
          used -= count;
        } else {
          router.drainCaches();
        }
        const s = router.stats();
        if (s.usedFrames !== used)
          throw new Error(`${preset}: step ${step}: usedFrames ${s.usedFrames}, expected ${used}`);
        expect(s.freeFrames).toBe(s.totalFrames - used);
      }
      expect(freeInStrategies(router)).toBe(router.stats().freeFrames);
      // explain sees the same count: a batch of exactly the free frames is not refused for want of frames.
      const free = router.stats().freeFrames;
      expect(router.explain({ op: 'allocMany', count: free + 1 }).reason).toMatch(
        `only ${free} frames are free`,
      );
    }
  });

  it('reports maximal free runs, cached frames included', () => {
    const router = createRouter(createFrameSpace({ frames: 1024 }), routerPresets.kernel, TEST_PLUGINS);
    const a = router.alloc();
    router.free(a);
    const runs: [number, number][] = [];
    router.forEachFreeRun((s, c) => runs.push([s, c]));
    expect(runs).toEqual([[0, 1024]]);
    router.allocRun(10, { below: 10 });
    const after: [number, number][] = [];
    router.forEachFreeRun((s, c) => after.push([s, c]));
    expect(after).toEqual([[10, 1014]]);
  });
});

describe('the PatchworkOS split without layering (bitmap below 64 MiB, stack above)', () => {
  const split: RouterConfig = {
    name: 'patchwork-split',
    zones: [
      { name: 'bitmap', end: 16384, strategies: [{ plugin: 'bitmap' }] },
      { name: 'stack', strategies: [{ plugin: 'stack' }] },
    ],
    routes: { single: ['stack', 'bitmap'], run: { use: ['bitmap'], zones: 'lowest-first' } },
  };
  const space = () => createFrameSpace({ frames: 20000, ranges: [{ start: 16000, count: 4000 }] });

  it('serves single frames from the stack, then from the bitmap', () => {
    const router = createRouter(space(), split, TEST_PLUGINS);
    const out = new Float64Array(3616);
    expect(router.allocMany(out, 3616)).toBe(true);
    expect(Math.min(...out)).toBe(16384);
    expect(router.alloc()).toBeLessThan(16384);
  });

  it('frees a run across its two direct zones whole or not at all, each part checked before either is freed', () => {
    const router = createRouter(space(), split, TEST_PLUGINS);
    expect(router.allocRun(384)).toBe(16000);
    expect(router.allocMany(new Float64Array(3616), 3616)).toBe(true);
    const snapshot = () =>
      JSON.stringify([
        router.stats(),
        router.zones.map((z) => z.strategies[0].allocator.stats()),
        Array.from({ length: 1100 }, (_, i) => router.isFree(15950 + i)),
      ]);
    // A frame free in the larger part (its owner's freeRun refuses it), then in the smaller.
    router.free(16500);
    expectRefused(snapshot, () => router.freeRun(16000, 1000), 16500);
    router.free(16100);
    expectRefused(snapshot, () => router.freeRun(16000, 1000), 16100);
    expectRefused(snapshot, () => router.freeRun(16101, 500), 16500);
    router.freeRun(16101, 399);
    router.freeRun(16000, 100);
    router.freeRun(16501, 499);
    expect(router.stats().usedFrames).toBe(3000);
    expect(router.isFree(16383) && router.isFree(16384) && !router.isFree(17000)).toBe(true);
  });

  it('serves runs only from the bitmap, as PatchworkOS does', () => {
    const router = createRouter(space(), split, TEST_PLUGINS);
    expect(router.allocRun(384)).toBe(16000);
    expect(router.allocRun(1)).toBe(NO_FRAME);
    expect(router.stats().freeFrames).toBe(3616);
  });
});

describe('a run across three direct zones (two owners that can claim a run back, then a stack)', () => {
  /** The baseline allocator as an owner: any run, and `allocAt`. */
  const claiming = definePlugin({
    name: 'claim',
    options: z.strictObject({}),
    capabilities: { runs: 'any', below: true, freeRunPiecewise: true, allocAt: true },
    create: (space, ranges) => createBaselineAllocator(space, ranges),
  });
  const config: RouterConfig = {
    name: 'three-direct',
    zones: [
      { name: 'a', end: 1024, strategies: [{ plugin: 'claim' }] },
      { name: 'b', end: 2048, strategies: [{ plugin: 'claim' }] },
      { name: 'c', strategies: [{ plugin: 'stack' }] },
    ],
    routes: { single: ['stack'], run: ['claim'] },
  };
  /** Every frame handed out, and a count of the owners' `isFree` calls. */
  function full() {
    const router = createRouter(createFrameSpace({ frames: 3072 }), config, [claiming, stackLike]);
    expect(router.allocRun(1024)).toBe(1024);
    expect(router.allocRun(1024)).toBe(0);
    expect(router.allocMany(new Float64Array(1024), 1024)).toBe(true);
    return { router, ...watchOwners(router, 3072) };
  }

  it('frees every part with its owner, checked in words: no frame is asked alone', () => {
    const { router, calls } = full();
    router.freeRun(1000, 1100);
    expect(calls.isFree).toBe(0);
    expect(router.stats().freeFrames).toBe(1100);
    for (const pfn of [999, 1000, 1023, 1024, 2047, 2048, 2099, 2100]) {
      expect(router.isFree(pfn), `frame ${pfn}`).toBe(pfn >= 1000 && pfn < 2100);
    }
    // The parts went to their own zones: each owner took back its own frames.
    expect(router.zones.map((zone) => zone.strategies[0].allocator.stats().freeFrames)).toEqual([
      24, 1024, 52,
    ]);
  });

  it('claims the parts freed before back when a later owner refuses its part, and names the refusal', () => {
    const { router, snapshot } = full();
    router.free(2050);
    expectRefused(snapshot, () => router.freeRun(1000, 1100), 2050);
    router.free(1500);
    expectRefused(snapshot, () => router.freeRun(1000, 1100), 1500);
    router.free(1010);
    expectRefused(snapshot, () => router.freeRun(1000, 1100), 1010);
    // Past the space: refused before anything is asked.
    const before = snapshot();
    expect(expectThrows(() => router.freeRun(2000, 1100), 'OUT_OF_RANGE')).toBeTruthy();
    expect(snapshot()).toBe(before);
    // The good parts around the free frames still go back, each in one call.
    router.freeRun(1000, 10);
    router.freeRun(1011, 489);
    router.freeRun(1501, 549);
    router.freeRun(2051, 49);
    expect(router.stats().freeFrames).toBe(1100);
  });
});

describe('a run across two direct zones whose owners cannot claim a run back (two stacks)', () => {
  /** The stack stand-in without `firstNotAllocated`: only `isFree` can check its part. */
  const plainStack = definePlugin({
    name: 'plain',
    options: z.strictObject({}),
    capabilities: stackLike.capabilities,
    create: (space, ranges) =>
      override(stackLike.create(space, ranges, {}), { firstNotAllocated: undefined }),
  });
  function full(plugin: 'stack' | 'plain') {
    const config: RouterConfig = {
      name: 'two-stacks',
      zones: [
        { name: 'a', end: 1024, strategies: [{ plugin }] },
        { name: 'b', strategies: [{ plugin }] },
      ],
      routes: { single: [plugin] },
    };
    const router = createRouter(createFrameSpace({ frames: 2048 }), config, [stackLike, plainStack]);
    expect(router.allocMany(new Float64Array(2048), 2048)).toBe(true);
    return { router, ...watchOwners(router, 2048) };
  }

  it("checks the part freed first with its owner's firstNotAllocated (a word at a time), never a frame at a time", () => {
    const { router, calls, snapshot } = full('stack');
    router.free(1010);
    const before = snapshot();
    calls.isFree = 0;
    expect(expectThrows(() => router.freeRun(1000, 100), 'NOT_ALLOCATED')).toContain('frame 1010 ');
    expect(calls.isFree).toBe(0);
    expect(snapshot()).toBe(before);
    calls.isFree = 0;
    router.freeRun(1011, 100);
    expect(calls.isFree).toBe(0);
    expect(router.zones.map((zone) => zone.strategies[0].allocator.stats().freeFrames)).toEqual([14, 87]);
  });

  it('falls back to isFree, frame by frame, for an owner without firstNotAllocated, with the same answers', () => {
    const { router, calls, snapshot } = full('plain');
    router.free(1010);
    const before = snapshot();
    expect(expectThrows(() => router.freeRun(1000, 100), 'NOT_ALLOCATED')).toContain('frame 1010 ');
    expect(snapshot()).toBe(before);
    calls.isFree = 0;
    router.freeRun(1011, 100);
    expect(calls.isFree).toBe(13);
    expect(router.zones.map((zone) => zone.strategies[0].allocator.stats().freeFrames)).toEqual([14, 87]);
  });
});

describe('allocAt across zones with caches (owners that can claim a run)', () => {
  /** The baseline allocator as an owner: any run, and `allocAt`. */
  const claiming = definePlugin({
    name: 'claim',
    options: z.strictObject({}),
    capabilities: { runs: 'any', below: true, freeRunPiecewise: true, allocAt: true },
    create: (space, ranges) => createBaselineAllocator(space, ranges),
  });
  const zone = (name: string, end?: number) => ({
    name,
    end,
    strategies: [{ plugin: 'claim' }, { plugin: 'stack', over: 'claim', batch: 4, high: 8 }],
  });
  const make = () =>
    createRouter(
      createFrameSpace({ frames: 2048 }),
      {
        name: 'claim-cached',
        zones: [zone('a', 1024), zone('b')],
        routes: { single: ['stack'], run: ['claim'] },
      },
      [claiming, stackLike],
    );

  it('claims a run that ends at a zone end in that zone alone, leaving the next zone and its cache as they were', () => {
    const router = make();
    expect(router.capabilities.allocAt).toBe(true);
    const single = router.alloc();
    expect(single).toBeGreaterThanOrEqual(1024);
    const cache = strategy(router, 'b', 'stack');
    expect(cache.cachedFrames).toBe(3);
    expect(router.allocAt!(1000, 24)).toBe(1000);
    expect(cache.cachedFrames).toBe(3);
    expect(router.stats().usedFrames).toBe(25);
    expect([router.isFree(999), router.isFree(1000), router.isFree(1023)]).toEqual([true, false, false]);
    router.freeRun(1000, 24);
    router.free(single);
    expect(router.stats().usedFrames).toBe(0);
  });

  it('gives back the part claimed in an earlier zone when a later part is not free, changing nothing', () => {
    const router = make();
    expect(router.allocAt!(1050, 1)).toBe(1050);
    const snapshot = () =>
      JSON.stringify([
        router.stats(),
        router.zones.map((z) => z.strategies.map((x) => [x.cachedFrames, x.allocator.stats().freeFrames])),
        Array.from({ length: 120 }, (_, i) => router.isFree(990 + i)),
      ]);
    const before = snapshot();
    expect(router.allocAt!(1000, 100)).toBe(NO_FRAME);
    expect(snapshot()).toBe(before);
    // The run up to the claimed frame is still free in both zones, and claimed whole.
    expect(router.allocAt!(1000, 50)).toBe(1000);
    expect(router.stats().usedFrames).toBe(51);
    router.freeRun(1000, 51);
    expect(router.stats().usedFrames).toBe(0);
  });
  it('makes its handed-out bits whole at the first single frame through a cache, not at start-up', () => {
    const frames = 2 ** 18;
    const router = createRouter(
      createFrameSpace({ frames }),
      {
        name: 'claim-cached',
        zones: [zone('a', 1024), zone('b')],
        routes: { single: ['stack'], run: ['claim'] },
      },
      [claiming, stackLike],
    );
    const before = router.stats().metadataBytes;
    // The first frame fills the empty cache (the general path); the second comes off the cache.
    const first = router.alloc();
    expect(router.stats().metadataBytes - before).toBeLessThan(frames / 8);
    const pfn = router.alloc();
    expect(router.stats().metadataBytes - before).toBeGreaterThanOrEqual(frames / 8);
    router.free(first);
    expect(router.isFree(pfn)).toBe(false);
    router.free(pfn);
    expect(router.isFree(pfn)).toBe(true);
    expectThrows(() => router.free(pfn), 'DOUBLE_FREE');
  });

  it('keeps the single-frame fast paths on the handed-out bits as those grow (a run far up between two frames)', () => {
    const router = createRouter(
      createFrameSpace({ frames: 2 ** 18 }),
      {
        name: 'claim-cached',
        zones: [zone('a', 1024), zone('b')],
        routes: { single: ['stack'], run: ['claim'] },
      },
      [claiming, stackLike],
    );
    // The first frame makes the bits (32,768 frames' worth); a run at 2^17 grows them; the next
    // frame through the cache must be marked in the grown bits, and its free cleared there.
    const first = router.alloc();
    expect(first).toBeLessThan(32768);
    expect(router.allocRun(64, { align: 2 ** 17 })).toBe(2 ** 17);
    const second = router.alloc();
    expect(router.isFree(second)).toBe(false);
    router.free(second);
    expect(router.isFree(second)).toBe(true);
    expectThrows(() => router.free(second), 'DOUBLE_FREE');
    router.free(first);
    router.freeRun(2 ** 17, 64);
    expect(router.stats().usedFrames).toBe(0);
  });
});
