import { NO_FRAME, type Pfn } from '@framekit/core';
import { setConstant } from '@framekit/core/plugin';
import { HEADER_WORDS, NO_LINK_WORD, WORD_RANGE } from './layout';
import type { NodeStore } from './node-store';

const NO_WORDS = new Uint32Array(0);

/**
 * A stack of free frame numbers whose nodes are free frames themselves (see `layout.ts`).
 *
 * - `push(pfn)`: if the top node has room, `pfn` goes into its array; otherwise `pfn`
 *   itself becomes the new top node, linked to the old one, with an empty array.
 * - `pop()`: if the top node's array is not empty, its last entry comes out; otherwise the
 *   top node's own frame is handed out and the node it links to (full) becomes the top.
 *
 * So a node frame is never handed out while it holds entries, and every frame on the stack
 * is either an entry or a node. One algorithm for both modes: only the `NodeStore` decides
 * where a node's words are. No allocation in `push`/`pop` except when the top moves to a
 * node in another buffer (a sparse space's other chunk, or a grown typed array).
 */
export class FrameStack {
  // Every field starts with a value of its final type (not `undefined`, as a declared field
  // without one does): V8 then keeps numbers as small integers and knows `#words` is always a
  // Uint32Array, so the hot paths load them without checks.
  readonly #store: NodeStore;
  /** Entries per node. */
  readonly #entries: number = 0;
  /** Words per entry: 1, or 2 when frame numbers reach 2^32. */
  readonly #entryWords: number = 1;
  /** Entries of two words (set once: a constant to V8, see `setConstant`). */
  declare private readonly _wide: boolean;

  /** The array holding the top node, and the top node's word indexes in it. */
  #words: Uint32Array = NO_WORDS;
  #base = 0;
  /** The first entry word, the next free entry word, and one past the last entry word. */
  #floor = 0;
  #cursor = 0;
  #limit = 0;
  /** The top node's frame, or `NO_FRAME` when the stack is empty. */
  #top: Pfn = NO_FRAME;
  /** Nodes on the stack. */
  #depth = 0;

  constructor(store: NodeStore, entries: number, entryWords: 1 | 2) {
    this.#store = store;
    this.#entries = entries;
    this.#entryWords = entryWords;
    setConstant(this, '_wide', entryWords === 2);
    this.#words = store.words;
  }

  /** Frames on the stack: every node and every entry. */
  get size(): number {
    if (this.#depth === 0) return 0;
    // Every node below the top is full.
    return this.#depth * (1 + this.#entries) - this.#entries + this.entriesInTop;
  }

  /** Nodes on the stack. */
  get depth(): number {
    return this.#depth;
  }

  /** The top node's frame, or `NO_FRAME`. */
  get top(): Pfn {
    return this.#top;
  }

  /** Entries in the top node's array. */
  get entriesInTop(): number {
    return (this.#cursor - this.#floor) / this.#entryWords;
  }

  /** Calls `visit(pfn)` for every frame on the stack, nodes included (a slow path: it walks every node). */
  forEach(visit: (pfn: Pfn) => void): void {
    if (this.#top === NO_FRAME) return;
    const wide = this._wide;
    const step = this.#entryWords;
    let words = this.#words;
    for (let w = this.#floor; w < this.#cursor; w += step)
      visit(wide ? words[w] + words[w + 1] * WORD_RANGE : words[w]);
    visit(this.#top);
    let low = words[this.#base];
    let high = words[this.#base + 1];
    let depth = this.#depth - 1;
    while (!(low === NO_LINK_WORD && high === NO_LINK_WORD)) {
      const pfn = low + high * WORD_RANGE;
      depth--;
      const base = this.#store.open(pfn, depth);
      words = this.#store.words;
      visit(pfn);
      const floor = base + HEADER_WORDS;
      const limit = floor + this.#entries * step;
      for (let w = floor; w < limit; w += step) visit(wide ? words[w] + words[w + 1] * WORD_RANGE : words[w]);
      low = words[base];
      high = words[base + 1];
    }
  }

  push(pfn: Pfn): void {
    const cursor = this.#cursor;
    if (cursor === this.#limit) {
      this.#pushNode(pfn);
      return;
    }
    const words = this.#words;
    if (this._wide) {
      words[cursor] = pfn; // a Uint32Array store keeps the low 32 bits
      words[cursor + 1] = Math.floor(pfn / WORD_RANGE);
      this.#cursor = cursor + 2;
    } else {
      words[cursor] = pfn;
      this.#cursor = cursor + 1;
    }
  }

  /**
   * A frame off the stack, or `NO_FRAME` when it is empty or holds only the bottom node, empty:
   * that node's own frame comes out of `popBottom`, so a caller with other free frames (never
   * touched ones) can keep the bottom node, and a stack that runs empty and fills again does
   * not turn the first frame freed each time into a new node.
   */
  pop(): Pfn {
    let cursor = this.#cursor;
    if (cursor === this.#floor) return this.#depth > 1 ? this.#popNode() : NO_FRAME;
    const words = this.#words;
    if (this._wide) {
      cursor -= 2;
      this.#cursor = cursor;
      return words[cursor] + words[cursor + 1] * WORD_RANGE;
    }
    cursor -= 1;
    this.#cursor = cursor;
    return words[cursor];
  }

  /** The bottom node's own frame, when it is all the stack holds (else `NO_FRAME`). */
  popBottom(): Pfn {
    return this.#depth === 1 && this.#cursor === this.#floor ? this.#popNode() : NO_FRAME;
  }

  /** `pfn` becomes the top node, linked to the old top, with an empty array. */
  #pushNode(pfn: Pfn): void {
    const base = this.#store.open(pfn, this.#depth);
    const words = this.#store.words;
    const below = this.#top;
    if (below === NO_FRAME) {
      words[base] = NO_LINK_WORD;
      words[base + 1] = NO_LINK_WORD;
    } else {
      words[base] = below;
      words[base + 1] = Math.floor(below / WORD_RANGE);
    }
    this.#top = pfn;
    this.#depth++;
    this.#enter(words, base, false);
  }

  /** Hands out the top node's own frame (its array is empty); the node below becomes the top. */
  #popNode(): Pfn {
    const pfn = this.#top;
    const words = this.#words;
    const low = words[this.#base];
    const high = words[this.#base + 1];
    this.#depth--;
    this.#store.release(this.#depth);
    if (low === NO_LINK_WORD && high === NO_LINK_WORD) {
      this.#top = NO_FRAME;
      this.#words = this.#store.words;
      this.#base = this.#floor = this.#cursor = this.#limit = 0;
      return pfn;
    }
    const below = low + high * WORD_RANGE;
    const base = this.#store.open(below, this.#depth - 1);
    this.#top = below;
    this.#enter(this.#store.words, base, true);
    return pfn;
  }

  /** Makes the node at `base` of `words` the top: empty (just pushed) or full (uncovered). */
  #enter(words: Uint32Array, base: number, full: boolean): void {
    this.#words = words;
    this.#base = base;
    this.#floor = base + HEADER_WORDS;
    this.#limit = this.#floor + this.#entries * this.#entryWords;
    this.#cursor = full ? this.#limit : this.#floor;
  }
}
