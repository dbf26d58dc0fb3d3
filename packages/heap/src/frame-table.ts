/** Bytes per frame (a literal, as an imported binding is not constant-folded). */
const FRAME_BYTES = 4096;

/** Frames per leaf of the table: one sparse-space chunk (2 MiB). */
const LEAF_FRAMES = 512;
/** Up to this many chunks (128 GiB of frames) the directory is one typed array. */
const TYPED_DIRECTORY_CHUNKS = 2 ** 16;
/** Words of `meta` per frame: its key, then its live bits (one per 16-byte granule). */
export const META_WORDS = 9 as const;

/**
 * Frame → block: which heap block holds each frame (SLUB finds an object's slab through its
 * `struct page` the same way), and which 16-byte granules of it start a live allocation. A
 * two-level table: a leaf of 512 entries per 2 MiB of frames, made when a block first lands
 * there and kept (the heap reuses its frames, so leaves are not churned). Leaves live in one
 * pool: entry `pos` holds `block id + 1` (0: no block) in `pool[pos]`, and in `meta[pos * 9]`
 * the frame's key and in `meta[pos * 9 + 1 …]` its eight words of live bits (side by side, so a
 * `free` touches one array). Up to 128 GiB of frames the directory is an `Int32Array`, so a lookup
 * reads two typed arrays; past that (a sparse terabyte space) it is a map of the chunks touched.
 *
 * The live bits are the heap's word on `free`: an address is a live allocation's start exactly
 * when its bit is set, so a foreign, interior, freed or cached (kept for reuse) address is
 * caught with one load, whatever the strategy.
 */
export class FrameTable {
  /** Chunk → offset of its leaf in the pool, or -1 (empty when the directory is not typed). */
  readonly dir: Int32Array = new Int32Array(0);
  readonly #typed: boolean = false;
  /** Chunk → offset when the directory is not typed. */
  readonly #dirMap = new Map<number, number>();
  /** Per entry: block id + 1, or 0. */
  pool = new Int32Array(0);
  /**
   * Per entry, 9 words. The key: what a `free` needs without asking the block, where the cache
   * stack of the owner and class of every object of the block starts (-1 when they vary or the
   * class keeps nothing; below -2, `-3 - the first stack of the owner` when the objects vary but
   * carry a size word). Then 8 words of live bits: bit g set while an allocation starts at
   * granule g of the frame's 256.
   */
  meta = new Int32Array(0);
  #leafCount = 0;

  constructor(frameCount: number) {
    const chunks = Math.ceil(frameCount / LEAF_FRAMES);
    this.#typed = chunks <= TYPED_DIRECTORY_CHUNKS;
    this.dir = new Int32Array(this.#typed ? chunks : 0).fill(-1);
  }

  /** The entry of frame `pfn` in the pool, or -1 when no leaf covers it (any number: NaN, negative, huge → -1). */
  position(pfn: number): number {
    // Float arithmetic only (frame numbers may pass 2^31).
    const index = Math.floor(pfn / LEAF_FRAMES);
    const dir = this.dir;
    let at: number;
    if (this.#typed) {
      if (!(index >= 0 && index < dir.length)) return -1;
      at = dir[index];
    } else at = this.#dirMap.get(index) ?? -1;
    return at < 0 ? -1 : at + pfn - index * LEAF_FRAMES;
  }

  /** The block holding the byte at `address`, or -1. Any number is accepted (negative, huge: -1). */
  blockAt(address: number): number {
    const pos = this.position(Math.floor(address / FRAME_BYTES));
    return pos < 0 ? -1 : this.pool[pos] - 1;
  }

  /**
   * The index in `live` of the word holding the bit of `address` (or -1 when no leaf covers
   * it, or `address` is not a 16-aligned integer); the bit is `liveMask(address)`.
   */
  liveWord(address: number): number {
    const pfn = Math.floor(address / FRAME_BYTES);
    const pos = this.position(pfn);
    const offset = address - pfn * FRAME_BYTES;
    // `offset & 0xff0` equals `offset` only for an integer multiple of 16 below 4096.
    if (pos < 0 || (offset & 0xff0) !== offset) return -1;
    return pos * META_WORDS + 1 + (offset >>> 9);
  }

  /** True when an allocation starts at `address` (per the live bits). */
  isLive(address: number): boolean {
    const word = this.liveWord(address);
    return word >= 0 && (this.meta[word] & liveMask(address)) !== 0;
  }

  /** Files frames `[pfn, pfn + frames)` under `block` with `key` (their live bits clear). */
  set(pfn: number, frames: number, block: number, key: number): void {
    this.#fill(pfn, frames, block + 1, key);
  }

  /** Forgets frames `[pfn, pfn + frames)` and their live bits. */
  clear(pfn: number, frames: number): void {
    this.#fill(pfn, frames, 0, 0);
  }

  /** Bytes of the leaves (entries and live bits) and the directory. */
  bytes(): number {
    return this.pool.byteLength + this.meta.byteLength + this.dir.byteLength + this.#dirMap.size * 16;
  }

  #fill(pfn: number, frames: number, value: number, key: number): void {
    let at = pfn;
    const end = pfn + frames;
    while (at < end) {
      const index = Math.floor(at / LEAF_FRAMES);
      const from = at - index * LEAF_FRAMES;
      const to = Math.min(LEAF_FRAMES, end - index * LEAF_FRAMES);
      const base = this.#leafOffset(index);
      this.pool.fill(value, base + from, base + to);
      const meta = this.meta;
      meta.fill(0, (base + from) * META_WORDS, (base + to) * META_WORDS);
      for (let pos = base + from; pos < base + to; pos++) meta[pos * META_WORDS] = key;
      at = index * LEAF_FRAMES + to;
    }
  }

  /** The offset of chunk `index`'s leaf in the pool, made (the pool grown) on first use. */
  #leafOffset(index: number): number {
    const known = this.#typed ? this.dir[index] : (this.#dirMap.get(index) ?? -1);
    if (known >= 0) return known;
    const offset = this.#leafCount * LEAF_FRAMES;
    if (offset + LEAF_FRAMES > this.pool.length) {
      // One leaf more (leaves are few and kept, so growing is rare; doubling would hold unused ones).
      const n = offset + LEAF_FRAMES;
      const pool = new Int32Array(n);
      pool.set(this.pool);
      this.pool = pool;
      const meta = new Int32Array(n * META_WORDS);
      meta.set(this.meta);
      this.meta = meta;
    }
    if (this.#typed) this.dir[index] = offset;
    else this.#dirMap.set(index, offset);
    this.#leafCount++;
    return offset;
  }
}

/**
 * The bit of a 16-aligned `address` in its live word: granule `address / 16` mod 32. `>>>` on a
 * safe integer keeps its low 32 bits exactly (ToUint32 is arithmetic mod 2^32), and those hold
 * the granule's low 5 bits, so this is exact at any address.
 */
export function liveMask(address: number): number {
  return 1 << ((address >>> 4) & 31);
}
