import type { AllocatorCapabilities, FrameAllocator, FrameRange, FrameSpace } from './api';
import { FrameError } from './errors';
import {
  formatIssues,
  type OptionsInput,
  type OptionsOutput,
  type OptionsSchema,
  validateOptions,
} from './options';

/**
 * An allocator strategy as the router sees it: a name, an options schema (any Standard
 * Schema: a zod 4 schema, `zod` or `zod/mini`, or one from `defineOptions`) and a factory.
 */
export interface AllocatorPlugin<Schema extends OptionsSchema = OptionsSchema> {
  readonly name: string;
  readonly options: Schema;
  readonly capabilities: AllocatorCapabilities;
  /**
   * A new allocator over `ranges` (usable frames of `space`; all of them when omitted).
   * Options are validated by the plugin's schema; invalid ones throw `INVALID_REQUEST`.
   */
  create(space: FrameSpace, ranges?: readonly FrameRange[], options?: OptionsInput<Schema>): FrameAllocator;
  /**
   * Optional: the same allocator with every frame of `ranges` in use, as the router's caches
   * start, in time proportional to ranges and words rather than frames. Without it the router
   * creates the allocator and allocates every frame out of it.
   */
  createEmpty?(
    space: FrameSpace,
    ranges?: readonly FrameRange[],
    options?: OptionsInput<Schema>,
  ): FrameAllocator;
}

export interface PluginDefinition<Schema extends OptionsSchema> {
  readonly name: string;
  readonly options: Schema;
  readonly capabilities: AllocatorCapabilities;
  create(space: FrameSpace, ranges: readonly FrameRange[], options: OptionsOutput<Schema>): FrameAllocator;
  createEmpty?(
    space: FrameSpace,
    ranges: readonly FrameRange[],
    options: OptionsOutput<Schema>,
  ): FrameAllocator;
}

/** Wraps a strategy's factory with option validation and a check that its ranges are usable frames of the space. */
export function definePlugin<Schema extends OptionsSchema>(
  definition: PluginDefinition<Schema>,
): AllocatorPlugin<Schema> {
  const { name, options: schema, capabilities } = definition;
  const checked = (
    space: FrameSpace,
    ranges: readonly FrameRange[],
    options: unknown,
  ): OptionsOutput<Schema> => {
    const parsed = validateOptions(schema, options ?? {});
    if (!parsed.success) {
      throw new FrameError('INVALID_REQUEST', `${name}: invalid options\n${formatIssues(parsed.issues)}`, {
        plugin: name,
        issues: parsed.issues,
      });
    }
    checkRangesInSpace(name, space, ranges);
    return parsed.data;
  };
  const createEmpty = definition.createEmpty?.bind(definition);
  return Object.freeze({
    name,
    options: schema,
    capabilities,
    create(space: FrameSpace, ranges: readonly FrameRange[] = space.ranges, options?: OptionsInput<Schema>) {
      return definition.create(space, ranges, checked(space, ranges, options));
    },
    ...(createEmpty && {
      createEmpty(
        space: FrameSpace,
        ranges: readonly FrameRange[] = space.ranges,
        options?: OptionsInput<Schema>,
      ) {
        return createEmpty(space, ranges, checked(space, ranges, options));
      },
    }),
  });
}

/** Throws unless every range is sorted, disjoint and made of usable frames of `space`. */
export function checkRangesInSpace(name: string, space: FrameSpace, ranges: readonly FrameRange[]): void {
  let previousEnd = -1;
  for (const range of ranges) {
    const { start, count } = range;
    const ok =
      Number.isSafeInteger(start) &&
      Number.isSafeInteger(count) &&
      count > 0 &&
      start >= previousEnd &&
      isInsideUsable(space, start, count);
    if (!ok) {
      throw new FrameError(
        'INVALID_REQUEST',
        `${name}: range [${start}, ${start + count}) is not a sorted, disjoint run of usable frames`,
        { plugin: name, range },
      );
    }
    previousEnd = start + count;
  }
}

function isInsideUsable(space: FrameSpace, start: number, count: number): boolean {
  for (const r of space.ranges) {
    if (start >= r.start && start + count <= r.start + r.count) return true;
  }
  return false;
}
