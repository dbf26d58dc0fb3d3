import {
  type AllocatorStats,
  FrameError,
  type FrameRange,
  type FrameSpace,
  NO_FRAME,
  type Pfn,
  type PfnArray,
  type RunOptions,
} from '@framekit/core';
import {
  checkBatch,
  checkCount,
  checkFrame,
  checkNoDuplicates,
  checkRun,
  type FlatBits,
  FrameBits,
  FreeRunList,
  freeError,
  readAlign,
  readBelow,
  setConstant,
  unsupported,
} from '@framekit/core/plugin';
import { STACK_CAPABILITIES, type StackAllocator, type StackState } from './api';
import { RangeCarver } from './carver';
import { FrameStack } from './frame-stack';
import { forEachFreeRun } from './free-runs';
import { entryWordsFor, HEADER_WORDS, HOST_IS_LITTLE_ENDIAN, maxEntriesFor, WORD_RANGE } from './layout';
import { ArrayNodeStore, FrameNodeStore, type NodeStore } from './node-store';
import type { ResolvedStackOptions } from './options';

const NAME = 'stack';
/** Bookkeeping per range: two Float64 starts/ends for membership. */
const RANGE_BYTES = 16;

/**
 * The free-page stack allocator. Frames come from the stack first (most recently freed
 * first), then from the untouched part of the ranges. Every call checks its arguments and
 * the used bits before it changes anything, so misuse throws and leaves all as it was.
 */
export class StackFrameAllocator implements StackAllocator {
  readonly name = NAME;
  readonly capabilities = STACK_CAPABILITIES;
  readonly space: FrameSpace;
  readonly ranges: readonly FrameRange[];
  readonly nodesInFrames: boolean = false;
  readonly nodeEntries: number = 0;
  readonly entryWords: 1 | 2;

  // `_stack` and `_used` never change after the constructor: each is set once with
  // `setConstant`, so V8 treats them as constants on the hot paths (10.3 → 9.0 ns per
  // alloc+free). A `#private` field is written twice (defined, then assigned).
  declare private readonly _stack: FrameStack;
  readonly #store: NodeStore;
  readonly #carver: RangeCarver;
  /** Set while a frame is handed out: the double-free check. `null` when `trusted` (the caller checks). */
  declare private readonly _used: FrameBits | null;
  /**
   * With a flat `_used` (ranges dense enough, not trusted): its flat words at their full size,
   * made at the first frame handed out (`FrameBits.wholeFlat`: they never grow after that) and
   * set once, so `alloc` and `free` set, test and clear them through it as a constant (one load,
   * no bound to test when setting, no imported binding to read). Undefined until then, and
   * always without a flat `_used`. Not made in the constructor: a stack that has handed out
   * nothing holds nothing.
   */
  declare private readonly _usedFlat: FlatBits | undefined;
  /** `_used` has a flat array `_usedFlat` may take. */
  readonly #keepsFlat: boolean = false;
  readonly trusted: boolean = false;
  /** The managed frames, for `isFree` and for classifying a bad free. */
  readonly #managed: FreeRunList;
  readonly #total: number = 0;

  /** `empty`: every frame starts in use, and the stack fills only with what is freed to it. */
  constructor(
    space: FrameSpace,
    ranges: readonly FrameRange[],
    options: ResolvedStackOptions,
    empty = false,
  ) {
    this.space = space;
    this.ranges = ranges;
    const last =
      ranges.length === 0 ? 0 : ranges[ranges.length - 1].start + ranges[ranges.length - 1].count - 1;
    this.entryWords = entryWordsFor(last);
    const fit = maxEntriesFor(this.entryWords);
    const entries = options.nodeEntries ?? fit;
    if (entries > fit) {
      throw new FrameError(
        'INVALID_REQUEST',
        `${NAME}: nodeEntries ${entries} does not fit in a frame with ${this.entryWords}-word entries (at most ${fit})`,
        { plugin: NAME, nodeEntries: entries, max: fit },
      );
    }
    this.nodeEntries = entries;
    // The frame layout is little-endian words; on a big-endian host the nodes stay in an array.
    this.nodesInFrames = options.nodesInFrames && space.hasContents && HOST_IS_LITTLE_ENDIAN;
    const store = this.nodesInFrames
      ? new FrameNodeStore(space)
      : new ArrayNodeStore(HEADER_WORDS + entries * this.entryWords);
    setConstant(this, '_stack', new FrameStack(store, entries, this.entryWords));
    this.#carver = new RangeCarver(ranges);
    this.#managed = new FreeRunList(ranges);
    this.#total = this.#managed.frames;
    this.trusted = options.trusted;
    // A flat bit array (one load per check) over frames [0, last] when the ranges fill at
    // least half of it (at most 0.25 B per managed frame); a sparse space keeps chunks instead.
    const flatFrames = (last + 1) / 2 <= this.#total ? last + 1 : 0;
    // Flat words hold frames below 2^32 only (`pfn >>> 5` is the word): above that, `_used`
    // keeps chunks for the frames past 2^32, and every check goes through it.
    this.#keepsFlat = !options.trusted && flatFrames > 0 && flatFrames <= WORD_RANGE;
    setConstant(this, '_used', options.trusted ? null : new FrameBits(flatFrames));
    this.#store = store;
    if (empty) {
      this.#carver.exhaust();
      if (this._used !== null) {
        for (const r of ranges) this._used.setRun(r.start, r.count);
        this.#makeUsedFlat();
      }
    }
  }

  /** `_usedFlat`, made once: at the first frame handed out (or at start, when every frame starts in use). */
  #makeUsedFlat(): void {
    if (this.#keepsFlat && this._usedFlat === undefined) {
      setConstant(this, '_usedFlat', this._used!.wholeFlat());
    }
  }

  alloc(): Pfn {
    const pfn = this._stack.pop();
    // `< 0`, not `=== NO_FRAME`: V8 reads an imported constant through its module's cell and
    // checks it at every use, about 0.3 ns of this path's 7–8.
    if (pfn < 0) return this.#allocBelowStack();
    // The check is a call: a trusted stack (a router's cache) never makes it, so it costs the
    // caller's loop none of V8's inlining budget.
    if (this._used !== null) this.#markUsed(pfn);
    return pfn;
  }

  /**
   * Sets the used bit of `pfn`, a frame off the stack. It was handed out before, so
   * `_usedFlat`, when kept, exists and holds its bit.
   */
  #markUsed(pfn: Pfn): void {
    const bits = this._usedFlat;
    if (bits !== undefined) bits.set(pfn);
    else this._used!.set(pfn);
  }

  #allocBelowStack(): Pfn {
    const pfn = this.#takeBelowStack();
    if (pfn !== NO_FRAME && this._used !== null) {
      this.#makeUsedFlat();
      this._used.set(pfn);
    }
    return pfn;
  }

  /**
   * A frame when the stack holds no entry: an untouched one, else the empty bottom node's own
   * frame. Untouched frames go first so that the bottom node stays: the next free is then an
   * entry in it, not a new node written into the freed frame (a stack that keeps running empty
   * would otherwise write a node into every frame freed to it).
   */
  #takeBelowStack(): Pfn {
    const pfn = this.#carver.take();
    return pfn === NO_FRAME ? this._stack.popBottom() : pfn;
  }

  allocMany(out: PfnArray, count: number): boolean {
    checkBatch('allocMany', out, count);
    // The stack and the untouched ranges hold every free frame, so this is the whole test.
    if (count > this.#freeFrames()) return false;
    const stack = this._stack;
    for (let i = 0; i < count; i++) {
      const pfn = stack.pop();
      out[i] = pfn === NO_FRAME ? this.#takeBelowStack() : pfn;
    }
    // Their used bits after, neighbours in one word at once.
    if (this._used !== null && count > 0) {
      this.#makeUsedFlat();
      this._used.setEach(out, count);
    }
    return true;
  }

  allocRun(count: number, options?: RunOptions): Pfn {
    checkCount('allocRun', count);
    readAlign('allocRun', options);
    readBelow('allocRun', options);
    throw unsupported(
      NAME,
      'allocRun',
      'a free-page stack hands out single frames; layer it over a bitmap for contiguous runs',
    );
  }

  free(pfn: Pfn): void {
    if (this._used !== null && !this.#clearUsed(pfn)) throw this.#freeError('free', pfn, false);
    this._stack.push(pfn);
  }

  /** Clears the used bit of `pfn` and returns true; false, and no change, when it is not set. */
  #clearUsed(pfn: Pfn): boolean {
    const bits = this._usedFlat;
    return bits !== undefined ? bits.tryClear(pfn) : this._used!.tryClear(pfn);
  }

  freeMany(pfns: PfnArray, count: number): void {
    checkBatch('freeMany', pfns, count);
    const used = this._used;
    // Clearing a bit fails for a frame not allocated here and for one listed twice; neighbours in
    // one word are cleared at once, a frame the flat bits do not hold on its own.
    if (used !== null) {
      for (
        let i = used.clearEachUntil(pfns, 0, count);
        i < count;
        i = used.clearEachUntil(pfns, i + 1, count)
      ) {
        if (!used.tryClear(pfns[i])) {
          for (let j = 0; j < i; j++) used.set(pfns[j]);
          throw this.#batchError(pfns, count);
        }
      }
    }
    // Only now, with every entry good, do the frames' bytes change (node links).
    const stack = this._stack;
    for (let i = 0; i < count; i++) stack.push(pfns[i]);
  }

  freeRun(pfn: Pfn, count: number): void {
    checkRun('freeRun', this.space, pfn, count);
    const used = this._used;
    const end = pfn + count;
    if (used !== null) {
      // One word-at-a-time check over the run, then one word-at-a-time clear.
      const missing = used.firstClear(pfn, count);
      if (missing >= 0) throw this.#runError(pfn, end, missing);
      used.clearRun(pfn, count);
    }
    // Pushed from the top down, so the next batch pops them in ascending order.
    const stack = this._stack;
    for (let i = end - 1; i >= pfn; i--) stack.push(i);
  }

  /**
   * The lowest frame of `[pfn, pfn + count)` whose used bit is clear (a frame with one set is
   * a managed frame handed out), or `NO_FRAME`: a word at a time. A trusted stack keeps no used
   * bits, so it cannot answer (`UNSUPPORTED`).
   */
  firstNotAllocated(pfn: Pfn, count: number): Pfn {
    checkRun('firstNotAllocated', this.space, pfn, count);
    if (this._used === null) {
      throw unsupported(NAME, 'firstNotAllocated', 'a trusted stack keeps no used bits: its caller checks');
    }
    const missing = this._used.firstClear(pfn, count);
    return missing < 0 ? NO_FRAME : missing;
  }

  isFree(pfn: Pfn): boolean {
    if (!Number.isInteger(pfn) || !this.#managed.has(pfn)) return false;
    if (this._used !== null) return !this._used.test(pfn);
    // Trusted: no used bits; free means untouched or on the stack (a walk, for metrics only).
    if (this.#carver.holds(pfn)) return true;
    let found = false;
    this._stack.forEach((p) => {
      if (p === pfn) found = true;
    });
    return found;
  }

  stats(): AllocatorStats {
    return {
      totalFrames: this.#total,
      freeFrames: this.#freeFrames(),
      usedFrames: this.#total - this.#freeFrames(),
      metadataBytes:
        (this._used?.bytes() ?? 0) +
        this.#store.bytes() +
        this.#carver.bytes() +
        this.#managed.length * RANGE_BYTES,
    };
  }

  forEachFreeRun(visit: (start: Pfn, count: number) => void): void {
    if (this._used !== null) {
      forEachFreeRun(this.#managed, this._used, visit);
      return;
    }
    // Trusted: every stacked frame (sorted in one typed array, 8 bytes per frame) merged with
    // the untouched stretches, which never overlap them (a slow path, for metrics).
    const stacked = new Float64Array(this._stack.size);
    let n = 0;
    this._stack.forEach((pfn) => {
      stacked[n++] = pfn;
    });
    stacked.sort();
    const untouched: number[] = [];
    this.#carver.forEachUntouched((start, count) => {
      untouched.push(start, count);
    });
    let runStart = -1;
    let runEnd = -1;
    const add = (start: number, count: number) => {
      if (start === runEnd) runEnd += count;
      else {
        if (runEnd > runStart) visit(runStart, runEnd - runStart);
        runStart = start;
        runEnd = start + count;
      }
    };
    let u = 0;
    for (let k = 0; k < n; k++) {
      while (u < untouched.length && untouched[u] < stacked[k]) {
        add(untouched[u], untouched[u + 1]);
        u += 2;
      }
      add(stacked[k], 1);
    }
    for (; u < untouched.length; u += 2) add(untouched[u], untouched[u + 1]);
    if (runEnd > runStart) visit(runStart, runEnd - runStart);
  }

  inspect(): StackState {
    const stack = this._stack;
    return {
      top: stack.top,
      entriesInTop: stack.entriesInTop,
      depth: stack.depth,
      stacked: stack.size,
      untouched: this.#carver.left,
    };
  }

  /** Free frames: the stack and the untouched ranges hold every one (no counter on the hot path). */
  #freeFrames(): number {
    return this._stack.size + this.#carver.left;
  }

  /** Why `pfn` cannot be freed: not a frame, outside the space, not ours, or free already. */
  #freeError(op: string, pfn: Pfn, inRun: boolean): FrameError {
    checkFrame(op, this.space, pfn);
    if (this.space.isUsable(pfn) && !this.#managed.has(pfn)) {
      return new FrameError('NOT_USABLE', `${op}: frame ${pfn} is not managed by this allocator`, {
        op,
        pfn,
        allocator: NAME,
      });
    }
    return freeError(op, this.space, pfn, inRun);
  }

  /** Why a batch cannot be freed: the first entry not allocated here, else a frame listed twice. */
  #batchError(pfns: PfnArray, count: number): FrameError {
    for (let i = 0; i < count; i++) {
      if (!this._used!.test(pfns[i])) return this.#freeError('freeMany', pfns[i], false);
    }
    checkNoDuplicates('freeMany', pfns, count);
    throw new Error('freeMany: a bit failed to clear, yet every entry is allocated and distinct');
  }

  /**
   * The error for a `freeRun` whose frame `firstFree` (the first one found) is not allocated
   * here: a frame of the run that is not ours at all is named first, as the error order says.
   */
  #runError(pfn: Pfn, end: number, firstFree: Pfn): FrameError {
    for (let i = pfn; i < end; i++) {
      if (!this.#managed.has(i)) return this.#freeError('freeRun', i, true);
    }
    return this.#freeError('freeRun', firstFree, true);
  }
}
