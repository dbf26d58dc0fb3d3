import { FRAME_BYTES } from './api';

/** Frames per leaf of the table: one sparse-space chunk (2 MiB). */
const LEAF_FRAMES = 512;

/**
 * Frame → block: which heap block holds each frame (SLUB finds an object's slab through its
 * `struct page` the same way). A two-level table: a leaf of 512 `Int32Array` entries per 2 MiB
 * of frames, made when a block first lands there and kept (a 1 TiB space costs only the leaves
 * of the frames the heap has touched; heaps reuse frames, so leaves are not churned). Entries
 * hold `block id + 1`; 0 is "no block".
 */
export class FrameTable {
  /** Leaves by `floor(pfn / 512)` (a sparse array: missing leaves cost nothing). */
  readonly #leaves: (Int32Array | undefined)[] = [];
  #leafCount = 0;

  /** The block holding the byte at `address`, or -1. Any number is accepted (negative, huge: -1). */
  blockAt(address: number): number {
    // Float arithmetic only (addresses pass 2^32; a float `%` is a slow call).
    const pfn = Math.floor(address / FRAME_BYTES);
    const index = Math.floor(pfn / LEAF_FRAMES);
    const leaf = this.#leaves[index];
    return leaf === undefined ? -1 : leaf[pfn - index * LEAF_FRAMES] - 1;
  }

  /** Files frames `[pfn, pfn + frames)` under `block`. */
  set(pfn: number, frames: number, block: number): void {
    this.#fill(pfn, frames, block + 1);
  }

  /** Forgets frames `[pfn, pfn + frames)`. */
  clear(pfn: number, frames: number): void {
    this.#fill(pfn, frames, 0);
  }

  /** Bytes of the leaves (the directory is a sparse array of references). */
  bytes(): number {
    return this.#leafCount * (LEAF_FRAMES * 4 + 16);
  }

  #fill(pfn: number, frames: number, value: number): void {
    if (frames === 1) {
      const index = Math.floor(pfn / LEAF_FRAMES);
      this.#leaf(index)[pfn - index * LEAF_FRAMES] = value;
      return;
    }
    let at = pfn;
    const end = pfn + frames;
    while (at < end) {
      const index = Math.floor(at / LEAF_FRAMES);
      const from = at - index * LEAF_FRAMES;
      const to = Math.min(LEAF_FRAMES, end - index * LEAF_FRAMES);
      this.#leaf(index).fill(value, from, to);
      at = index * LEAF_FRAMES + to;
    }
  }

  #leaf(index: number): Int32Array {
    let leaf = this.#leaves[index];
    if (leaf === undefined) {
      leaf = new Int32Array(LEAF_FRAMES);
      this.#leaves[index] = leaf;
      this.#leafCount++;
    }
    return leaf;
  }
}
