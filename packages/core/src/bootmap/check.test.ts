import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeParse } from '../zod';
import { firstBootMapIssue } from './check';
import { REGION_KINDS } from './kinds';
import { normalizeBootMap } from './normalize';
import { BootMapSchema } from './schema';

/** What the zod schema says first: the issue the normalizer reports. */
function zodFirst(map: unknown) {
  const parsed = safeParse(BootMapSchema, map);
  if (parsed.success) return undefined;
  const { path, message } = parsed.error.issues[0];
  return { path, message };
}

const anyValue = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    true,
    'x',
    [],
    {},
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -Infinity,
    new Date(0),
  ),
  fc.double(),
  fc.integer(),
);
const byteCount = fc.oneof(
  { weight: 6, arbitrary: fc.nat() },
  {
    weight: 2,
    arbitrary: fc.constantFrom(2 ** 52, 2 ** 53, 2 ** 64, 2 ** 64 - 4096, 2 ** 65, -1, 0.5, -0.5),
  },
  { weight: 1, arbitrary: anyValue },
);
const region = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        base: byteCount,
        length: byteCount,
        kind: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...REGION_KINDS) },
          { weight: 1, arbitrary: anyValue },
        ),
        raw: fc.oneof(fc.string(), fc.integer(), anyValue),
        attributes: fc.oneof(fc.string(), anyValue),
        extra: anyValue,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: anyValue },
);
const map = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      { regions: fc.array(region, { maxLength: 4 }), format: fc.oneof(fc.string(), anyValue) },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: anyValue },
);

describe('firstBootMapIssue (the normalizer’s zod-free check)', () => {
  it('reports exactly the first issue BootMapSchema reports, and accepts what it accepts', () => {
    fc.assert(
      fc.property(map, (m) => {
        expect(firstBootMapIssue(m)).toEqual(zodFirst(m));
      }),
      { numRuns: 3000 },
    );
  });

  it('covers every rule: each of these maps is rejected by both, with the same issue', () => {
    const ok = { base: 0, length: 4096, kind: 'usable' };
    const bad: unknown[] = [
      null,
      { regions: 'x' },
      { regions: [5] },
      { regions: [{ ...ok, base: -1 }] },
      { regions: [{ ...ok, length: 1.5 }] },
      { regions: [{ ...ok, kind: 'ram' }] },
      { regions: [{ ...ok, raw: null }] },
      { regions: [{ ...ok, attributes: 7 }] },
      { regions: [{ ...ok, kind: 'reserved', base: 2 ** 64, length: 2 ** 64 }] },
      { regions: [{ ...ok, base: 2 ** 52 }] },
      { regions: [ok], format: 1 },
    ];
    for (const m of bad) {
      expect(firstBootMapIssue(m)).toBeDefined();
      expect(firstBootMapIssue(m)).toEqual(zodFirst(m));
    }
    expect(firstBootMapIssue({ regions: [ok], format: 'json' })).toBeUndefined();
  });

  it('normalizeBootMap throws BAD_BOOT_MAP with that issue and drops unknown keys as zod did', () => {
    expect(() => normalizeBootMap({ regions: [{ base: -1, length: 1, kind: 'usable' }] })).toThrow(
      expect.objectContaining({
        code: 'BAD_BOOT_MAP',
        message: '[BAD_BOOT_MAP] normalizeBootMap: regions.0.base: Too small: expected number to be >=0',
      }),
    );
    const map = { regions: [{ base: 0, length: 8192, kind: 'usable' as const, extra: 1 }] };
    expect(normalizeBootMap(map).regions).toEqual([{ base: 0, length: 8192, kind: 'usable' }]);
  });
});
