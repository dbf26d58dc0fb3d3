import {
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
  lastAtOrBelow,
  readAlign,
  readBelow,
  unsupported,
} from '@framekit/core/plugin';
import type {
  LLFreeAllocator,
  LLFreeContention,
  LLFreeDescriptor,
  LLFreeRecovery,
  LLFreeReport,
  LLFreeStats,
} from './api';
import { FRAMES_PER_CHILD, FRAMES_PER_WORD, type RetryCounter, WORDS_PER_CHILD } from './bitfield';
import {
  CHILD_COUNT,
  CHILD_HUGE,
  CHILDREN_PER_TREE,
  childOf,
  inRanges,
  type Layout,
  S_ALLOCS,
  S_CLAIMED,
  S_CREDIT,
  S_CREDIT_CHILD,
  S_FREES,
  S_RETRIES,
  S_TREE,
  SLOT_WORDS,
  TREE_COUNT,
  TREE_RESERVED,
  TREE_WORDS,
} from './layout';
import { Lower } from './lower';
import { LLFREE_CAPABILITIES } from './options';
import { Upper } from './upper';

const NAME = 'llfree';

/** One thread's handle on the shared state. */
export class LLFree implements LLFreeAllocator, RetryCounter {
  readonly name = NAME;
  readonly capabilities = LLFREE_CAPABILITIES;
  readonly space: FrameSpace;
  readonly ranges: readonly FrameRange[];
  readonly slot: number = 0;
  retries = 0;
  readonly #layout: Layout;
  readonly #state: Int32Array = new Int32Array(0);
  readonly #lower: Lower;
  readonly #upper: Upper;
  readonly #slotAt: number = 0;
  #scratch = new Float64Array(64);
  /** The segment of consecutive children `#childOf` found last: its frames and first child. */
  #segmentLo = 0;
  #segmentHi = 0;
  #segmentChild = 0;
  /** Word distance from a bitfield word to its run marks. */
  readonly #runsDelta: number = 0;

  constructor(
    space: FrameSpace,
    ranges: readonly FrameRange[],
    layout: Layout,
    buffer: SharedArrayBuffer,
    slot: number,
  ) {
    this.space = space;
    this.ranges = ranges;
    this.#layout = layout;
    this.#state = new Int32Array(buffer);
    this.slot = slot;
    this.#slotAt = layout.slots + slot * SLOT_WORDS;
    this.#runsDelta = layout.runs - layout.bits;
    this.#lower = new Lower(layout, this.#state);
    this.#upper = new Upper(this.#lower, slot, this);
  }

  // ---- allocation ---------------------------------------------------------------------

  alloc(): Pfn {
    const pfn = this.#upper.allocOne();
    this.#account(S_ALLOCS);
    return pfn;
  }

  allocMany(out: PfnArray, count: number): boolean {
    checkBatch('allocMany', out, count);
    if (count === 0) return true;
    if (count > this.#freeFrames()) return false;
    if (this.#scratch.length < count) this.#scratch = new Float64Array(count);
    const got = this.#scratch;
    for (let i = 0; i < count; i++) {
      const pfn = this.#upper.allocOne();
      if (pfn < 0) {
        // Another worker took the frames meanwhile: give back what we took; nothing was handed out.
        for (let j = 0; j < i; j++) this.#freeChecked(got[j]);
        return false;
      }
      got[i] = pfn;
    }
    for (let i = 0; i < count; i++) out[i] = got[i];
    this.#account(S_ALLOCS);
    return true;
  }

  allocRun(count: number, options?: RunOptions): Pfn {
    checkCount('allocRun', count);
    const align = readAlign('allocRun', options);
    const below = readBelow('allocRun', options);
    if (below !== Number.POSITIVE_INFINITY) throw unsupported(NAME, 'allocRun', 'there is no `below` limit');
    let pfn: number;
    if (count === FRAMES_PER_CHILD && align <= FRAMES_PER_CHILD) pfn = this.#upper.allocHuge();
    else if (count === 1) pfn = this.#upper.allocOne();
    else if (isSmallRun(count) && align <= count) {
      pfn = this.#upper.alloc(count);
      if (pfn < 0) {
        // This worker's own credit may hold the frames the run needs.
        this.#upper.flushCredit();
        pfn = this.#upper.alloc(count);
      }
    } else
      throw unsupported(
        NAME,
        'allocRun',
        `runs are 1, 2, 4, 8, 16 or 32 frames aligned to at most their size, or 512 frames (2 MiB); not ${count} aligned to ${align}`,
      );
    this.#account(S_ALLOCS);
    return pfn < 0 ? NO_FRAME : pfn;
  }

  // ---- frees --------------------------------------------------------------------------

  free(pfn: Pfn): void {
    const layout = this.#layout;
    let c: number;
    // Fast path: a frame of a whole child in the segment the last free found (an integer in
    // range is a valid frame number, so this skips the generic checks and the segment search).
    if (pfn >= this.#segmentLo && pfn < this.#segmentHi && Math.floor(pfn) === pfn) {
      c = this.#segmentChild + Math.floor((pfn - this.#segmentLo) / FRAMES_PER_CHILD);
      if (layout.partial[c] === 1) c = this.#childOf('free', pfn);
    } else c = this.#childOf('free', pfn);
    const offset = pfn - layout.childBase[c];
    const bit = offset % FRAMES_PER_WORD;
    const word = layout.bits + c * WORDS_PER_CHILD + Math.floor(offset / FRAMES_PER_WORD);
    const state = this.#state;
    // A plain read of the run marks: those of a frame the caller holds were written before it got it.
    if (((state[word + this.#runsDelta] >>> bit) & (bit === 31 ? 1 : 3)) !== 0)
      throw this.#partOfRun('free', pfn);
    const mask = 1 << bit;
    // Test-and-clear in one atomic step: of two racing frees of one frame, exactly one wins.
    if ((Atomics.and(state, word, ~mask) & mask) === 0) throw this.#notAllocated('free', c, pfn, false);
    this.#upper.freedOne(c);
    state[this.#slotAt + S_FREES]++;
    state[this.#slotAt + S_RETRIES] = this.retries;
  }

  freeMany(pfns: PfnArray, count: number): void {
    checkBatch('freeMany', pfns, count);
    for (let i = 0; i < count; i++) this.#childOf('freeMany', pfns[i]);
    checkNoDuplicates('freeMany', pfns, count);
    const layout = this.#layout;
    for (let i = 0; i < count; i++) {
      const pfn = pfns[i];
      const c = childOf(layout, pfn);
      const offset = pfn - layout.childBase[c];
      if (this.#lower.inRun(c, offset)) throw this.#partOfRun('freeMany', pfn);
      if (this.#lower.isHuge(c) || !this.#lower.isSet(c, offset))
        throw this.#notAllocated('freeMany', c, pfn, false);
    }
    for (let i = 0; i < count; i++) {
      const pfn = pfns[i];
      const c = childOf(layout, pfn);
      // Checked above; only a racing free of the same frame by another worker fails here, and
      // then the frames before it stay freed.
      if (!this.#lower.clearFrame(c, pfn - layout.childBase[c]))
        throw this.#notAllocated('freeMany', c, pfn, false);
      this.#upper.freedOne(c);
    }
    this.#account(S_FREES);
  }

  freeRun(pfn: Pfn, count: number): void {
    checkRun('freeRun', this.space, pfn, count);
    const layout = this.#layout;
    const c = this.#childOf('freeRun', pfn);
    this.#childOf('freeRun', pfn + count - 1);
    if (count <= FRAMES_PER_CHILD && layout.partial[c] === 1) {
      for (let at = pfn + 1; at < pfn + count - 1; at++) this.#childOf('freeRun', at);
    }
    const offset = pfn - layout.childBase[c];
    if (count === 1) {
      if (this.#lower.inRun(c, offset)) throw this.#partOfRun('freeRun', pfn);
      if (!this.#lower.clearFrame(c, offset)) throw this.#notAllocated('freeRun', c, pfn, true);
      this.#upper.freedOne(c);
    } else if (count === FRAMES_PER_CHILD && offset === 0) {
      if (!this.#lower.freeHuge(c)) throw this.#notAllocated('freeRun', c, pfn, true);
      this.#upper.freed(c, FRAMES_PER_CHILD);
    } else if (isSmallRun(count) && offset % count === 0) {
      if (!this.#lower.isRun(c, offset, count) || !this.#lower.freeRun(c, offset, count, this)) {
        throw new FrameError(
          'NOT_ALLOCATED',
          `freeRun: [${pfn}, ${pfn + count}) is not a run handed out whole`,
          {
            op: 'freeRun',
            pfn,
            count,
          },
        );
      }
      this.#upper.freed(c, count);
    } else {
      throw new FrameError('NOT_ALLOCATED', `freeRun: llfree never hands out ${count} frames at ${pfn}`, {
        op: 'freeRun',
        pfn,
        count,
      });
    }
    this.#account(S_FREES);
  }

  /** Frees a frame this handle just took (allocMany's roll-back). */
  #freeChecked(pfn: number): void {
    const c = childOf(this.#layout, pfn);
    this.#lower.clearFrame(c, pfn - this.#layout.childBase[c]);
    this.#upper.freedOne(c);
  }

  // ---- queries ------------------------------------------------------------------------

  isFree(pfn: Pfn): boolean {
    if (!Number.isSafeInteger(pfn) || pfn < 0 || pfn >= this.space.frameCount) return false;
    const layout = this.#layout;
    const c = childOf(layout, pfn);
    if (c < 0 || (layout.partial[c] === 1 && !inRanges(layout, pfn))) return false;
    return !this.#lower.isHuge(c) && !this.#lower.isSet(c, pfn - layout.childBase[c]);
  }

  /**
   * The lowest frame of `[pfn, pfn + count)` not handed out here, or `NO_FRAME`. A frame
   * outside the ranges (a hole, or not this allocator's) is found by a search over the ranges,
   * not frame by frame; inside them, a 2 MiB page is skipped in one load and the bits are read
   * a word at a time. Read-only: with other workers at work it is a snapshot, as `isFree` is.
   */
  firstNotAllocated(pfn: Pfn, count: number): Pfn {
    checkRun('firstNotAllocated', this.space, pfn, count);
    const layout = this.#layout;
    const endFrame = pfn + count;
    let r = lastAtOrBelow(layout.rangeStart, pfn);
    let at = pfn;
    while (at < endFrame) {
      // Ranges are sorted and disjoint; a next one may start right where the last ended.
      if (r < 0 || r >= layout.rangeStart.length || layout.rangeStart[r] > at || at >= layout.rangeEnd[r])
        return at; // a hole, or frames that are not this allocator's
      const stopFrame = Math.min(endFrame, layout.rangeEnd[r]);
      const found = this.#firstClearIn(at, stopFrame);
      if (found >= 0) return found;
      at = stopFrame;
      r++;
    }
    return NO_FRAME;
  }

  /**
   * The lowest frame of `[fromFrame, toFrame)`, which lies inside the ranges, not handed out,
   * or -1. Frames of the ranges are all in children, and consecutive frames in consecutive
   * children, so the scan goes child by child from `fromFrame`'s.
   */
  #firstClearIn(fromFrame: number, toFrame: number): number {
    const layout = this.#layout;
    let c = childOf(layout, fromFrame);
    let at = fromFrame;
    while (at < toFrame) {
      const base = layout.childBase[c];
      const stopFrame = Math.min(toFrame, base + FRAMES_PER_CHILD);
      const offset = this.#lower.firstClear(c, at - base, stopFrame - base);
      if (offset >= 0) return base + offset;
      at = stopFrame;
      c++;
    }
    return -1;
  }

  stats(): LLFreeStats {
    const layout = this.#layout;
    const freeFrames = this.#freeFrames();
    let hugePages = 0;
    for (let c = 0; c < layout.childCount; c++) if (this.#lower.isHuge(c)) hugePages++;
    let workers = 0;
    for (let s = 0; s < layout.slotCount; s++)
      workers += Atomics.load(this.#state, layout.slots + s * SLOT_WORDS + S_CLAIMED);
    return {
      totalFrames: layout.totalFrames,
      freeFrames,
      usedFrames: layout.totalFrames - freeFrames,
      metadataBytes:
        this.#state.byteLength +
        layout.childBase.byteLength +
        layout.partial.byteLength +
        layout.usable.byteLength +
        layout.segmentStart.byteLength * 3 +
        layout.rangeStart.byteLength * 2,
      children: layout.childCount,
      trees: layout.treeCount,
      hugePages,
      workers,
    };
  }

  contention(): LLFreeContention {
    const layout = this.#layout;
    let allocs = 0;
    let frees = 0;
    let retries = 0;
    for (let s = 0; s < layout.slotCount; s++) {
      const at = layout.slots + s * SLOT_WORDS;
      allocs += Atomics.load(this.#state, at + S_ALLOCS) >>> 0;
      frees += Atomics.load(this.#state, at + S_FREES) >>> 0;
      retries += Atomics.load(this.#state, at + S_RETRIES) >>> 0;
    }
    return { allocs, frees, retries };
  }

  #freeFrames(): number {
    const layout = this.#layout;
    let free = 0;
    for (let t = 0; t < layout.treeCount; t++)
      free += Atomics.load(this.#state, layout.trees + t * TREE_WORDS) & TREE_COUNT;
    for (let s = 0; s < layout.slotCount; s++)
      free += Atomics.load(this.#state, layout.slots + s * SLOT_WORDS + S_CREDIT);
    return free;
  }

  // ---- sharing and recovery -----------------------------------------------------------

  share(): LLFreeDescriptor {
    let contents: SharedArrayBuffer | null = null;
    if (this.space.backing === 'shared') {
      const buffer = this.space.bytes(0, this.space.frameCount).buffer;
      if (buffer instanceof SharedArrayBuffer) contents = buffer;
    } else if (this.space.backing !== 'none') {
      throw unsupported(
        NAME,
        'share',
        `a '${this.space.backing}' space's contents are not shared memory; use 'shared' or 'none'`,
      );
    }
    return {
      kind: 'framekit/llfree',
      version: 1,
      state: this.#state.buffer as SharedArrayBuffer,
      frameCount: this.space.frameCount,
      spaceRanges: this.space.ranges.map((r) => ({ start: r.start, count: r.count })),
      ranges: this.ranges.map((r) => ({ start: r.start, count: r.count })),
      contents,
    };
  }

  verify(): LLFreeReport {
    const layout = this.#layout;
    const state = this.#state;
    const problems: string[] = [];
    let freeFrames = 0;
    // Frames of a child held as a worker's credit are free but counted out of the child.
    const credits = new Map<number, number>();
    for (let s = 0; s < layout.slotCount; s++) {
      const at = layout.slots + s * SLOT_WORDS;
      const credit = Atomics.load(state, at + S_CREDIT);
      const child = Atomics.load(state, at + S_CREDIT_CHILD);
      if (credit === 0) continue;
      if (child < 0 || child >= layout.childCount || credit < 0)
        problems.push(`worker ${s} holds a credit of ${credit} in child ${child}`);
      else credits.set(child, (credits.get(child) ?? 0) + credit);
    }
    for (let t = 0; t < layout.treeCount; t++) {
      const first = t * CHILDREN_PER_TREE;
      const end = Math.min(first + CHILDREN_PER_TREE, layout.childCount);
      let sum = 0;
      for (let c = first; c < end; c++) {
        const entry = Atomics.load(state, layout.children + c);
        const clear = this.#lower.clearBits(c);
        const base = layout.childBase[c];
        if ((entry & CHILD_HUGE) !== 0) {
          if (entry !== CHILD_HUGE)
            problems.push(`child ${c} (frame ${base}) is a 2 MiB page with count ${entry & CHILD_COUNT}`);
          if (clear !== FRAMES_PER_CHILD || layout.partial[c] === 1)
            problems.push(`child ${c} (frame ${base}) is a 2 MiB page over set bits`);
        } else {
          const credit = credits.get(c) ?? 0;
          if (entry + credit !== clear)
            problems.push(
              `child ${c} (frame ${base}) counts ${entry} free and ${credit} in credit, its bits ${clear}`,
            );
          freeFrames += clear;
        }
        for (let w = 0; w < WORDS_PER_CHILD; w++) {
          const marks = Atomics.load(state, layout.runs + c * WORDS_PER_CHILD + w);
          const bits = Atomics.load(state, layout.bits + c * WORDS_PER_CHILD + w);
          if ((marks & ~bits) !== 0 || (marks & 1) !== 0)
            problems.push(`child ${c} word ${w}: run marks ${hexWord(marks)} over bits ${hexWord(bits)}`);
        }
        sum += entry & CHILD_COUNT;
      }
      const tree = Atomics.load(state, layout.trees + t * TREE_WORDS);
      if ((tree & TREE_COUNT) !== sum)
        problems.push(`tree ${t} counts ${tree & TREE_COUNT} free, its children ${sum}`);
      if ((tree & TREE_RESERVED) !== 0 && !this.#reservedBySlot(t))
        problems.push(`tree ${t} is reserved by no worker`);
    }
    return { ok: problems.length === 0, freeFrames, problems };
  }

  #reservedBySlot(t: number): boolean {
    const layout = this.#layout;
    for (let s = 0; s < layout.slotCount; s++) {
      const at = layout.slots + s * SLOT_WORDS;
      if (Atomics.load(this.#state, at + S_CLAIMED) === 1 && Atomics.load(this.#state, at + S_TREE) === t)
        return true;
    }
    return false;
  }

  recover(): LLFreeRecovery {
    const layout = this.#layout;
    const state = this.#state;
    let children = 0;
    let trees = 0;
    let reservations = 0;
    let freeFrames = 0;
    for (let t = 0; t < layout.treeCount; t++) {
      const first = t * CHILDREN_PER_TREE;
      const end = Math.min(first + CHILDREN_PER_TREE, layout.childCount);
      let sum = 0;
      for (let c = first; c < end; c++) {
        const entry = Atomics.load(state, layout.children + c);
        const want = (entry & CHILD_HUGE) !== 0 ? CHILD_HUGE : this.#lower.clearBits(c);
        if (entry !== want) {
          Atomics.store(state, layout.children + c, want);
          children++;
        }
        sum += want & CHILD_COUNT;
      }
      const tree = Atomics.load(state, layout.trees + t * TREE_WORDS);
      if ((tree & TREE_RESERVED) !== 0) reservations++;
      if ((tree & TREE_COUNT) !== sum) trees++;
      Atomics.store(state, layout.trees + t * TREE_WORDS, sum);
      freeFrames += sum;
    }
    for (let s = 0; s < layout.slotCount; s++) {
      const at = layout.slots + s * SLOT_WORDS;
      Atomics.store(state, at + S_TREE, -1);
      Atomics.store(state, at + S_CREDIT, 0);
      Atomics.store(state, at + S_CREDIT_CHILD, -1);
    }
    return { children, trees, reservations, freeFrames };
  }

  close(): void {
    this.#upper.flushCredit();
    this.#upper.unreserve();
    Atomics.store(this.#state, this.#slotAt + S_CLAIMED, 0);
  }

  // ---- helpers ------------------------------------------------------------------------

  #account(counter: number): void {
    const state = this.#state;
    state[this.#slotAt + counter]++;
    state[this.#slotAt + S_RETRIES] = this.retries;
  }

  /** The child of a frame about to be freed; throws INVALID_REQUEST, OUT_OF_RANGE or NOT_USABLE. */
  #childOf(op: string, pfn: Pfn): number {
    checkFrame(op, this.space, pfn);
    const layout = this.#layout;
    const s = lastAtOrBelow(layout.segmentStart, pfn);
    const c =
      s < 0 || pfn >= layout.segmentEnd[s]
        ? -1
        : layout.segmentChild[s] + Math.floor((pfn - layout.segmentStart[s]) / FRAMES_PER_CHILD);
    if (c < 0 || (layout.partial[c] === 1 && !inRanges(layout, pfn))) {
      throw new FrameError(
        'NOT_USABLE',
        `${op}: frame ${pfn} is not usable memory of this allocator (a hole, reserved or another zone's)`,
        {
          op,
          pfn,
        },
      );
    }
    this.#segmentLo = layout.segmentStart[s];
    this.#segmentHi = layout.segmentEnd[s];
    this.#segmentChild = layout.segmentChild[s];
    return c;
  }

  #notAllocated(op: string, c: number, pfn: Pfn, inRun: boolean): FrameError {
    if (this.#lower.isHuge(c)) {
      return new FrameError(
        'NOT_ALLOCATED',
        `${op}: frame ${pfn} is inside a 2 MiB page; return the page with freeRun(${this.#layout.childBase[c]}, 512)`,
        {
          op,
          pfn,
        },
      );
    }
    return inRun
      ? new FrameError('NOT_ALLOCATED', `${op}: frame ${pfn} of the run is not allocated`, { op, pfn })
      : new FrameError('DOUBLE_FREE', `${op}: frame ${pfn} is already free`, { op, pfn });
  }

  #partOfRun(op: string, pfn: Pfn): FrameError {
    return new FrameError(
      'NOT_ALLOCATED',
      `${op}: frame ${pfn} belongs to a run handed out whole; return it with freeRun`,
      {
        op,
        pfn,
      },
    );
  }
}

/** 2, 4, 8, 16 or 32 (or 1): a naturally aligned run inside one bitfield word. */
function isSmallRun(count: number): boolean {
  return count <= FRAMES_PER_WORD && (count & (count - 1)) === 0;
}

function hexWord(word: number): string {
  return `0x${(word >>> 0).toString(16).padStart(8, '0')}`;
}
