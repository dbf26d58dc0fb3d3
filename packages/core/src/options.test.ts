import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createFrameSpace } from './frame-space';
import { defineOptions, formatIssues, optionChecks, type StandardSchemaV1, validateOptions } from './options';
import { definePlugin } from './plugin';
import { createBaselineAllocator } from './testing/baseline';

interface Resolved {
  readonly entries?: number;
  readonly inFrames: boolean;
}

/** Written by hand… */
const handWritten = defineOptions<Resolved>((input, issue) => {
  optionChecks.strict(input, ['entries', 'inFrames'], issue);
  const entries = optionChecks.integer(input, 'entries', 1, 1022, issue);
  return {
    ...(entries !== undefined && { entries }),
    inFrames: optionChecks.boolean(input, 'inFrames', true, issue),
  };
});
/** …and the same rules in zod. */
const inZod = z.strictObject({
  entries: z.int().min(1).max(1022).optional(),
  inFrames: z.boolean().default(true),
});

/** Issues in an order-free form, to compare two schemas' reports. */
function issueSet(result: ReturnType<typeof validateOptions>) {
  if (result.success) return { data: result.data };
  return { issues: result.issues.map((i) => `${i.path.join('.')}: ${i.message}`).sort() };
}

const oddValue = fc.constantFrom(
  undefined,
  null,
  'x',
  true,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 60,
  -(2 ** 60),
  0.5,
  1.5,
  [],
  {},
);

describe('defineOptions (options schemas without zod)', () => {
  it('accepts, fills in and rejects exactly what the same zod schema does, with its messages', () => {
    const value = fc.oneof(fc.integer({ min: -5, max: 1100 }), fc.boolean(), oddValue);
    const input = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({ entries: value, inFrames: value, extra: value }, { requiredKeys: [] }),
      },
      { weight: 1, arbitrary: oddValue },
    );
    fc.assert(
      fc.property(input, (options) => {
        expect(issueSet(validateOptions(handWritten, options))).toEqual(
          issueSet(validateOptions(inZod, options)),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('reports each broken rule where it is', () => {
    const result = validateOptions(handWritten, { entries: 2 ** 60, inFrames: 'yes', a: 1, b: 2 });
    expect(result.success).toBe(false);
    expect(!result.success && result.issues).toEqual([
      { message: 'Unrecognized keys: "a", "b"', path: [] },
      { message: `Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}`, path: ['entries'] },
      { message: 'Too big: expected number to be <=1022', path: ['entries'] },
      { message: 'Invalid input: expected boolean, received string', path: ['inFrames'] },
    ]);
    expect(validateOptions(handWritten, { entries: 0.5 })).toEqual({
      success: false,
      issues: [{ message: 'Invalid input: expected int, received number', path: ['entries'] }],
    });
    expect(validateOptions(handWritten, {})).toEqual({ success: true, data: { inFrames: true } });
  });
});

describe('validateOptions', () => {
  it('reads any Standard Schema: path segments given as objects become keys', () => {
    const schema: StandardSchemaV1<{ a: number }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) =>
          typeof value === 'object' && value !== null && 'a' in value
            ? { value: value as { a: number } }
            : { issues: [{ message: 'needs a', path: [{ key: 'outer' }, 0, 'a'] }] },
      },
    };
    expect(validateOptions(schema, { a: 1 })).toEqual({ success: true, data: { a: 1 } });
    expect(validateOptions(schema, {})).toEqual({
      success: false,
      issues: [{ message: 'needs a', path: ['outer', 0, 'a'] }],
    });
  });

  it('reports an asynchronous schema as an issue rather than validating later', () => {
    const slow = z.object({ a: z.number() }).refine(async () => true);
    const result = validateOptions(slow, { a: 1 });
    expect(result.success).toBe(false);
    expect(!result.success && result.issues[0].message).toMatch(/asynchronous/);
  });
});

describe('formatIssues', () => {
  it('writes issues as zod’s prettifyError does, shortest paths first', () => {
    expect(
      formatIssues([
        { message: 'deep', path: ['zones', 0, 'strategies', 1, 'options', 'a-b'] },
        { message: 'root', path: [] },
      ]),
    ).toBe('✖ root\n✖ deep\n  → at zones[0].strategies[1].options["a-b"]');
    const parsed = inZod.safeParse({ entries: 0, x: 1 });
    const issues = parsed.error!.issues.map((i) => ({ message: i.message, path: i.path }));
    expect(formatIssues(issues)).toBe(z.prettifyError(parsed.error!));
  });
});

describe('definePlugin with a hand-written schema', () => {
  const plugin = definePlugin({
    name: 'hand',
    options: handWritten,
    capabilities: { runs: 'any', below: true, freeRunPiecewise: true },
    create: (space, ranges, options) =>
      Object.assign(createBaselineAllocator(space, ranges), { entries: options.entries ?? 1022 }),
  });
  const space = createFrameSpace({ frames: 64 });

  it('hands the factory resolved options and throws INVALID_REQUEST with every issue', () => {
    expect((plugin.create(space, undefined, { entries: 8 }) as unknown as { entries: number }).entries).toBe(
      8,
    );
    expect(() => plugin.create(space, undefined, { entries: 2000, inFrames: 1 } as never)).toThrow(
      expect.objectContaining({
        code: 'INVALID_REQUEST',
        message:
          '[INVALID_REQUEST] hand: invalid options\n' +
          '✖ Too big: expected number to be <=1022\n  → at entries\n' +
          '✖ Invalid input: expected boolean, received number\n  → at inFrames',
      }),
    );
  });
});
