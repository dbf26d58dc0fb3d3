/*
 * Plugin options schemas without zod at run time. A plugin's `options` is any Standard Schema
 * (https://standardschema.dev, v1): every zod 4 schema is one, `zod` and `zod/mini` alike, and
 * `defineOptions` makes one from a few hand-written checks, so that a plugin whose options are
 * plain values (the stack's) keeps zod out of a browser bundle. Options are validated where an
 * allocator is created, never on a hot path.
 */

/** The Standard Schema v1 interface, as its spec asks libraries to copy it. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

export declare namespace StandardSchemaV1 {
  export interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    readonly types?: Types<Input, Output> | undefined;
  }
  export type Result<Output> = SuccessResult<Output> | FailureResult;
  export interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  export interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  export interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  export interface PathSegment {
    readonly key: PropertyKey;
  }
  export interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }
  export type InferInput<Schema extends StandardSchemaV1> = NonNullable<
    Schema['~standard']['types']
  >['input'];
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<
    Schema['~standard']['types']
  >['output'];
}

/** What a plugin's `options` must be: a Standard Schema (a zod 4 schema, or one from {@link defineOptions}). */
export type OptionsSchema<Input = unknown, Output = Input> = StandardSchemaV1<Input, Output>;

/** What a schema accepts (`z.input` for a zod schema). */
export type OptionsInput<S extends StandardSchemaV1> = StandardSchemaV1.InferInput<S>;
/** What a schema gives after validation (`z.output` for a zod schema). */
export type OptionsOutput<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S>;

/** One problem with options: a message, and the path to the value (empty at the root). */
export interface OptionsIssue {
  readonly message: string;
  readonly path: readonly PropertyKey[];
}

export type OptionsResult<Output> =
  | { readonly success: true; readonly data: Output }
  | { readonly success: false; readonly issues: readonly OptionsIssue[] };

/**
 * Validates `value` with `schema`, synchronously: a schema that answers with a promise (an
 * async zod refinement) is reported as one issue, since allocators are created synchronously.
 */
export function validateOptions<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
): OptionsResult<OptionsOutput<S>> {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) {
    return {
      success: false,
      issues: [{ message: 'the options schema is asynchronous; plugins need a synchronous one', path: [] }],
    };
  }
  if (result.issues === undefined) return { success: true, data: result.value as OptionsOutput<S> };
  return {
    success: false,
    issues: result.issues.map((issue) => ({
      message: issue.message,
      path: (issue.path ?? []).map((seg) => (typeof seg === 'object' ? seg.key : seg)),
    })),
  };
}

/**
 * Issues as zod's `prettifyError` writes them (shortest paths first; `✖ message` and
 * `  → at path`), for schemas of any vendor.
 */
export function formatIssues(issues: readonly OptionsIssue[]): string {
  const lines: string[] = [];
  const sorted = [...issues].sort((a, b) => a.path.length - b.path.length);
  for (const issue of sorted) {
    lines.push(`✖ ${issue.message}`);
    if (issue.path.length > 0) lines.push(`  → at ${dotPath(issue.path)}`);
  }
  return lines.join('\n');
}

function dotPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'symbol') out += `[${JSON.stringify(String(seg))}]`;
    else if (/[^\w$]/.test(seg)) out += `[${JSON.stringify(seg)}]`;
    else out += out.length > 0 ? `.${seg}` : seg;
  }
  return out;
}

/** Reports one issue, at `key` of the options object or at its root. */
export type ReportIssue = (message: string, key?: string) => void;

/**
 * A Standard Schema from a parse function that reports problems to `issue` (in zod's wording
 * where a check means the same thing; {@link optionChecks} has the common ones) and returns the
 * resolved options. Objects only: anything but a plain object is one issue at the root.
 */
export function defineOptions<Output, Input = Partial<Output>>(
  parse: (input: Readonly<Record<string, unknown>>, issue: ReportIssue) => Output,
): OptionsSchema<Input, Output> {
  return {
    '~standard': {
      version: 1,
      vendor: 'framekit',
      validate(input: unknown): StandardSchemaV1.Result<Output> {
        if (typeof input !== 'object' || input === null || Array.isArray(input)) {
          return { issues: [{ message: `Invalid input: expected object, received ${received(input)}` }] };
        }
        const issues: StandardSchemaV1.Issue[] = [];
        const value = parse(input as Record<string, unknown>, (message, key) => {
          issues.push({ message, path: key === undefined ? [] : [key] });
        });
        return issues.length === 0 ? { value } : { issues };
      },
    },
  };
}

/** The checks of zod's `z.strictObject` that a hand-written options schema needs most. */
export const optionChecks = {
  /** Unknown keys, reported as zod's strict objects do. */
  strict(input: Readonly<Record<string, unknown>>, known: readonly string[], issue: ReportIssue): void {
    const unknown = Object.keys(input).filter((key) => !known.includes(key));
    if (unknown.length > 0) {
      issue(`Unrecognized key${unknown.length > 1 ? 's' : ''}: ${unknown.map((k) => `"${k}"`).join(', ')}`);
    }
  },
  /** A boolean or absent: the value, or `fallback`. */
  boolean(
    input: Readonly<Record<string, unknown>>,
    key: string,
    fallback: boolean,
    issue: ReportIssue,
  ): boolean {
    const value = input[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      issue(`Invalid input: expected boolean, received ${received(value)}`, key);
      return fallback;
    }
    return value;
  },
  /** A safe integer in `[min, max]`, or absent (`undefined`); as zod checks one: a fraction is one issue, else every bound it breaks is one. */
  integer(
    input: Readonly<Record<string, unknown>>,
    key: string,
    min: number,
    max: number,
    issue: ReportIssue,
  ): number | undefined {
    const value = input[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      issue(`Invalid input: expected number, received ${received(value)}`, key);
      return undefined;
    }
    let ok = true;
    const fail = (message: string) => {
      issue(message, key);
      ok = false;
    };
    if (!Number.isInteger(value)) {
      issue('Invalid input: expected int, received number', key);
      return undefined;
    }
    if (value > Number.MAX_SAFE_INTEGER) fail(`Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}`);
    else if (value < Number.MIN_SAFE_INTEGER)
      fail(`Too small: expected int to be >=${Number.MIN_SAFE_INTEGER}`);
    if (value < min) fail(`Too small: expected number to be >=${min}`);
    if (value > max) fail(`Too big: expected number to be <=${max}`);
    return ok ? value : undefined;
  },
};

/** The type name zod's messages give for a value ("received NaN", "received array", …). */
export function received(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? 'number' : String(value);
  if (typeof value !== 'object') return typeof value;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const proto = Object.getPrototypeOf(value);
  const ctor = (value as { constructor?: { name?: string } }).constructor;
  if (proto !== Object.prototype && proto !== null && ctor?.name) return ctor.name;
  return 'object';
}
