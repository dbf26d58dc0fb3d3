import type { FrameAllocator, FrameRange, FrameSpace, Pfn, PfnArray, RunOptions } from './api';
import { NO_FRAME } from './api';
import { checkBatch, checkCount, checkFrame, freeError } from './checks';
import { FrameError } from './errors';

/** The largest 16-bit count; one more reference overflows. */
export const MAX_REFCOUNT = 0xffff;

/** Counts live in 512-frame chunks, made on first use, so a 1 TiB space costs only what it uses. */
const CHUNK_SHIFT = 9;
const CHUNK_FRAMES = 1 << CHUNK_SHIFT;

/** An allocator whose frames carry reference counts (PatchworkOS semantics). */
export interface RefCountedAllocator extends FrameAllocator {
  readonly inner: FrameAllocator;
  /** Adds `1` to each of `count` frames from `pfn`; all must be allocated. Returns `pfn`'s new count. */
  ref(pfn: Pfn, count?: number): number;
  /** Takes `1` from each of `count` frames from `pfn`; frames reaching zero are freed. Returns `pfn`'s new count. */
  unref(pfn: Pfn, count?: number): number;
  /** `pfn`'s count: 0 when free. */
  refCount(pfn: Pfn): number;
}

/**
 * Adds 16-bit reference counts to `allocator`. Allocation sets each frame's count to 1;
 * `free`/`freeRun` are `unref`; a frame goes back to `allocator` when its count reaches zero.
 * Runs are counted per frame, so a run can be released page by page (where `allocator` can
 * take runs back piecewise; otherwise the whole run must reach zero in one `unref`).
 */
export function withRefCounts(allocator: FrameAllocator): RefCountedAllocator {
  return new RefCounts(allocator);
}

class RefCounts implements RefCountedAllocator {
  readonly inner: FrameAllocator;
  readonly name: string;
  readonly capabilities: FrameAllocator['capabilities'];
  readonly #space: FrameSpace;
  readonly #chunks: (Uint16Array | undefined)[] = [];
  #chunkCount = 0;
  /** Runs of an allocator that takes runs back only whole: start → count, for the whole-run rule. */
  readonly #wholeRuns: Map<number, number> | undefined;

  readonly space: FrameSpace;
  readonly ranges: readonly FrameRange[];

  constructor(inner: FrameAllocator) {
    this.inner = inner;
    this.space = inner.space;
    this.ranges = inner.ranges;
    this.#space = inner.space;
    this.name = `refcounted(${inner.name})`;
    this.capabilities = inner.capabilities;
    this.#wholeRuns = inner.capabilities.freeRunPiecewise ? undefined : new Map();
  }

  refCount(pfn: Pfn): number {
    const chunk = this.#chunks[Math.floor(pfn / CHUNK_FRAMES)];
    return chunk === undefined ? 0 : chunk[pfn & (CHUNK_FRAMES - 1)];
  }

  #set(pfn: Pfn, value: number): void {
    const index = Math.floor(pfn / CHUNK_FRAMES);
    let chunk = this.#chunks[index];
    if (chunk === undefined) {
      chunk = new Uint16Array(CHUNK_FRAMES);
      this.#chunks[index] = chunk;
      this.#chunkCount++;
    }
    chunk[pfn & (CHUNK_FRAMES - 1)] = value;
  }

  alloc(): Pfn {
    const pfn = this.inner.alloc();
    if (pfn !== NO_FRAME) this.#set(pfn, 1);
    return pfn;
  }

  allocMany(out: PfnArray, count: number): boolean {
    if (!this.inner.allocMany(out, count)) return false;
    for (let i = 0; i < count; i++) this.#set(out[i], 1);
    return true;
  }

  allocRun(count: number, options?: RunOptions): Pfn {
    const pfn = this.inner.allocRun(count, options);
    if (pfn === NO_FRAME) return pfn;
    for (let i = 0; i < count; i++) this.#set(pfn + i, 1);
    this.#wholeRuns?.set(pfn, count);
    return pfn;
  }

  ref(pfn: Pfn, count = 1): number {
    this.#checkAllocated('ref', pfn, count);
    for (let i = 0; i < count; i++) {
      if (this.refCount(pfn + i) >= MAX_REFCOUNT) {
        throw new FrameError(
          'REFCOUNT_OVERFLOW',
          `ref: frame ${pfn + i} already has ${MAX_REFCOUNT} references`,
          {
            op: 'ref',
            pfn: pfn + i,
          },
        );
      }
    }
    for (let i = 0; i < count; i++) this.#set(pfn + i, this.refCount(pfn + i) + 1);
    return this.refCount(pfn);
  }

  unref(pfn: Pfn, count = 1): number {
    this.#checkAllocated('unref', pfn, count);
    this.#checkWholeRunRule('unref', pfn, count);
    for (let i = 0; i < count; i++) this.#set(pfn + i, this.refCount(pfn + i) - 1);
    this.#releaseZeroes(pfn, count);
    return this.refCount(pfn);
  }

  free(pfn: Pfn): void {
    this.unref(pfn, 1);
  }

  freeRun(pfn: Pfn, count: number): void {
    this.unref(pfn, count);
  }

  freeMany(pfns: PfnArray, count: number): void {
    checkBatch('freeMany', pfns, count);
    // Take the references one by one, undoing them all if any entry is bad.
    let i = 0;
    try {
      for (; i < count; i++) {
        const pfn = pfns[i];
        if (!Number.isSafeInteger(pfn) || this.refCount(pfn) === 0)
          throw freeError('freeMany', this.#space, pfn);
        this.#checkWholeRunRule('freeMany', pfn, 1);
        this.#set(pfn, this.refCount(pfn) - 1);
      }
    } catch (error) {
      for (let j = 0; j < i; j++) this.#set(pfns[j], this.refCount(pfns[j]) + 1);
      throw error;
    }
    for (let j = 0; j < count; j++) {
      const pfn = pfns[j];
      if (this.refCount(pfn) === 0 && !this.inner.isFree(pfn)) this.#releaseZeroes(pfn, 1);
    }
  }

  isFree(pfn: Pfn): boolean {
    return this.inner.isFree(pfn);
  }

  stats() {
    const inner = this.inner.stats();
    return { ...inner, metadataBytes: inner.metadataBytes + this.#chunkCount * CHUNK_FRAMES * 2 };
  }

  /** Throws unless every frame of the run holds a reference. */
  #checkAllocated(op: string, pfn: Pfn, count: number): void {
    checkFrame(op, this.#space, pfn);
    checkCount(op, count, 1, this.#space.frameCount - pfn);
    for (let i = 0; i < count; i++) {
      if (this.refCount(pfn + i) === 0) {
        const error = freeError(op, this.#space, pfn + i, count > 1 || op === 'ref');
        throw error.code === 'DOUBLE_FREE' || error.code === 'NOT_ALLOCATED'
          ? new FrameError(error.code, `${op}: frame ${pfn + i} is not allocated`, { op, pfn: pfn + i })
          : error;
      }
    }
  }

  /**
   * An allocator that takes runs back only whole (hier2m's 2 MiB pages) cannot get one frame
   * of a run back: a run's frames must reach zero together, in one call over the whole run.
   */
  #checkWholeRunRule(op: string, pfn: Pfn, count: number): void {
    const runs = this.#wholeRuns;
    if (runs === undefined) return;
    for (const [start, length] of runs) {
      if (pfn + count <= start || pfn >= start + length) continue;
      let reachesZero = false;
      let allReachZero = true;
      for (let i = start; i < start + length; i++) {
        const inCall = i >= pfn && i < pfn + count;
        const after = this.refCount(i) - (inCall ? 1 : 0);
        if (after === 0) reachesZero = true;
        else allReachZero = false;
      }
      if (reachesZero && !(allReachZero && pfn === start && count === length)) {
        throw new FrameError(
          'INVALID_REQUEST',
          `${op}: ${this.inner.name} takes the run [${start}, ${start + length}) back only whole; its frames must drop to zero together in one unref(${start}, ${length})`,
          { op, pfn, count, runStart: start, runCount: length },
        );
      }
    }
  }

  /** Returns every maximal stretch of zero-count frames in `[pfn, pfn + count)` to the allocator. */
  #releaseZeroes(pfn: Pfn, count: number): void {
    const end = pfn + count;
    let i = pfn;
    while (i < end) {
      if (this.refCount(i) !== 0) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < end && this.refCount(j) === 0) j++;
      const wasRun = this.#wholeRuns?.delete(i) ?? false;
      if (j - i === 1 && !wasRun) this.inner.free(i);
      else this.inner.freeRun(i, j - i);
      i = j;
    }
  }
}
