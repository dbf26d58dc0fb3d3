import { z } from 'zod';
import type { FrameAllocator, FrameRange, FrameSpace, Pfn, PfnArray, RunOptions } from '../../api';
import { NO_FRAME } from '../../api';
import { checkBatch, checkCount, checkRun, freeError, readAlign, readBelow, unsupported } from '../../checks';
import { FrameError } from '../../errors';
import { definePlugin } from '../../plugin';
import { createBaselineAllocator } from '../../testing/baseline';

/*
 * Stand-ins for the real strategy packages, built from the baseline allocator with their
 * capabilities cut down to what the real ones offer, so the router is tested in core on its
 * own: 'stack' (single frames only), 'bitmap' (any run) and 'hier2m' (only 2 MiB runs, taken
 * back only whole).
 */

const NoOptions = z.strictObject({ label: z.string().optional() });

/** Delegates everything to an inner allocator; subclasses narrow what it offers. */
class Wrapped implements FrameAllocator {
  readonly space: FrameSpace;
  readonly ranges: readonly FrameRange[];
  protected readonly inner: FrameAllocator;

  constructor(
    readonly name: string,
    readonly capabilities: FrameAllocator['capabilities'],
    space: FrameSpace,
    ranges: readonly FrameRange[],
  ) {
    this.space = space;
    this.ranges = ranges;
    this.inner = createBaselineAllocator(space, ranges);
  }

  alloc(): Pfn {
    return this.inner.alloc();
  }
  allocMany(out: PfnArray, count: number): boolean {
    return this.inner.allocMany(out, count);
  }
  allocRun(count: number, options?: RunOptions): Pfn {
    return this.inner.allocRun(count, options);
  }
  free(pfn: Pfn): void {
    this.inner.free(pfn);
  }
  freeMany(pfns: PfnArray, count: number): void {
    this.inner.freeMany(pfns, count);
  }
  freeRun(pfn: Pfn, count: number): void {
    this.inner.freeRun(pfn, count);
  }
  isFree(pfn: Pfn): boolean {
    return this.inner.isFree(pfn);
  }
  stats() {
    return this.inner.stats();
  }
}

/**
 * Single frames and batches; `allocRun` is UNSUPPORTED (after the argument checks). No free-run
 * iterator; `firstNotAllocated`, as the stack has.
 */
class FramesOnly extends Wrapped {
  override allocRun(count: number, options?: RunOptions): Pfn {
    checkCount('allocRun', count);
    readAlign('allocRun', options);
    readBelow('allocRun', options);
    throw unsupported(this.name, 'allocRun', 'single frames only');
  }
  firstNotAllocated(pfn: Pfn, count: number): Pfn {
    return this.inner.firstNotAllocated!(pfn, count);
  }
}

/** Everything, with a free-run iterator. */
class AnyRuns extends Wrapped {
  forEachFreeRun(visit: (start: Pfn, count: number) => void): void {
    this.inner.forEachFreeRun!(visit);
  }
}

const HUGE = 512;

/** Single frames, and runs of exactly 512 frames aligned to 512, which come back only whole. */
class HugeOnly extends Wrapped {
  readonly #runs = new Set<number>();

  override allocRun(count: number, options?: RunOptions): Pfn {
    checkCount('allocRun', count);
    const align = readAlign('allocRun', options);
    const below = readBelow('allocRun', options);
    if (count !== HUGE || HUGE % align !== 0) throw unsupported(this.name, 'allocRun', '2 MiB runs only');
    const pfn = this.inner.allocRun(
      HUGE,
      below === Number.POSITIVE_INFINITY ? { align: HUGE } : { align: HUGE, below },
    );
    if (pfn !== NO_FRAME) this.#runs.add(pfn);
    return pfn;
  }

  #inRun(pfn: Pfn): boolean {
    return Number.isSafeInteger(pfn) && pfn >= 0 && this.#runs.has(pfn - (pfn % HUGE));
  }

  override free(pfn: Pfn): void {
    if (this.#inRun(pfn))
      throw new FrameError('NOT_ALLOCATED', `free: ${pfn} is inside a 2 MiB run`, { pfn });
    this.inner.free(pfn);
  }

  override freeMany(pfns: PfnArray, count: number): void {
    checkBatch('freeMany', pfns, count);
    for (let i = 0; i < count; i++) {
      if (this.#inRun(pfns[i]))
        throw new FrameError('NOT_ALLOCATED', `freeMany: ${pfns[i]} is inside a 2 MiB run`);
    }
    this.inner.freeMany(pfns, count);
  }

  override freeRun(pfn: Pfn, count: number): void {
    checkRun('freeRun', this.space, pfn, count);
    if (count === HUGE && this.#runs.has(pfn)) {
      this.#runs.delete(pfn);
      this.inner.freeRun(pfn, count);
      return;
    }
    for (let i = pfn; i < pfn + count; i++)
      if (!this.space.isUsable(i)) throw freeError('freeRun', this.space, i, true);
    for (let i = pfn; i < pfn + count; i++)
      if (this.inner.isFree(i)) throw freeError('freeRun', this.space, i, true);
    throw new FrameError(
      'NOT_ALLOCATED',
      `freeRun: [${pfn}, ${pfn + count}) is not a 2 MiB run handed out whole`,
    );
  }

  forEachFreeRun(visit: (start: Pfn, count: number) => void): void {
    this.inner.forEachFreeRun!(visit);
  }
}

export const stackLike = definePlugin({
  name: 'stack',
  options: NoOptions,
  capabilities: { runs: 'none', below: false, freeRunPiecewise: true },
  create: (space, ranges) =>
    new FramesOnly('stack-like', { runs: 'none', below: false, freeRunPiecewise: true }, space, ranges),
});

export const bitmapLike = definePlugin({
  name: 'bitmap',
  options: NoOptions,
  capabilities: { runs: 'any', below: true, freeRunPiecewise: true },
  create: (space, ranges) =>
    new AnyRuns('bitmap-like', { runs: 'any', below: true, freeRunPiecewise: true }, space, ranges),
});

export const hier2mLike = definePlugin({
  name: 'hier2m',
  options: NoOptions,
  capabilities: { runs: 'huge', below: true, freeRunPiecewise: false },
  create: (space, ranges) =>
    new HugeOnly('hier2m-like', { runs: 'huge', below: true, freeRunPiecewise: false }, space, ranges),
});

/** The three stand-ins, in the order the presets' docs list the real plugins. */
export const TEST_PLUGINS = [stackLike, bitmapLike, hier2mLike] as const;
