import { createFrameSpace, type FrameSpace, NO_FRAME } from '@framekit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHier2mAllocator, type Hier2mAllocator } from './index';

const LOW_LIMIT = 2048;

/**
 * What each frame should be: free, handed out alone, or part of a 2 MiB page. Also the
 * order the seed's lists imply: partly used entries before splitting a whole one, high
 * memory before low.
 */
class Model {
  readonly ours: Uint8Array;
  /** 0 free, 1 single frame, 2 part of a 2 MiB page. */
  readonly state: Uint8Array;
  /** Free frames per entry, and whether all 512 frames of the entry are ours. */
  readonly freeCount: Int32Array;
  readonly complete: Uint8Array;
  readonly singles: number[] = [];
  readonly pages: number[] = [];

  constructor(readonly space: FrameSpace) {
    this.ours = new Uint8Array(space.frameCount);
    for (const r of space.ranges) this.ours.fill(1, r.start, r.start + r.count);
    this.state = new Uint8Array(space.frameCount);
    this.freeCount = new Int32Array(this.entries);
    this.complete = new Uint8Array(this.entries);
    this.reset();
  }

  get entries(): number {
    return Math.ceil(this.space.frameCount / 512);
  }

  reset(): void {
    this.state.fill(0);
    this.freeCount.fill(0);
    for (let p = 0; p < this.space.frameCount; p++) if (this.ours[p]) this.freeCount[p >> 9]++;
    for (let e = 0; e < this.entries; e++) this.complete[e] = this.freeCount[e] === 512 ? 1 : 0;
  }

  isFree(pfn: number): boolean {
    return this.ours[pfn] === 1 && this.state[pfn] === 0;
  }

  isWhole(entry: number): boolean {
    return this.complete[entry] === 1 && this.freeCount[entry] === 512;
  }

  wholeCount(): number {
    let n = 0;
    for (let e = 0; e < this.entries; e++) if (this.isWhole(e)) n++;
    return n;
  }

  /** 0: high, partly used with a free frame · 1: high, whole · 2, 3: the same below the low limit · -1: nothing free. */
  rank(entry: number): number {
    if (this.freeCount[entry] === 0) return -1;
    return (entry * 512 < LOW_LIMIT ? 2 : 0) + (this.isWhole(entry) ? 1 : 0);
  }

  bestRank(): number {
    let best = -1;
    for (let e = 0; e < this.entries; e++) {
      const r = this.rank(e);
      if (r >= 0 && (best < 0 || r < best)) best = r;
    }
    return best;
  }

  take(pfn: number, count: number, how: 1 | 2): void {
    for (let p = pfn; p < pfn + count; p++) {
      if (!this.isFree(p)) expect.fail(`frame ${p} handed out while not free`);
      this.state[p] = how;
    }
    this.freeCount[pfn >> 9] -= count;
    if (how === 1) this.singles.push(pfn);
    else this.pages.push(pfn);
  }

  release(pfn: number, count: number): void {
    this.state.fill(0, pfn, pfn + count);
    this.freeCount[pfn >> 9] += count;
  }
}

type Op =
  | { t: 'alloc' }
  | { t: 'allocRun'; below?: number }
  | { t: 'allocBelow'; below: number }
  | { t: 'free'; k: number }
  | { t: 'freeMany'; k: number; n: number }
  | { t: 'freeRun'; k: number };

const opArb = (frames: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant({ t: 'alloc' as const }) },
    { weight: 2, arbitrary: fc.constant({ t: 'allocRun' as const }) },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('allocRun' as const),
        below: fc.integer({ min: 0, max: frames + 600 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('allocBelow' as const),
        below: fc.integer({ min: 0, max: frames + 600 }),
      }),
    },
    { weight: 6, arbitrary: fc.record({ t: fc.constant('free' as const), k: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('freeMany' as const), k: fc.nat(), n: fc.nat(40) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('freeRun' as const), k: fc.nat() }) },
  );

/** Bursts of the same operation, so entries really drain, split, fill up and merge. */
const burstArb = (frames: number) =>
  fc.array(fc.tuple(opArb(frames), fc.integer({ min: 1, max: 300 })), { maxLength: 25 });

function apply(a: Hier2mAllocator, m: Model, op: Op): void {
  switch (op.t) {
    case 'alloc': {
      const best = m.bestRank();
      const pfn = a.alloc();
      if (pfn === NO_FRAME) {
        expect(best).toBe(-1);
        return;
      }
      // The entry it came from was of the most preferred kind available.
      expect(m.rank(Math.floor(pfn / 512))).toBe(best);
      m.take(pfn, 1, 1);
      return;
    }
    case 'allocRun': {
      const below = op.below ?? Number.POSITIVE_INFINITY;
      const fits: number[] = [];
      for (let e = 0; e < m.entries; e++) if (m.isWhole(e) && (e + 1) * 512 <= below) fits.push(e);
      const pfn = a.allocRun(512, op.below === undefined ? { align: 512 } : { align: 512, below });
      if (pfn === NO_FRAME) {
        expect(fits).toEqual([]);
        return;
      }
      expect(fits).toContain(pfn / 512);
      // High memory first.
      if (fits.some((e) => e * 512 >= LOW_LIMIT)) expect(pfn).toBeGreaterThanOrEqual(LOW_LIMIT);
      m.take(pfn, 512, 2);
      return;
    }
    case 'allocBelow': {
      let lowest = -1;
      for (let p = 0; p < Math.min(op.below, m.space.frameCount); p++) {
        if (m.isFree(p)) {
          lowest = p;
          break;
        }
      }
      const pfn = a.allocBelow(op.below);
      if (pfn === NO_FRAME) {
        expect(lowest).toBe(-1);
        return;
      }
      expect(pfn).toBeLessThan(op.below);
      m.take(pfn, 1, 1);
      return;
    }
    case 'free': {
      if (m.singles.length === 0) return;
      const [pfn] = m.singles.splice(op.k % m.singles.length, 1);
      a.free(pfn);
      m.release(pfn, 1);
      return;
    }
    case 'freeMany': {
      const n = Math.min(op.n, m.singles.length);
      const pfns = m.singles.splice(op.k % (m.singles.length || 1), n);
      a.freeMany(pfns, pfns.length);
      for (const p of pfns) m.release(p, 1);
      return;
    }
    case 'freeRun': {
      if (m.pages.length === 0) return;
      const [pfn] = m.pages.splice(op.k % m.pages.length, 1);
      a.freeRun(pfn, 512);
      m.release(pfn, 512);
      return;
    }
  }
}

function checkAgainst(a: Hier2mAllocator, m: Model): void {
  let free = 0;
  for (let p = 0; p < m.space.frameCount; p++) {
    const expected = m.isFree(p);
    if (expected) free++;
    if (a.isFree(p) !== expected) expect.fail(`isFree(${p}) is ${!expected}`);
  }
  expect(a.stats().freeFrames).toBe(free);
  expect(a.free2MiBEntries()).toBe(m.wholeCount());
  // Every entry with a free frame is linked on the list of its mode; only whole entries are in 2 MiB mode.
  for (let e = 0; e < m.entries; e++) {
    const info = a.inspectEntry(e * 512 + 511) ?? a.inspectEntry(e * 512);
    if (!info) continue;
    const whole = m.isWhole(e);
    const inPage = m.state[e * 512] === 2;
    expect(info.is2m).toBe(whole || inPage);
    if (whole) expect(info.on2mList).toBe(true);
    else if (m.freeCount[e] > 0) expect(info.on4kList).toBe(true);
    expect(info.low).toBe(e * 512 < LOW_LIMIT);
  }
}

const SHAPES = {
  'one range': { frames: 8192, ranges: [{ start: 0, count: 8192 }] },
  'holes and islands': {
    frames: 6144,
    ranges: [
      { start: 3, count: 1200 },
      { start: 1536, count: 1 },
      { start: 2048, count: 2560 },
      { start: 4700, count: 1444 },
    ],
  },
} as const;

describe.each(Object.entries(SHAPES))('mixed 4 KiB / 2 MiB churn on %s', (_name, shape) => {
  it('matches the model and the seed’s list order after every burst', () => {
    const space = createFrameSpace(shape);
    fc.assert(
      fc.property(burstArb(space.frameCount), (bursts) => {
        const a = createHier2mAllocator(space, space.ranges, { lowLimit: LOW_LIMIT });
        const m = new Model(space);
        for (const [op, times] of bursts) {
          for (let i = 0; i < times; i++) apply(a, m, op);
          checkAgainst(a, m);
        }
        // Everything back: every 2 MiB entry is whole again.
        for (const p of m.pages.splice(0)) a.freeRun(p, 512);
        for (const p of m.singles.splice(0)) a.free(p);
        m.reset();
        checkAgainst(a, m);
      }),
      { numRuns: 20 },
    );
  });
});
