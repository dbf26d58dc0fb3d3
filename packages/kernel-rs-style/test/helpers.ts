import {
  type Backing,
  createFrameSpace,
  type FrameAllocator,
  type FrameError,
  type FrameErrorCode,
  type FrameRange,
  isFrameError,
  type RefCountedAllocator,
  withRefCounts,
} from '@framekit/core';
import { unsupported } from '@framekit/core/plugin';
import { createBaselineAllocator } from '@framekit/core/testing';

export interface SetupOptions {
  readonly frames?: number;
  readonly backing?: Backing;
  readonly ranges?: readonly FrameRange[];
  /** Wrap the baseline to look like an allocator that takes runs back only whole, or makes no runs. */
  readonly shape?: 'baseline' | 'whole-runs' | 'no-runs';
}

/** A refcounted baseline allocator over a small space (dense contents unless told otherwise). */
export function setup(options: SetupOptions = {}): RefCountedAllocator {
  const frames = options.frames ?? 64;
  const space = createFrameSpace(
    options.ranges === undefined ? { frames } : { frames, ranges: options.ranges },
    { backing: options.backing ?? 'dense' },
  );
  const base = createBaselineAllocator(space);
  const shape = options.shape ?? 'baseline';
  if (shape === 'baseline') return withRefCounts(base);
  return withRefCounts(shape === 'whole-runs' ? wholeRunsOnly(base) : withoutRuns(base));
}

/** The baseline, claiming it takes runs back only whole (as hier2m's 2 MiB pages). */
function wholeRunsOnly(inner: FrameAllocator): FrameAllocator {
  return wrap(inner, 'whole-runs', { runs: 'any', below: true, freeRunPiecewise: false });
}

/** The baseline without contiguous runs (as a free-page stack). */
function withoutRuns(inner: FrameAllocator): FrameAllocator {
  return wrap(inner, 'no-runs', { runs: 'none', below: false, freeRunPiecewise: false }, () => {
    throw unsupported('no-runs', 'allocRun', 'this allocator hands out single frames only');
  });
}

function wrap(
  inner: FrameAllocator,
  name: string,
  capabilities: FrameAllocator['capabilities'],
  allocRun: FrameAllocator['allocRun'] = (count, options) => inner.allocRun(count, options),
): FrameAllocator {
  return {
    name,
    capabilities,
    space: inner.space,
    ranges: inner.ranges,
    alloc: () => inner.alloc(),
    allocMany: (out, count) => inner.allocMany(out, count),
    allocRun,
    free: (pfn) => inner.free(pfn),
    freeMany: (pfns, count) => inner.freeMany(pfns, count),
    freeRun: (pfn, count) => inner.freeRun(pfn, count),
    isFree: (pfn) => inner.isFree(pfn),
    stats: () => inner.stats(),
  };
}

/** The error `fn` throws (failing when it throws none, or something else than a FrameError). */
export function frameErrorOf(fn: () => unknown): FrameError {
  try {
    fn();
  } catch (error) {
    if (isFrameError(error)) return error;
    throw error;
  }
  throw new Error('expected a FrameError, but nothing was thrown');
}

export function codeOf(fn: () => unknown): FrameErrorCode {
  return frameErrorOf(fn).code;
}

/** Every frame's count, for "changes nothing" checks. */
export function counts(pmm: RefCountedAllocator): number[] {
  return Array.from({ length: pmm.space.frameCount }, (_, pfn) => pmm.refCount(pfn));
}

/** The source line of the call to `here()`, from V8's stack (source-mapped by vitest). */
export function here(): number {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, here);
  const match = /:(\d+):\d+\)?$/m.exec(holder.stack?.split('\n')[1] ?? '');
  if (match === null) throw new Error(`no line in ${holder.stack}`);
  return Number(match[1]);
}
