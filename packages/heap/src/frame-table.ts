import { FRAME_BYTES } from './api';

/** Frames per leaf of the table: one sparse-space chunk (2 MiB). */
const LEAF_FRAMES = 512;

/**
 * Frame → block: which heap block holds each frame (SLUB finds an object's slab through its
 * `struct page` the same way). A two-level table: a leaf of 512 `Int32Array` entries per 2 MiB
 * of frames, made when a block first lands there and dropped when its last block leaves, so a
 * 1 TiB space costs only the leaves the heap touches. Entries hold `block id + 1`; 0 is "no block".
 */
export class FrameTable {
  /** Leaves by `floor(pfn / 512)` (a sparse array: missing leaves cost nothing). */
  readonly #leaves: (Int32Array | undefined)[] = [];
  /** Frames filed in each leaf, to drop a leaf when it empties. */
  readonly #leafFrames = new Map<number, number>();

  /** The block holding the byte at `address`, or -1. Any number is accepted (negative, huge: -1). */
  blockAt(address: number): number {
    const pfn = Math.floor(address / FRAME_BYTES);
    const leaf = this.#leaves[Math.floor(pfn / LEAF_FRAMES)];
    return leaf === undefined ? -1 : leaf[pfn % LEAF_FRAMES] - 1;
  }

  /** The block holding frame `pfn`, or -1. */
  blockOf(pfn: number): number {
    const leaf = this.#leaves[Math.floor(pfn / LEAF_FRAMES)];
    return leaf === undefined ? -1 : leaf[pfn % LEAF_FRAMES] - 1;
  }

  /** Files frames `[pfn, pfn + frames)` under `block`. */
  set(pfn: number, frames: number, block: number): void {
    this.#fill(pfn, frames, block + 1);
  }

  /** Forgets frames `[pfn, pfn + frames)`. */
  clear(pfn: number, frames: number): void {
    this.#fill(pfn, frames, 0);
  }

  /** Leaves in use. */
  get leaves(): number {
    return this.#leafFrames.size;
  }

  /** Bytes of the leaves (the directory is a sparse array of references). */
  bytes(): number {
    return this.#leafFrames.size * (LEAF_FRAMES * 4 + 16);
  }

  #fill(pfn: number, frames: number, value: number): void {
    let at = pfn;
    const end = pfn + frames;
    while (at < end) {
      const index = Math.floor(at / LEAF_FRAMES);
      const from = at - index * LEAF_FRAMES;
      const to = Math.min(LEAF_FRAMES, end - index * LEAF_FRAMES);
      let leaf = this.#leaves[index];
      if (leaf === undefined) {
        leaf = new Int32Array(LEAF_FRAMES);
        this.#leaves[index] = leaf;
      }
      leaf.fill(value, from, to);
      const filed = (this.#leafFrames.get(index) ?? 0) + (value === 0 ? from - to : to - from);
      if (filed === 0) {
        this.#leaves[index] = undefined;
        this.#leafFrames.delete(index);
      } else this.#leafFrames.set(index, filed);
      at = index * LEAF_FRAMES + to;
    }
  }
}
