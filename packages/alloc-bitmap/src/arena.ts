import { FRAME_SIZE, type FrameSpace, type Pfn } from '@framekit/core';
import { bitRange, lowestBit } from './bits';
import { FreeIndex } from './free-index';
import { BLOCK_FRAMES, BLOCK_SHIFT, RunTree } from './run-tree';
import { frameSegments, heapSegments, ownSegment, SEGMENT_MASK, SEGMENT_SHIFT } from './word-storage';

/**
 * One arena per usable range. Bit offsets (from `base`) reach `2^31 + 1054` at most, so they
 * are shifted with `>>>` (unsigned) and word indices are turned back into bits with `* 32`:
 * `>>` or `<< 5` would wrap past 2^31.
 */
export const MAX_ARENA_FRAMES = 2 ** 31;

/**
 * A bitmap over one usable range (KeOS's `Arena`): bit `i` stands for frame `base + i`, set
 * when the frame is free. `base` is the range's start rounded down to a multiple of 32, so
 * words start at absolute multiples of 32 and alignment masks work per word; the bits before
 * the range, after it, and (with metadata in frames) of the frames holding the bitmap are
 * permanently clear.
 */
export class Arena {
  /** Absolute frame of bit 0 (a multiple of 32). */
  readonly base: number = 0;
  /** The range `[start, end)`. */
  readonly start: number = 0;
  readonly end: number = 0;
  /** First frame callers can get: `start + metadataFrames`. */
  readonly dataStart: number = 0;
  /** Frames at the start of the range that hold the bitmap (0 when it lives in host memory). */
  readonly metadataFrames: number = 0;
  /** Bitmap words (a multiple of 32: whole blocks). */
  readonly words: number = 0;
  readonly segments: Int32Array[];
  /** Host segments still shared and all free (see `heapSegments`); `undefined` in frames. */
  readonly #shared: Uint8Array | undefined;
  readonly skew: number = 0;
  readonly index: FreeIndex;
  readonly tree: RunTree;
  /** Bytes of host memory this arena's bookkeeping takes. */
  readonly heapBytes: number = 0;
  free: number = 0;

  constructor(space: FrameSpace, start: Pfn, end: Pfn, inFrames: boolean) {
    this.start = start;
    this.end = end;
    this.base = Math.floor(start / 32) * 32;
    const blocks = Math.ceil((end - this.base) / BLOCK_FRAMES);
    this.words = blocks * 32;
    this.metadataFrames = inFrames ? Math.ceil((this.words * 4) / FRAME_SIZE) : 0;
    this.dataStart = start + this.metadataFrames;
    const storage = inFrames ? frameSegments(space, start, this.words) : heapSegments(this.words);
    this.segments = storage.segments;
    this.#shared = storage.shared;
    this.skew = storage.skew;
    this.index = new FreeIndex(this.words);
    this.tree = new RunTree(this.base, end, blocks, this.segments, this.skew, this.index.levels[0]);
    this.heapBytes = storage.heapBytes + this.index.bytes + this.tree.bytes;

    // All ones, then clear what is not ours: padding before and after the range, and the
    // frames the bitmap itself occupies (KeOS marks them used the same way). Host segments
    // read as all ones until first written; only frame contents are filled.
    if (this.#shared === undefined) this.#fillWords(-1, 0, this.words, false);
    this.index.fillAll();
    this.tree.initAllFree();
    if (start > this.base) this.#write(0, start - this.base, false);
    const tail = this.base + this.words * 32;
    if (tail > end) this.#write(end - this.base, tail - end, false);
    if (this.metadataFrames > 0) this.#write(start - this.base, this.metadataFrames, false);
    this.free = end - this.dataStart;
  }

  /** Segment `s`, to be written: host segments get memory of their own first. */
  #writable(s: number): Int32Array {
    const shared = this.#shared;
    return shared === undefined || shared[s] === 0 ? this.segments[s] : ownSegment(this.segments, shared, s);
  }

  /** Sets words `[from, to)` to `value`, a segment at a time (`write`: made writable first). */
  #fillWords(value: number, from: number, to: number, write: boolean): void {
    const first = this.skew + from;
    const last = this.skew + to;
    for (let s = first >>> SEGMENT_SHIFT; s <= (last - 1) >>> SEGMENT_SHIFT; s++) {
      const lo = Math.max(first, s << SEGMENT_SHIFT) & SEGMENT_MASK;
      const hi = Math.min(last, (s + 1) << SEGMENT_SHIFT) - (s << SEGMENT_SHIFT);
      const words = write ? this.#writable(s) : this.segments[s];
      // A loop for the few words of a run; `fill` (a call) for the many of a start.
      if (hi - lo <= 64) for (let o = lo; o < hi; o++) words[o] = value;
      else words.fill(value, lo, hi);
    }
  }

  /** The word holding bit `bit` (an offset from `base`). */
  word(bit: number): number {
    const v = (bit >>> 5) + this.skew;
    return this.segments[v >>> SEGMENT_SHIFT][v & SEGMENT_MASK];
  }

  /** True when frame `pfn` (inside `[dataStart, end)`) is free. */
  isFreeFrame(pfn: Pfn): boolean {
    const bit = pfn - this.base;
    return (this.word(bit) & (1 << (bit & 31))) !== 0;
  }

  /** Takes one free frame (`bit` is its offset from `base`). */
  takeBit(bit: number): void {
    const i = bit >>> 5;
    const v = i + this.skew;
    const words = this.#writable(v >>> SEGMENT_SHIFT);
    const o = v & SEGMENT_MASK;
    const w = words[o] & ~(1 << (bit & 31));
    words[o] = w;
    if (w === 0) this.index.markEmpty(i);
    this.tree.markDirty(bit >>> BLOCK_SHIFT);
    this.free--;
  }

  /** Returns one allocated frame. */
  releaseBit(bit: number): void {
    const i = bit >>> 5;
    const v = i + this.skew;
    const words = this.#writable(v >>> SEGMENT_SHIFT);
    const o = v & SEGMENT_MASK;
    const before = words[o];
    words[o] = before | (1 << (bit & 31));
    if (before === 0) this.index.markNonEmpty(i);
    this.tree.markDirty(bit >>> BLOCK_SHIFT);
    this.free++;
  }

  /** Flips bit `bit` without any bookkeeping (the tentative pass of `freeMany`). */
  toggleBit(bit: number): void {
    const v = (bit >>> 5) + this.skew;
    this.#writable(v >>> SEGMENT_SHIFT)[v & SEGMENT_MASK] ^= 1 << (bit & 31);
  }

  /** Bookkeeping for a bit `toggleBit` already set: the free index, the summary, the count. */
  settleReleased(bit: number): void {
    this.index.markNonEmpty(bit >>> 5);
    this.tree.markDirty(bit >>> BLOCK_SHIFT);
    this.free++;
  }

  /** The lowest free frame's bit at or after bit `from`, or -1. */
  firstFreeBit(from: number): number {
    let i = from >>> 5;
    let w: number;
    if (from === 0) {
      i = this.index.first();
      if (i < 0) return -1;
      w = this.word(i * 32);
    } else {
      if (i >= this.words) return -1;
      w = this.word(from) & (-1 << (from & 31));
      if (w === 0) {
        i = this.index.next(i + 1);
        if (i < 0) return -1;
        w = this.word(i * 32);
      }
    }
    return i * 32 + lowestBit(w);
  }

  /** Marks `count` frames from `pfn` used (`free` false) or free, a word at a time. */
  setRun(pfn: Pfn, count: number, free: boolean): void {
    this.#write(pfn - this.base, count, free);
    this.free += free ? count : -count;
  }

  #write(first: number, count: number, free: boolean): void {
    const last = first + count - 1;
    let from = first >>> 5;
    let to = last >>> 5;
    if (from === to) this.#writeWord(from, bitRange(first & 31, last & 31), free);
    else {
      // A partial first and last word bit by bit; the whole words between set outright.
      if ((first & 31) !== 0) this.#writeWord(from++, bitRange(first & 31, 31), free);
      if ((last & 31) !== 31) this.#writeWord(to--, bitRange(0, last & 31), free);
      if (from <= to) {
        this.#fillWords(free ? -1 : 0, from, to + 1, true);
        // The index, a word of it (32 bitmap words) at a time: setting a set bit or clearing a
        // clear one changes nothing there.
        const index = this.index;
        for (let j = from >>> 5; j <= to >>> 5; j++) {
          const mask = bitRange(j === from >>> 5 ? from & 31 : 0, j === to >>> 5 ? to & 31 : 31);
          if (free) index.markNonEmptyWords(j, mask);
          else index.markEmptyWords(j, mask);
        }
      }
    }
    this.tree.markDirtyRange(first >>> BLOCK_SHIFT, last >>> BLOCK_SHIFT);
  }

  /** Sets (`free`) or clears the bits `mask` of word `i`, and tells the index when the word empties or fills. */
  #writeWord(i: number, mask: number, free: boolean): void {
    const v = i + this.skew;
    const words = this.#writable(v >>> SEGMENT_SHIFT);
    const o = v & SEGMENT_MASK;
    const before = words[o];
    const after = free ? before | mask : before & ~mask;
    words[o] = after;
    if (before === 0 && after !== 0) this.index.markNonEmpty(i);
    else if (before !== 0 && after === 0) this.index.markEmpty(i);
  }

  /** The first frame of `[pfn, pfn + count)` that is free, or -1: the check before `freeRun`. */
  firstFreeIn(pfn: Pfn, count: number): Pfn {
    const first = pfn - this.base;
    const last = first + count - 1;
    const firstWord = first >>> 5;
    const lastWord = last >>> 5;
    let i = firstWord;
    while (i <= lastWord) {
      // The words of one segment, fetched once.
      const v = i + this.skew;
      const s = v >>> SEGMENT_SHIFT;
      const words = this.segments[s];
      const end = Math.min(lastWord, ((s + 1) << SEGMENT_SHIFT) - this.skew - 1);
      for (let o = v & SEGMENT_MASK; i <= end; i++, o++) {
        let free = words[o];
        if (i === firstWord || i === lastWord) {
          free &= bitRange(i === firstWord ? first & 31 : 0, i === lastWord ? last & 31 : 31);
        }
        if (free !== 0) return this.base + i * 32 + lowestBit(free);
      }
    }
    return -1;
  }

  /** Calls `visit` for each maximal free run, in order, skipping 32 empty words per index bit word. */
  forEachFreeRun(visit: (start: Pfn, count: number) => void): void {
    const level0 = this.index.levels[0];
    let carry = -1;
    for (let j = 0; j < level0.length; j++) {
      const groupStart = this.base + j * 1024;
      if (level0[j] === 0) {
        if (carry >= 0) visit(carry, groupStart - carry);
        carry = -1;
        continue;
      }
      const v = (j << 5) + this.skew;
      const words = this.segments[v >>> SEGMENT_SHIFT];
      let o = v & SEGMENT_MASK;
      for (let i = 0, wordStart = groupStart; i < 32; i++, o++, wordStart += 32) {
        const w = words[o];
        if (w === -1) {
          if (carry < 0) carry = wordStart;
          continue;
        }
        if (carry >= 0 && (w & 1) === 0) {
          visit(carry, wordStart - carry);
          carry = -1;
        }
        let x = w;
        while (x !== 0) {
          const s = lowestBit(x);
          const above = ~x & (-1 << s);
          const runStart = carry >= 0 ? carry : wordStart + s;
          if (above === 0) {
            carry = runStart;
            break;
          }
          const e = lowestBit(above);
          visit(runStart, wordStart + e - runStart);
          carry = -1;
          x &= -1 << e;
        }
      }
    }
    if (carry >= 0) visit(carry, this.base + this.words * 32 - carry);
  }
}
