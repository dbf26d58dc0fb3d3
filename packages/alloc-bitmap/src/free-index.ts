import { lowestBit } from './bits';

/**
 * The "any free" hierarchy above a bitmap: level 0 has one bit per bitmap word (set when the
 * word has a free frame), level L+1 one bit per word of level L, up to a single top word.
 * Finding the lowest free frame is one `lowestBit` per level: O(log32 n).
 */
export class FreeIndex {
  readonly levels: Int32Array[] = [];
  /** Bits that exist at each level (the last word of a level may be partly unused). */
  readonly #bits: number[] = [];

  constructor(words: number) {
    let bits = words;
    for (;;) {
      const length = (bits + 31) >>> 5;
      this.levels.push(new Int32Array(length));
      this.#bits.push(bits);
      if (length === 1) break;
      bits = length;
    }
  }

  get bytes(): number {
    let sum = 0;
    for (const level of this.levels) sum += level.byteLength;
    return sum;
  }

  /** Marks every word as having a free frame (a bitmap filled with ones). */
  fillAll(): void {
    for (let l = 0; l < this.levels.length; l++) {
      const level = this.levels[l];
      level.fill(-1);
      const rest = this.#bits[l] & 31;
      if (rest !== 0) level[level.length - 1] = (1 << rest) - 1;
    }
  }

  /** Word `i` of the bitmap now has a free frame. */
  markNonEmpty(i: number): void {
    this.#setFrom(0, i);
  }

  /** Word `i` of the bitmap has no free frame left. */
  markEmpty(i: number): void {
    this.#clearFrom(0, i);
  }

  /** The bitmap words `32 * j + b`, for each bit `b` of `mask`, now have a free frame (whether or not they had one). */
  markNonEmptyWords(j: number, mask: number): void {
    const level = this.levels[0];
    const before = level[j];
    level[j] = before | mask;
    if (before === 0) this.#setFrom(1, j);
  }

  /** The bitmap words `32 * j + b`, for each bit `b` of `mask`, have no free frame left. */
  markEmptyWords(j: number, mask: number): void {
    const level = this.levels[0];
    const after = level[j] & ~mask;
    level[j] = after;
    if (after === 0) this.#clearFrom(1, j);
  }

  /** Sets bit `index` of level `from` (the word it stands for has a free frame), and up while words were empty. */
  #setFrom(from: number, index: number): void {
    const levels = this.levels;
    let at = index;
    for (let l = from; l < levels.length; l++) {
      const level = levels[l];
      const j = at >> 5;
      const before = level[j];
      level[j] = before | (1 << (at & 31));
      if (before !== 0) return;
      at = j;
    }
  }

  /** Clears bit `index` of level `from` (the word it stands for has none), and up while words become empty. */
  #clearFrom(from: number, index: number): void {
    const levels = this.levels;
    let at = index;
    for (let l = from; l < levels.length; l++) {
      const level = levels[l];
      const j = at >> 5;
      const after = level[j] & ~(1 << (at & 31));
      level[j] = after;
      if (after !== 0) return;
      at = j;
    }
  }

  /** The lowest bitmap word with a free frame, or -1. Descends from the top word. */
  first(): number {
    const levels = this.levels;
    let index = 0;
    for (let l = levels.length - 1; l >= 0; l--) {
      const word = levels[l][index];
      if (word === 0) return -1;
      index = (index << 5) + lowestBit(word);
    }
    return index;
  }

  /** The lowest bitmap word `>= from` with a free frame, or -1: climbs until a level has one, then descends. */
  next(from: number): number {
    const levels = this.levels;
    let index = from;
    for (let l = 0; l < levels.length; l++) {
      const level = levels[l];
      const j = index >> 5;
      if (j >= level.length) return -1;
      const word = level[j] & (-1 << (index & 31));
      if (word !== 0) {
        index = (j << 5) + lowestBit(word);
        for (let d = l - 1; d >= 0; d--) index = (index << 5) + lowestBit(levels[d][index]);
        return index;
      }
      index = j + 1;
    }
    return -1;
  }
}
