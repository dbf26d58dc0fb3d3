/**
 * A bitmap with summary levels: bit `w` of level `L + 1` is set while word `w` of level `L`
 * is non-zero. Setting and clearing touch one word per level at most (usually one); the
 * lowest set bit is found by descending from the top word, O(levels) = O(log32 n). The
 * allocator keeps one per order over its areas (which areas hold a block of that order) when
 * it has several; each area's own bitmaps are flat (`Area`).
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
}

/**
 * Index of the lowest set bit of a non-zero 32-bit word. `(0 - word) | 0` wraps as 32-bit
 * arithmetic: plain `-word` of bit 31 alone (-2^31) overflows, and V8 would deoptimize this
 * (shared) function to doubles for every later call.
 */
export function lowestBit(word: number): number {
  return 31 - Math.clz32(word & ((0 - word) | 0));
}
