import type { Pfn } from '@framekit/core';

/** Smallest chunk of the bitmap: 2^15 frames (128 MiB of memory) in 4 KiB of bits. */
const MIN_CHUNK_FRAMES = 2 ** 15;
/** The chunk directory stays at most this long; larger spaces get larger chunks. */
const MAX_DIRECTORY = 2 ** 16;
/** What a directory slot costs in a JS array (a pointer). */
const SLOT_BYTES = 8;

/**
 * One bit per frame, set while the frame is allocated: how `free` knows in O(1) that a
 * frame is really handed out. The bits live in chunks made on the first allocation inside
 * them, so a 1 TiB space with a little usable memory costs a small directory plus the
 * chunks its allocations touched. A missing chunk means "nothing allocated here".
 */
export class UsedBits {
  readonly #chunks: (Uint32Array | undefined)[];
  readonly #chunkFrames: number;
  /** `log2(chunkFrames)` and `chunkFrames - 1`, for frame numbers below 2^32. */
  readonly #shift: number;
  readonly #mask: number;
  #chunkCount = 0;

  constructor(frameCount: number) {
    let chunkFrames = MIN_CHUNK_FRAMES;
    while (Math.ceil(frameCount / chunkFrames) > MAX_DIRECTORY) chunkFrames *= 2;
    this.#chunkFrames = chunkFrames;
    this.#shift = Math.log2(chunkFrames);
    this.#mask = chunkFrames - 1;
    this.#chunks = new Array<Uint32Array | undefined>(Math.ceil(frameCount / chunkFrames)).fill(undefined);
  }

  /** Frames per chunk (a power of two, at least 2^15). */
  get chunkFrames(): number {
    return this.#chunkFrames;
  }

  /** True when `pfn` is marked allocated. Any number is accepted: a non-frame is never marked. */
  has(pfn: number): boolean {
    let chunk: Uint32Array | undefined;
    let bit: number;
    // `x >>> 0 === x` holds exactly for integers in [0, 2^32): one test rejects NaN, 0.5, -1
    // and '3', which bit arithmetic would otherwise quietly turn into real frame numbers.
    if (pfn >>> 0 === pfn) {
      chunk = this.#chunks[pfn >>> this.#shift];
      bit = pfn & this.#mask;
    } else if (Number.isSafeInteger(pfn) && pfn > 0) {
      chunk = this.#chunks[Math.floor(pfn / this.#chunkFrames)];
      bit = pfn % this.#chunkFrames;
    } else return false;
    return chunk !== undefined && (chunk[bit >>> 5] & (1 << (bit & 31))) !== 0;
  }

  /** Marks frame `pfn` (a valid frame of the space) allocated. */
  set(pfn: Pfn): void {
    let c: number;
    let bit: number;
    if (pfn >>> 0 === pfn) {
      c = pfn >>> this.#shift;
      bit = pfn & this.#mask;
    } else {
      c = Math.floor(pfn / this.#chunkFrames);
      bit = pfn % this.#chunkFrames;
    }
    const chunk = this.#chunks[c] ?? this.#makeChunk(c);
    chunk[bit >>> 5] |= 1 << (bit & 31);
  }

  /** Marks frames `[start, start + count)` allocated, a word at a time. */
  setRange(start: Pfn, count: number): void {
    const end = start + count;
    let at = start;
    while (at < end) {
      const c = Math.floor(at / this.#chunkFrames);
      const base = c * this.#chunkFrames;
      const to = Math.min(end, base + this.#chunkFrames);
      const chunk = this.#chunks[c] ?? this.#makeChunk(c);
      let bit = at - base;
      const stop = to - base;
      // A ragged head, whole words, a ragged tail.
      while (bit < stop && (bit & 31) !== 0) {
        chunk[bit >>> 5] |= 1 << (bit & 31);
        bit++;
      }
      const wholeEnd = stop & ~31;
      if (bit < wholeEnd) {
        chunk.fill(0xffff_ffff, bit >>> 5, wholeEnd >>> 5);
        bit = wholeEnd;
      }
      for (; bit < stop; bit++) chunk[bit >>> 5] |= 1 << (bit & 31);
      at = to;
    }
  }

  /** Clears `pfn`'s mark; false (and no change) when it was not marked. Any number is accepted. */
  tryClear(pfn: number): boolean {
    let chunk: Uint32Array | undefined;
    let bit: number;
    if (pfn >>> 0 === pfn) {
      chunk = this.#chunks[pfn >>> this.#shift];
      bit = pfn & this.#mask;
    } else if (Number.isSafeInteger(pfn) && pfn > 0) {
      chunk = this.#chunks[Math.floor(pfn / this.#chunkFrames)];
      bit = pfn % this.#chunkFrames;
    } else return false;
    if (chunk === undefined) return false;
    const mask = 1 << (bit & 31);
    const word = bit >>> 5;
    if ((chunk[word] & mask) === 0) return false;
    chunk[word] &= ~mask;
    return true;
  }

  /**
   * The 32 marks of frames `[pfn - pfn % 32, … + 32)`, bit `i` for frame `pfn - pfn % 32 + i`
   * (0 in a chunk never made).
   */
  word(pfn: Pfn): number {
    const c = Math.floor(pfn / this.#chunkFrames);
    const chunk = this.#chunks[c];
    return chunk === undefined ? 0 : chunk[(pfn - c * this.#chunkFrames) >>> 5];
  }

  /** True when no frame of `pfn`'s chunk has ever been allocated (the chunk was never made). */
  chunkIsUntouched(pfn: Pfn): boolean {
    return this.#chunks[Math.floor(pfn / this.#chunkFrames)] === undefined;
  }

  /** Bytes of bits and directory. */
  bytes(): number {
    return this.#chunks.length * SLOT_BYTES + this.#chunkCount * (this.#chunkFrames / 8);
  }

  #makeChunk(c: number): Uint32Array {
    const chunk = new Uint32Array(this.#chunkFrames / 32);
    this.#chunks[c] = chunk;
    this.#chunkCount++;
    return chunk;
  }
}
