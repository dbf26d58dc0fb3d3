import { setConstant } from '../constant';
import { CHUNK_FRAMES, Chunks } from './chunks';

const WORDS = CHUNK_FRAMES / 32;
/** Frames a flat array may cover: below 2^32, a frame's word is `pfn >>> 5`. */
const FLAT_LIMIT = 2 ** 32;
/** The first flat array covers at least this many words (32,768 frames). */
const MIN_FLAT_WORDS = WORDS;
const EMPTY = new Uint32Array(0);

/** Bits `lo` … `hi - 1` of a 32-bit word (0 <= lo < hi <= 32), as a signed int. */
function mask(lo: number, hi: number): number {
  const upper = hi === 32 ? -1 : (1 << hi) - 1;
  return upper & (-1 << lo);
}

/**
 * A `FrameBits`' flat words at their full size (`FrameBits.wholeFlat`), for hot paths: frame
 * `pfn` is bit `pfn & 31` of `words[pfn >>> 5]`, and the words never grow. Kept in a field set
 * once (`setConstant`), its methods inline into a caller's loop with `words` as a constant, and
 * they read nothing imported: V8 loads an imported binding from its module's cell and checks it
 * at every use (a function called, or a constant such as `NO_FRAME` compared), about 0.3–0.4 ns
 * each on a free-page stack's alloc+free of 7–8 ns.
 */
export class FlatBits {
  declare readonly words: Uint32Array;

  constructor(words: Uint32Array) {
    setConstant(this, 'words', words);
  }

  /** Sets `pfn`'s bit. `pfn` must be a frame the words cover (one the caller handed out itself). */
  set(pfn: number): void {
    this.words[pfn >>> 5] |= 1 << (pfn & 31);
  }

  /**
   * Clears `pfn`'s bit and returns true; false, and no change, when it was clear or `pfn` is not
   * a frame the words cover (any number is accepted: 0.5, -1, NaN and 2^32 are never set).
   */
  tryClear(pfn: number): boolean {
    const words = this.words;
    // `x >>> 0 === x` holds exactly for integers in [0, 2^32). A word past the end reads as
    // undefined, whose bits are clear.
    if (pfn >>> 0 === pfn) {
      const w = pfn >>> 5;
      const m = 1 << (pfn & 31);
      const word = words[w];
      if ((word & m) !== 0) {
        words[w] = word ^ m;
        return true;
      }
    }
    return false;
  }
}

/** Runs of at least this many whole words are written with one `fill`; shorter ones by a loop. */
const FILL_WORDS = 64;

/** Sets (`on`) or clears bits `[from, to)` of `words` (bit offsets below 2^32): ragged ends by mask, whole words between. */
function applyWords(words: Uint32Array, from: number, to: number, on: boolean): void {
  if (from >= to) return;
  const first = from >>> 5;
  const last = (to - 1) >>> 5;
  const lo = from & 31;
  const hi = ((to - 1) & 31) + 1;
  if (first === last) {
    if (on) words[first] |= mask(lo, hi);
    else words[first] &= ~mask(lo, hi);
    return;
  }
  const value = on ? 0xffff_ffff : 0;
  if (on) {
    words[first] |= mask(lo, 32);
    words[last] |= mask(0, hi);
  } else {
    words[first] &= ~mask(lo, 32);
    words[last] &= ~mask(0, hi);
  }
  if (last - first - 1 >= FILL_WORDS) words.fill(value, first + 1, last);
  else for (let w = first + 1; w < last; w++) words[w] = value;
}

/** The first bit of `[from, to)` of `words` that is set (`wantSet`) or clear, as an offset, or -1. */
function findWords(words: Uint32Array, from: number, to: number, wantSet: boolean): number {
  if (from >= to) return -1;
  const first = from >>> 5;
  const last = (to - 1) >>> 5;
  // A word with none of the wanted bits: 0 when looking for a set bit, all ones for a clear one.
  const none = wantSet ? 0 : 0xffff_ffff;
  let w = first;
  let hits = (wantSet ? words[w] : ~words[w]) & mask(from & 31, first === last ? ((to - 1) & 31) + 1 : 32);
  if (hits === 0 && first !== last) {
    w++;
    while (w < last && words[w] === none) w++;
    hits = (wantSet ? words[w] : ~words[w]) & mask(0, w === last ? ((to - 1) & 31) + 1 : 32);
  }
  return hits === 0 ? -1 : w * 32 + (31 - Math.clz32(hits & -hits));
}

/** The highest set bit of `[floor, at]` of `words`, as an offset, or -1 (downwards, a word at a time). */
function lastSetWords(words: Uint32Array, at: number, floor: number): number {
  let bit = at;
  while (bit >= floor) {
    const w = bit >>> 5;
    const m = words[w] & mask(0, (bit & 31) + 1);
    if (m !== 0) {
      const found = w * 32 + (31 - Math.clz32(m));
      return found >= floor ? found : -1;
    }
    bit = w * 32 - 1;
  }
  return -1;
}

/**
 * One bit per frame over a frame space of any size (frames may exceed 2^32).
 *
 * Given the space's `frameCount`, frames below `min(frameCount, 2^32)` live in ONE flat
 * `Uint32Array` (`pfn >>> 5` is the word): a single-frame test, set or clear is a load and a
 * mask, which keeps a free-page stack's double-free check within a small factor of a plain
 * typed-array stack. The flat array grows (doubling, copied) only up to the highest frame
 * ever set, so a space used at its bottom costs bits for that bottom. Frames at or above
 * that limit (or every frame, when no `frameCount` is given) live in lazily made
 * 32,768-frame chunks. Runs are set, cleared and tested a word at a time (whole words by
 * `fill`); nothing here allocates except growing the flat array or making a chunk.
 */
/** How a `FrameBits` keeps its flat part (see its constructor). */
export interface FrameBitsOptions {
  readonly maxFlatFrames?: number;
}

export class FrameBits {
  readonly #chunks = new Chunks(() => new Uint32Array(WORDS));
  /** Words of frames `[0, flat.length * 32)`; frames past it up to `#flatFrames` are clear. */
  #flat: Uint32Array = EMPTY;
  /** `#flat` as a `FlatBits` (replaced with it): `tryClear`'s flat part, and `wholeFlat`. */
  #flatBits: FlatBits = new FlatBits(EMPTY);
  /** Frames the flat array may cover (0: chunks only). */
  readonly #flatFrames: number = 0;

  /**
   * `frameCount`: the space's frames, for the flat array (omit for chunks only). Option
   * `maxFlatFrames`: at most this many frames flat (2^32, rounded down to whole words). A hot
   * path that keeps the flat words takes them from `wholeFlatWords` (they never grow after).
   */
  constructor(frameCount = 0, options: FrameBitsOptions = {}) {
    const { maxFlatFrames = FLAT_LIMIT } = options;
    // Whole words only, so a flat word never holds a frame that lives in a chunk.
    const limit = Math.floor(Math.min(maxFlatFrames, FLAT_LIMIT) / 32) * 32;
    this.#flatFrames = Math.min(Math.ceil(Math.max(0, frameCount) / 32) * 32, limit);
  }

  /** True when `pfn`'s bit is set. Any number is accepted: a non-frame (0.5, -1, NaN) is never set. */
  test(pfn: number): boolean {
    const flat = this.#flat;
    // `x >>> 0 === x` holds exactly for integers in [0, 2^32).
    if (pfn >>> 0 === pfn && pfn >>> 5 < flat.length) return (flat[pfn >>> 5] & (1 << (pfn & 31))) !== 0;
    return this.#testFar(pfn);
  }

  set(pfn: number): void {
    const flat = this.#flat;
    // Small enough for V8 to inline into a caller's hot path; the rest is out of line.
    if (pfn < flat.length * 32) flat[pfn >>> 5] |= 1 << (pfn & 31);
    else this.#setFar(pfn);
  }

  /**
   * The flat array as it is now: frame `pfn` (below its `length * 32`) is bit `pfn & 31` of
   * word `pfn >>> 5`, and frames past it are clear. A hot path may keep it and test, set and
   * clear bits in it directly (one load fewer per operation). It is replaced when it grows, which
   * only `set`, `setEach` and `setRun` do, for a frame past its end: a caller that keeps it
   * for good takes it from `wholeFlatWords` instead. The bits stay this object's: its runs,
   * tests and searches see every change made through the array.
   */
  get flatWords(): Uint32Array {
    return this.#flat;
  }

  /**
   * The flat array at its full size, made so now when it is smaller: it never grows after this,
   * so a hot path may keep it for good (its pages cost memory only once written).
   */
  wholeFlatWords(): Uint32Array {
    const words = this.#flatFrames / 32;
    return this.#flat.length < words ? this.#grow(words - 1) : this.#flat;
  }

  /** `wholeFlatWords`, as a `FlatBits` for a hot path to keep in a field set once. */
  wholeFlat(): FlatBits {
    this.wholeFlatWords();
    return this.#flatBits;
  }

  /** Sets the bit of each of `pfns[0 … count)` (a batch: the flat array is read once). */
  setEach(pfns: ArrayLike<number>, count: number): void {
    let flat = this.#flat;
    let limit = flat.length * 32;
    let i = 0;
    while (i < count) {
      const pfn = pfns[i];
      if (pfn < limit) {
        // It and the frames right after it in the same word: one write (a batch off a stack
        // often holds neighbours).
        const w = pfn >>> 5;
        let mask = 1 << (pfn & 31);
        let j = i + 1;
        for (; j < count; j++) {
          const next = pfns[j];
          if (next >>> 5 !== w || !(next < limit)) break;
          mask |= 1 << (next & 31);
        }
        flat[w] |= mask;
        i = j;
      } else {
        this.#setFar(pfn);
        // Setting a far frame may have grown the flat array.
        flat = this.#flat;
        limit = flat.length * 32;
        i++;
      }
    }
  }

  /**
   * Clears the bits of `pfns[from]`, `pfns[from + 1]`, … in order, a word at a time for
   * neighbours that share one, and returns `count`; or stops at the first frame it does not
   * clear (its bit not set, listed twice, outside `[lo, hi)`, or not a frame of the flat array:
   * ask `tryClear`) and returns its index, every frame before it cleared.
   */
  clearEachUntil(
    pfns: ArrayLike<number>,
    from: number,
    count: number,
    lo = 0,
    hi = Number.POSITIVE_INFINITY,
  ): number {
    const flat = this.#flat;
    const words = flat.length;
    let i = from;
    while (i < count) {
      const pfn = pfns[i];
      // `x >>> 0 === x` holds exactly for integers in [0, 2^32).
      if (!(pfn >>> 0 === pfn && pfn >>> 5 < words && pfn >= lo && pfn < hi)) return i;
      const w = pfn >>> 5;
      const word = flat[w];
      let mask = 1 << (pfn & 31);
      if ((word & mask) === 0) return i;
      let j = i + 1;
      // Its neighbours in the same word join it, when the whole word lies in `[lo, hi)`.
      if (w * 32 >= lo && w * 32 + 32 <= hi) {
        for (; j < count; j++) {
          const next = pfns[j];
          if (next >>> 0 !== next || next >>> 5 !== w) break;
          const bit = 1 << (next & 31);
          // Not set, or listed twice: cleared up to it, then found by the next round.
          if ((word & bit) === 0 || (mask & bit) !== 0) break;
          mask |= bit;
        }
      }
      flat[w] = word & ~mask;
      i = j;
    }
    return count;
  }

  clear(pfn: number): void {
    this.tryClear(pfn);
  }

  /** Clears `pfn`'s bit; false (and no change) when it was not set. Any number is accepted. */
  tryClear(pfn: number): boolean {
    // A frame the flat array covers but whose bit is clear also goes on to `#tryClearFar`, which
    // says no at once: the fast path stays one small inlined call. A word past the flat array is
    // not asked of `#flatBits` (it would read as clear), so that the loads `FlatBits` inlines into
    // other callers' loops never learn to expect a word past the end.
    return (pfn >>> 5 < this.#flat.length && this.#flatBits.tryClear(pfn)) || this.#tryClearFar(pfn);
  }

  /**
   * Clears every bit of `[start, start + count)` when all of them are set, and returns true;
   * otherwise returns false and changes nothing. `start` and `count` are integers, `count >= 1`.
   */
  tryClearRun(start: number, count: number): boolean {
    const flat = this.#flat;
    const end = start + count;
    if (start >= 0 && end <= flat.length * 32) {
      const first = start >>> 5;
      const last = (end - 1) >>> 5;
      if (first === last) {
        // One word: one load, one test, one store.
        const m = mask(start & 31, ((end - 1) & 31) + 1);
        const word = flat[first];
        if ((word & m) !== m) return false;
        flat[first] = word & ~m;
        return true;
      }
      if (findWords(flat, start, end, false) >= 0) return false;
      applyWords(flat, start, end, false);
      return true;
    }
    if (this.#find(start, count, false) >= 0) return false;
    this.#apply(start, count, false);
    return true;
  }

  /** Sets every bit of `[start, start + count)`. */
  setRun(start: number, count: number): void {
    const flat = this.#flat;
    const end = start + count;
    if (start >= 0 && count > 0 && end <= flat.length * 32 && start >>> 5 === (end - 1) >>> 5) {
      // Within one word of the flat array: one load and one store.
      flat[start >>> 5] |= mask(start & 31, ((end - 1) & 31) + 1);
      return;
    }
    this.#apply(start, count, true);
  }

  /** Clears every bit of `[start, start + count)`. */
  clearRun(start: number, count: number): void {
    this.#apply(start, count, false);
  }

  /** The first frame of `[start, start + count)` whose bit is clear, or -1 when all are set. */
  firstClear(start: number, count: number): number {
    return this.#find(start, count, false);
  }

  /** The first frame of `[start, start + count)` whose bit is set, or -1 when none is. */
  firstSet(start: number, count: number): number {
    return this.#find(start, count, true);
  }

  /** The highest set frame in `[floor, pfn]`, or -1 (word at a time, downwards). */
  lastSetAtOrBelow(pfn: number, floor: number): number {
    let at = pfn;
    const flatFrames = this.#flatFrames;
    while (at >= floor && at >= flatFrames) {
      const index = Math.floor(at / CHUNK_FRAMES);
      const base = index * CHUNK_FRAMES;
      const words = this.#chunks.get(index);
      if (words !== undefined) {
        const found = lastSetWords(words, at - base, Math.max(0, Math.max(floor, flatFrames) - base));
        if (found >= 0) return base + found;
      }
      // On below the chunk, or below the flat limit where the chunk starts under it.
      at = Math.max(base, flatFrames) - 1;
    }
    if (at < floor) return -1;
    // The flat part: frames past the array are clear.
    const covered = this.#flat.length * 32;
    if (at >= covered) at = covered - 1;
    return at >= floor ? lastSetWords(this.#flat, at, floor) : -1;
  }

  /** Bytes of the flat array and the chunks made so far. */
  bytes(): number {
    return this.#flat.byteLength + this.#chunks.size * WORDS * 4 + this.#chunks.directoryBytes();
  }

  #setFar(pfn: number): void {
    if (pfn < this.#flatFrames) {
      const w = pfn >>> 5;
      this.#grow(w)[w] |= 1 << (pfn & 31);
      return;
    }
    const words = this.#chunks.getOrMake(Math.floor(pfn / CHUNK_FRAMES));
    const bit = pfn % CHUNK_FRAMES;
    words[bit >>> 5] |= 1 << (bit & 31);
  }

  #tryClearFar(pfn: number): boolean {
    if (pfn % 1 !== 0 || pfn < this.#flatFrames) return false; // not a frame, or flat and never set
    const words = this.#chunks.get(Math.floor(pfn / CHUNK_FRAMES));
    if (words === undefined) return false;
    const bit = pfn % CHUNK_FRAMES;
    const w = bit >>> 5;
    const m = 1 << (bit & 31);
    if ((words[w] & m) === 0) return false;
    words[w] ^= m;
    return true;
  }

  #testFar(pfn: number): boolean {
    if (pfn % 1 !== 0 || pfn < this.#flatFrames) return false; // not a frame, or flat and never set
    const words = this.#chunks.get(Math.floor(pfn / CHUNK_FRAMES));
    if (words === undefined) return false;
    const bit = pfn % CHUNK_FRAMES;
    return (words[bit >>> 5] & (1 << (bit & 31))) !== 0;
  }

  /** Grows the flat array to hold word `w` (doubling, at most the flat frames' words). */
  #grow(w: number): Uint32Array {
    const limit = Math.ceil(this.#flatFrames / 32);
    let size = Math.max(MIN_FLAT_WORDS, this.#flat.length * 2);
    while (size < w + 1) size *= 2;
    size = Math.min(limit, size);
    const flat = new Uint32Array(size);
    flat.set(this.#flat);
    this.#flat = flat;
    this.#flatBits = new FlatBits(flat);
    return flat;
  }

  #apply(start: number, count: number, on: boolean): void {
    const end = start + count;
    let pfn = start;
    const flatFrames = this.#flatFrames;
    if (pfn < flatFrames) {
      const stop = Math.min(end, flatFrames);
      if (on && stop - 1 >= this.#flat.length * 32) this.#grow((stop - 1) >>> 5);
      const to = Math.min(stop, this.#flat.length * 32);
      if (pfn < to) applyWords(this.#flat, pfn, to, on);
      pfn = stop;
    }
    while (pfn < end) {
      const index = Math.floor(pfn / CHUNK_FRAMES);
      const base = index * CHUNK_FRAMES;
      const stop = Math.min(end, base + CHUNK_FRAMES);
      const words = on ? this.#chunks.getOrMake(index) : this.#chunks.get(index);
      if (words !== undefined) applyWords(words, pfn - base, stop - base, on);
      pfn = stop;
    }
  }

  #find(start: number, count: number, wantSet: boolean): number {
    const end = start + count;
    let pfn = start;
    const flatFrames = this.#flatFrames;
    if (pfn < flatFrames) {
      const stop = Math.min(end, flatFrames);
      const covered = this.#flat.length * 32;
      const to = Math.min(stop, covered);
      if (pfn < to) {
        const found = findWords(this.#flat, pfn, to, wantSet);
        if (found >= 0) return found;
      }
      // Frames past the array are clear.
      if (!wantSet && stop > Math.max(pfn, covered)) return Math.max(pfn, covered);
      pfn = stop;
    }
    while (pfn < end) {
      const index = Math.floor(pfn / CHUNK_FRAMES);
      const base = index * CHUNK_FRAMES;
      const stop = Math.min(end, base + CHUNK_FRAMES);
      const words = this.#chunks.get(index);
      if (words === undefined) {
        if (!wantSet) return pfn;
      } else {
        const found = findWords(words, pfn - base, stop - base, wantSet);
        if (found >= 0) return base + found;
      }
      pfn = stop;
    }
    return -1;
  }
}
