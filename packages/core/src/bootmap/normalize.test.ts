import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFrameError } from '../errors';
import { createFrameSpace } from '../frame-space';
import { FRAME_SIZE, GiB, MiB, TiB } from '../units';
import { isNormalizedBootMap, type NormalizeOptions, normalizeBootMap } from './normalize';
import { type BootMap, type BootRegion, KIND_RANK, REGION_KINDS, type RegionKind } from './schema';

/** Small maps in the first 64 frames, at 512-byte granularity so regions split frames. */
const STEP = 512;
const SPAN = 64 * FRAME_SIZE;
const regionArb: fc.Arbitrary<BootRegion> = fc
  .record({
    start: fc.integer({ min: 0, max: SPAN / STEP - 1 }),
    steps: fc.integer({ min: 0, max: 24 }),
    kind: fc.constantFrom<RegionKind>(...REGION_KINDS, 'usable', 'usable', 'usable'),
    raw: fc.option(fc.oneof(fc.constantFrom('a', 'b', 'type 20'), fc.constantFrom(1, 2, 7)), {
      nil: undefined,
    }),
  })
  .map(({ start, steps, kind, raw }) => {
    const region: BootRegion = { base: start * STEP, length: steps * STEP, kind };
    if (raw !== undefined) region.raw = raw;
    return region;
  });
const mapArb = fc.array(regionArb, { maxLength: 12 }).map((regions): BootMap => ({ regions }));
const optionsArb: fc.Arbitrary<NormalizeOptions> = fc.record(
  {
    reserve: fc.array(
      fc.record({
        base: fc.integer({ min: 0, max: SPAN }),
        length: fc.integer({ min: 0, max: 8 * FRAME_SIZE }),
      }),
      { maxLength: 3 },
    ),
    reserveBelowBytes: fc.integer({ min: 0, max: 4 * FRAME_SIZE }),
  },
  { requiredKeys: [] },
);

/** Shuffles by sorting on random keys. */
const shuffled = <T>(items: readonly T[], keys: readonly number[]): T[] =>
  items
    .map((item, i) => ({ item, key: keys[i] ?? i }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.item);

const isUsableFrame = (usable: readonly { start: number; count: number }[], pfn: number) =>
  usable.some((r) => pfn >= r.start && pfn < r.start + r.count);

describe('normalizeBootMap properties', () => {
  it('is idempotent', () => {
    fc.assert(
      fc.property(mapArb, optionsArb, fc.boolean(), (map, options, linux) => {
        const opts = linux ? { ...options, preset: 'linux-x86' as const } : options;
        const once = normalizeBootMap(map, opts);
        const twice = normalizeBootMap({ regions: [...once.regions] }, opts);
        expect(twice).toEqual(once);
      }),
      { numRuns: 150 },
    );
  });

  it('does not depend on the order of the regions', () => {
    fc.assert(
      fc.property(mapArb, optionsArb, fc.array(fc.double({ noNaN: true })), (map, options, keys) => {
        const reordered = { regions: shuffled(map.regions, keys) };
        expect(normalizeBootMap(reordered, options)).toEqual(normalizeBootMap(map, options));
      }),
      { numRuns: 150 },
    );
  });

  it('makes no frame usable that any non-usable input region touches, and every fully usable frame usable', () => {
    fc.assert(
      fc.property(mapArb, (map) => {
        const { usable } = normalizeBootMap(map);
        const wrong: number[] = [];
        for (let pfn = 0; pfn < SPAN / FRAME_SIZE + 8; pfn++) {
          const lo = pfn * FRAME_SIZE;
          const hi = lo + FRAME_SIZE;
          const touching = map.regions.filter((r) => r.length > 0 && r.base < hi && r.base + r.length > lo);
          const spoilt = touching.some((r) => r.kind !== 'usable');
          // Which 512-byte steps of this frame usable input covers (usable regions may overlap).
          let covered = 0;
          for (const r of touching) {
            for (let a = Math.max(r.base, lo); a < Math.min(r.base + r.length, hi); a += STEP)
              covered |= 1 << ((a - lo) / STEP);
          }
          const whole = covered === (1 << (FRAME_SIZE / STEP)) - 1;
          if (isUsableFrame(usable, pfn) !== (whole && !spoilt)) wrong.push(pfn);
        }
        expect(wrong).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('reserve and reserveBelowBytes only take frames away', () => {
    fc.assert(
      fc.property(mapArb, optionsArb, (map, options) => {
        const plain = normalizeBootMap(map).usable;
        const { usable } = normalizeBootMap(map, options);
        const wrong: number[] = [];
        for (let pfn = 0; pfn < SPAN / FRAME_SIZE + 8; pfn++) {
          const lo = pfn * FRAME_SIZE;
          const reserved =
            (options.reserveBelowBytes ?? 0) > lo ||
            (options.reserve ?? []).some(
              (r) => r.length > 0 && r.base < lo + FRAME_SIZE && r.base + r.length > lo,
            );
          if (isUsableFrame(usable, pfn) !== (isUsableFrame(plain, pfn) && !reserved)) wrong.push(pfn);
        }
        expect(wrong).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('gives sorted, non-overlapping regions with touching equal kinds merged, and totals of the covered bytes', () => {
    fc.assert(
      fc.property(mapArb, (map) => {
        const n = normalizeBootMap(map);
        for (let i = 1; i < n.regions.length; i++) {
          const a = n.regions[i - 1];
          const b = n.regions[i];
          expect(a.base + a.length).toBeLessThanOrEqual(b.base);
          if (a.base + a.length === b.base) expect(a.kind === b.kind).toBe(false);
        }
        const covered = new Set<number>();
        for (const r of map.regions) for (let a = r.base; a < r.base + r.length; a += STEP) covered.add(a);
        const total = Object.values(n.totals).reduce((s, x) => s + x, 0);
        expect(total).toBe(covered.size * STEP);
        // Where regions overlap, the byte goes to the strictest kind covering it.
        for (const r of n.regions) {
          const strictest = map.regions
            .filter((m) => m.base <= r.base && m.base + m.length > r.base)
            .reduce((best, m) => Math.max(best, KIND_RANK[m.kind]), -1);
          expect(KIND_RANK[r.kind]).toBe(strictest);
        }
        expect(n.usableFrames).toBe(n.usable.reduce((s, u) => s + u.count, 0));
      }),
      { numRuns: 150 },
    );
  });
});

describe('normalizeBootMap behaviour', () => {
  it('trims usable memory inward to whole frames', () => {
    const n = normalizeBootMap({
      regions: [{ base: 0x100000, length: 0xbfe88c00 - 0x100000, kind: 'usable' }],
    });
    expect(n.usable).toEqual([{ start: 0x100, count: 0xbfe88 - 0x100 }]);
    // The last usable frame is 0xbfe87000-0xbfe87fff.
    expect((n.usable[0].start + n.usable[0].count) * FRAME_SIZE - 1).toBe(0xbfe87fff);
  });

  it('linux-x86 reserves page 0 and drops usable 0xA0000-0xFFFFF, leaving other kinds alone', () => {
    const map: BootMap = {
      regions: [
        { base: 0, length: 0x9fc00, kind: 'usable' },
        { base: 0x9fc00, length: 0x400, kind: 'reserved' },
        { base: 0xa0000, length: 0x40000, kind: 'usable' },
        { base: 0xe0000, length: 0x20000, kind: 'acpi-nvs' },
        { base: 0x100000, length: 0x100000, kind: 'usable' },
      ],
    };
    const n = normalizeBootMap(map, { preset: 'linux-x86' });
    expect(n.usable).toEqual([
      { start: 1, count: 0x9e },
      { start: 0x100, count: 0x100 },
    ]);
    expect(n.regions.map((r) => [r.base, r.length, r.kind])).toEqual([
      [0, 0x1000, 'reserved'],
      [0x1000, 0x9ec00, 'usable'],
      [0x9fc00, 0x400, 'reserved'],
      [0xe0000, 0x20000, 'acpi-nvs'],
      [0x100000, 0x100000, 'usable'],
    ]);
    expect(n.totals.usable).toBe(0x9ec00 + 0x100000);
  });

  it('keeps firmware detail where it is unambiguous', () => {
    const n = normalizeBootMap({
      regions: [
        { base: 0, length: 0x1000, kind: 'reserved', raw: 'type 20' },
        { base: 0x1000, length: 0x1000, kind: 'reserved', raw: 'type 20' },
        { base: 0x2000, length: 0x1000, kind: 'reserved', raw: 'reserved' },
        { base: 0x10000, length: 0x10000, kind: 'usable', raw: 'usable', attributes: '0xf' },
      ],
    });
    expect(n.regions).toEqual([
      { base: 0, length: 0x3000, kind: 'reserved' },
      { base: 0x10000, length: 0x10000, kind: 'usable', raw: 'usable', attributes: '0xf' },
    ]);
    expect(isNormalizedBootMap(n)).toBe(true);
    expect(isNormalizedBootMap({ regions: [] })).toBe(false);
  });

  it('rejects bad maps and options', () => {
    const fails = (run: () => unknown, code: string) => {
      let error: unknown;
      try {
        run();
      } catch (e) {
        error = e;
      }
      expect(isFrameError(error, code as never)).toBe(true);
    };
    fails(() => normalizeBootMap({ regions: [{ base: -1, length: 1, kind: 'usable' }] }), 'BAD_BOOT_MAP');
    fails(
      () => normalizeBootMap({ regions: [{ base: 2 ** 52, length: 4096, kind: 'usable' }] }),
      'BAD_BOOT_MAP',
    );
    fails(() => normalizeBootMap({ regions: [] }, { preset: 'linux-arm' as never }), 'INVALID_REQUEST');
    fails(
      () => normalizeBootMap({ regions: [] }, { reserve: [{ base: 1.5, length: 1 }] }),
      'INVALID_REQUEST',
    );
    fails(() => normalizeBootMap({ regions: [] }, { reserveBelowBytes: -4096 }), 'INVALID_REQUEST');
    fails(
      () => normalizeBootMap({ regions: [] }, { reserveBelowBytes: 4096, reserveBelow: 8192 }),
      'INVALID_REQUEST',
    );
  });

  it('takes reserveBelow as the same byte address as reserveBelowBytes', () => {
    const map = { regions: [{ base: 0, length: 16 * FRAME_SIZE, kind: 'usable' as const }] };
    const bytes = normalizeBootMap(map, { reserveBelowBytes: 3 * FRAME_SIZE });
    expect(bytes.usable).toEqual([{ start: 3, count: 13 }]);
    expect(normalizeBootMap(map, { reserveBelow: 3 * FRAME_SIZE })).toEqual(bytes);
    expect(
      normalizeBootMap(map, { reserveBelow: 3 * FRAME_SIZE, reserveBelowBytes: 3 * FRAME_SIZE }),
    ).toEqual(bytes);
  });
});

describe('a 12 TiB machine', () => {
  it('becomes a frame space from its ranges, with nothing done or stored per frame', () => {
    const map: BootMap = {
      regions: [
        { base: 0, length: 0x9fc00, kind: 'usable' },
        { base: 0xf0000, length: 0x10000, kind: 'reserved' },
        { base: MiB, length: 3 * GiB - MiB, kind: 'usable' },
        { base: 3 * GiB, length: GiB, kind: 'reserved' },
        { base: 4 * GiB, length: 12 * TiB - 4 * GiB, kind: 'usable' },
        { base: 6 * TiB, length: 2 * MiB, kind: 'acpi-nvs' },
      ],
    };
    const normalized = normalizeBootMap(map, { preset: 'linux-x86' });
    // A per-frame loop over 3 billion frames could not finish within the test timeout.
    for (const backing of ['none', 'sparse'] as const) {
      const space = createFrameSpace(normalized, { backing });
      expect(space.frameCount).toBe((12 * TiB) / FRAME_SIZE);
      expect(space.ranges).toEqual(normalized.usable);
      expect(space.ranges).toHaveLength(4);
      // Below 1 MiB only frames 1-0x9e are usable (page 0 reserved, 0x9fc00 trimmed, the legacy hole gone).
      expect(space.usableFrames).toBe((12 * TiB - GiB - 2 * MiB - (MiB - 0x9e000)) / FRAME_SIZE);
      expect(space.isUsable((6 * TiB) / FRAME_SIZE)).toBe(false);
      expect(space.isUsable((6 * TiB + 2 * MiB) / FRAME_SIZE)).toBe(true);
      expect(space.isUsable((12 * TiB) / FRAME_SIZE - 1)).toBe(true);
      expect(space.contentBytes()).toBe(0);
    }
  });
});
