import { lowestBit } from './layout';

/*
 * A set of local entry numbers as a two-level bitmap: one bit per entry, and one summary
 * bit per non-zero 32-bit word. `findFirst` skips 1024 entries (2 GiB) per summary bit, so a
 * below-a-limit search looks at a few words instead of walking a free list. The allocator
 * keeps two: entries that are wholly free (2 MiB available) and entries with any free frame.
 */
export class EntrySet {
  readonly #words: Int32Array = new Int32Array(0);
  readonly #summary: Int32Array = new Int32Array(0);

  constructor(entries: number) {
    this.#words = new Int32Array(Math.ceil(entries / 32));
    this.#summary = new Int32Array(Math.ceil(this.#words.length / 32));
  }

  add(e: number): void {
    const w = e >>> 5;
    this.#words[w] |= 1 << (e & 31);
    this.#summary[w >>> 5] |= 1 << (w & 31);
  }

  /** Adds every entry below `n` at once, a word at a time (a full start). */
  addAll(n: number): void {
    const full = n >>> 5;
    this.#words.fill(-1, 0, full);
    if ((n & 31) !== 0) this.#words[full] |= (1 << (n & 31)) - 1;
    const used = Math.ceil(n / 32);
    const summaryFull = used >>> 5;
    this.#summary.fill(-1, 0, summaryFull);
    if ((used & 31) !== 0) this.#summary[summaryFull] |= (1 << (used & 31)) - 1;
  }

  delete(e: number): void {
    const w = e >>> 5;
    const word = this.#words[w] & ~(1 << (e & 31));
    this.#words[w] = word;
    if (word === 0) this.#summary[w >>> 5] &= ~(1 << (w & 31));
  }

  /** No member in `[32 * w, 32 * w + 32)`: one word. */
  noneInWord(w: number): boolean {
    return this.#words[w] === 0;
  }

  has(e: number): boolean {
    return (this.#words[e >>> 5] & (1 << (e & 31))) !== 0;
  }

  /** The lowest member in `[from, to)`, or -1. */
  findFirst(from: number, to: number): number {
    if (from >= to) return -1;
    const words = this.#words;
    const summary = this.#summary;
    let w = from >>> 5;
    // The first word may hold members below `from`: mask them off.
    let word = words[w] & (-1 << (from & 31));
    if (word === 0) {
      w++;
      let s = w >>> 5;
      let bits = s < summary.length ? summary[s] & (-1 << (w & 31)) : 0;
      while (bits === 0) {
        s++;
        if (s >= summary.length || s * 1024 >= to) return -1;
        bits = summary[s];
      }
      w = s * 32 + lowestBit(bits);
      word = words[w];
    }
    const e = w * 32 + lowestBit(word);
    return e < to ? e : -1;
  }

  get byteLength(): number {
    return this.#words.byteLength + this.#summary.byteLength;
  }
}
