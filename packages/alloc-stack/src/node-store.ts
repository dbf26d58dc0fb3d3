import type { FrameSpace, Pfn } from '@framekit/core';
import { FrameWords } from '@framekit/core/plugin';

/**
 * Where the words of the stack's nodes live. The stack names a node by its frame number
 * and its depth (0 = bottom node) and asks the store for the word index of the node's
 * first word in `words`. This is the only thing the two modes do differently.
 */
export interface NodeStore {
  /** The array that holds the node last opened. */
  readonly words: Uint32Array;
  /** Makes node `pfn` at `depth` addressable: returns its first word's index in `words`. */
  open(pfn: Pfn, depth: number): number;
  /** The node at `depth` left the stack (its frame was handed out). */
  release(depth: number): void;
  /** Bytes this store keeps outside the frames. */
  bytes(): number;
}

const EMPTY = new Uint32Array(0);

/**
 * Nodes inside the free frames themselves: a node's words are the first words of its
 * frame's contents, so the stack costs no memory of its own (PatchworkOS's design). The
 * views are core's cached `FrameWords` (the dense space, or one per 2 MiB chunk of a sparse
 * one), so moving from node to node allocates nothing.
 */
export class FrameNodeStore implements NodeStore {
  words: Uint32Array = EMPTY;
  readonly #frames: FrameWords;

  constructor(space: FrameSpace) {
    this.#frames = new FrameWords(space, 'stack');
  }

  open(pfn: Pfn, _depth: number): number {
    const frames = this.#frames;
    this.words = frames.words(pfn);
    return frames.wordBase;
  }

  release(_depth: number): void {}

  bytes(): number {
    return 0;
  }
}

/** The smallest typed-array store, in nodes (slot counts stay powers of two). */
const MIN_SLOTS = 4;

/**
 * Nodes in a typed array, for spaces without contents: the node at depth `d` is slot `d`
 * (nodes come and go in stack order, so depth is a perfect slot number). The array doubles
 * when full and halves when three quarters empty.
 */
export class ArrayNodeStore implements NodeStore {
  words: Uint32Array = EMPTY;
  readonly #nodeWords: number = 0;

  constructor(nodeWords: number) {
    this.#nodeWords = nodeWords;
  }

  open(_pfn: Pfn, depth: number): number {
    const base = depth * this.#nodeWords;
    if (base + this.#nodeWords > this.words.length) {
      let slots = Math.max(MIN_SLOTS, this.words.length / this.#nodeWords);
      while (slots < depth + 1) slots *= 2;
      this.#resize(slots, depth);
    }
    return base;
  }

  release(depth: number): void {
    const slots = this.words.length / this.#nodeWords;
    // `depth` nodes remain below the one released.
    if (slots > MIN_SLOTS && depth * 4 <= slots) this.#resize(slots / 2, depth);
  }

  bytes(): number {
    return this.words.byteLength;
  }

  #resize(slots: number, live: number): void {
    const words = new Uint32Array(slots * this.#nodeWords);
    words.set(this.words.subarray(0, live * this.#nodeWords));
    this.words = words;
  }
}
