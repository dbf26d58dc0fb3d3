import { FRAME_BYTES } from './api';

/** Frames per leaf of the table: one sparse-space chunk (2 MiB). */
const LEAF_FRAMES = 512;
/** Up to this many chunks (128 GiB of frames) the directory is one typed array. */
const TYPED_DIRECTORY_CHUNKS = 2 ** 16;

/**
 * Frame → block: which heap block holds each frame (SLUB finds an object's slab through its
 * `struct page` the same way). A two-level table: a leaf of 512 entries per 2 MiB of frames,
 * made when a block first lands there and kept (the heap reuses its frames, so leaves are not
 * churned). Entries hold `block id + 1`; 0 is "no block". Up to 128 GiB of frames the directory
 * is an `Int32Array` of offsets into one pool of leaves, so a lookup reads two typed arrays;
 * past that (a sparse terabyte space), leaves hang off a sparse array and cost only where touched.
 */
export class FrameTable {
  /** Chunk → offset of its leaf in `#pool`, or -1. */
  readonly #dir: Int32Array | undefined;
  #pool = new Int32Array(0);
  #leafCount = 0;
  /** Leaves by chunk when the directory is not typed. */
  readonly #leaves: (Int32Array | undefined)[] = [];

  constructor(frameCount: number) {
    const chunks = Math.ceil(frameCount / LEAF_FRAMES);
    this.#dir = chunks <= TYPED_DIRECTORY_CHUNKS ? new Int32Array(chunks).fill(-1) : undefined;
  }

  /** The block holding the byte at `address`, or -1. Any number is accepted (negative, huge: -1). */
  blockAt(address: number): number {
    // Float arithmetic only (addresses pass 2^32; a float `%` is a slow call).
    const pfn = Math.floor(address / FRAME_BYTES);
    const index = Math.floor(pfn / LEAF_FRAMES);
    const dir = this.#dir;
    if (dir !== undefined) {
      if (!(index >= 0 && index < dir.length)) return -1;
      const at = dir[index];
      return at < 0 ? -1 : this.#pool[at + pfn - index * LEAF_FRAMES] - 1;
    }
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

  /** Bytes of the leaves and the directory. */
  bytes(): number {
    if (this.#dir !== undefined) return this.#pool.byteLength + this.#dir.byteLength;
    return this.#leafCount * (LEAF_FRAMES * 4 + 16);
  }

  #fill(pfn: number, frames: number, value: number): void {
    let at = pfn;
    const end = pfn + frames;
    while (at < end) {
      const index = Math.floor(at / LEAF_FRAMES);
      const from = at - index * LEAF_FRAMES;
      const to = Math.min(LEAF_FRAMES, end - index * LEAF_FRAMES);
      if (this.#dir !== undefined) {
        const base = this.#leafOffset(index);
        this.#pool.fill(value, base + from, base + to);
      } else {
        let leaf = this.#leaves[index];
        if (leaf === undefined) {
          leaf = new Int32Array(LEAF_FRAMES);
          this.#leaves[index] = leaf;
          this.#leafCount++;
        }
        leaf.fill(value, from, to);
      }
      at = index * LEAF_FRAMES + to;
    }
  }

  /** The offset of chunk `index`'s leaf in the pool, made (the pool grown) on first use. */
  #leafOffset(index: number): number {
    const dir = this.#dir!;
    if (dir[index] >= 0) return dir[index];
    const offset = this.#leafCount * LEAF_FRAMES;
    if (offset + LEAF_FRAMES > this.#pool.length) {
      const pool = new Int32Array(Math.max(LEAF_FRAMES, this.#pool.length * 2));
      pool.set(this.#pool);
      this.#pool = pool;
    }
    dir[index] = offset;
    this.#leafCount++;
    return offset;
  }
}
