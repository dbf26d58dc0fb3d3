/**
 * A bitmap with summary levels: bit `w` of level `L + 1` is set while word `w` of level `L`
 * is non-zero. Setting and clearing touch one word per level at most (usually one); the
 * lowest set bit at or after an index is found by climbing to the first non-zero summary
 * word and descending, O(levels) = O(log32 n), never a scan of the bitmap.
 *
 * Bit indices are below 2^31 (an area is at most 2^31 frames, see `MAX_AREA_FRAMES`), so they
 * are split into word and bit with `>>> 5` and `& 31`.
 */
export class LevelBitmap {
  readonly levels: Uint32Array[] = [];
  readonly bits: number;
  /** Level 0: the bits themselves. */
  readonly bottom: Uint32Array;

  constructor(bits: number) {
    this.bits = bits;
    let n = bits;
    do {
      const words = Math.max(1, Math.ceil(n / 32));
      this.levels.push(new Uint32Array(words));
      n = words;
    } while (n > 1);
    this.bottom = this.levels[0];
  }

  get byteLength(): number {
    let bytes = 0;
    for (const level of this.levels) bytes += level.byteLength;
    return bytes;
  }

  test(i: number): boolean {
    return (this.bottom[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  set(i: number): void {
    const levels = this.levels;
    let index = i;
    for (let l = 0; l < levels.length; l++) {
      const level = levels[l];
      const w = index >>> 5;
      const old = level[w];
      level[w] = old | (1 << (index & 31));
      if (old !== 0) return;
      index = w;
    }
  }

  clear(i: number): void {
    const levels = this.levels;
    let index = i;
    for (let l = 0; l < levels.length; l++) {
      const level = levels[l];
      const w = index >>> 5;
      const now = level[w] & ~(1 << (index & 31));
      level[w] = now;
      if (now !== 0) return;
      index = w;
    }
  }

  /**
   * Sets or clears bit `i` of level 0 only, leaving the summaries alone. Used to mark frames
   * tentatively and undo the mark before any search runs (the summaries stay exact).
   */
  toggleRaw(i: number): void {
    this.bottom[i >>> 5] ^= 1 << (i & 31);
  }

  /** The lowest set bit, or -1: down from the top summary word, one word per level. */
  first(): number {
    const levels = this.levels;
    let i = 0;
    for (let l = levels.length - 1; l >= 0; l--) {
      const word = levels[l][i];
      if (word === 0) return -1;
      i = i * 32 + lowestBit(word);
    }
    return i;
  }

  /** True when a bit in `[lo, hi]` is set: one masked word when they share it, else a search. */
  anyIn(lo: number, hi: number): boolean {
    const w = lo >>> 5;
    if (w === hi >>> 5) {
      const mask = (-1 << (lo & 31)) & (-1 >>> (31 - (hi & 31)));
      return (this.bottom[w] & mask) !== 0;
    }
    const last = hi >>> 5;
    if (last - w <= 16) {
      // A short span: its words directly, the first and last masked.
      const bottom = this.bottom;
      if ((bottom[w] & (-1 << (lo & 31))) !== 0) return true;
      for (let k = w + 1; k < last; k++) if (bottom[k] !== 0) return true;
      return (bottom[last] & (-1 >>> (31 - (hi & 31)))) !== 0;
    }
    const i = this.next(lo);
    return i >= 0 && i <= hi;
  }

  /** The lowest set bit `>= i`, or -1. */
  next(i: number): number {
    return i >= this.bits ? -1 : this.#next(0, i);
  }

  #next(level: number, i: number): number {
    const words = this.levels[level];
    const w = i >>> 5;
    if (w >= words.length) return -1;
    const masked = words[w] & (-1 << (i & 31));
    if (masked !== 0) return w * 32 + lowestBit(masked);
    if (level + 1 === this.levels.length) return -1;
    const nextWord = this.#next(level + 1, w + 1);
    return nextWord < 0 ? -1 : nextWord * 32 + lowestBit(words[nextWord]);
  }
}

/** Index of the lowest set bit of a non-zero 32-bit word. */
function lowestBit(word: number): number {
  return 31 - Math.clz32(word & -word);
}
