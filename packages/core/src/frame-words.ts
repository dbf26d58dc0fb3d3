import type { FrameSpace, Pfn } from './api';
import { FrameError } from './errors';
import { SPARSE_CHUNK_FRAMES } from './frame-space';

const WORDS_PER_FRAME = 1024;
const BYTES_PER_FRAME = 4096;

/**
 * Word and byte views over a frame space's contents, made once and cached, so that code
 * which reads and writes inside frames on a hot path (page-table walks, a stack's nodes)
 * allocates nothing. A dense or shared space is one view; a sparse space is a view per 2 MiB
 * chunk, made when first asked for (which materialises the chunk, as any write would).
 *
 * `words(pfn)` returns the view holding `pfn` and leaves the frame's first word index in
 * `wordBase`; `bytes(pfn)` does the same with `byteBase`. Words are in the host's byte order.
 */
export class FrameWords {
  readonly space: FrameSpace;
  wordBase = 0;
  byteBase = 0;
  readonly #dense32: Uint32Array | undefined;
  readonly #dense8: Uint8Array | undefined;
  readonly #chunks32 = new Map<number, Uint32Array>();
  readonly #chunks8 = new Map<number, Uint8Array>();
  /** The sparse chunk `words` served last: walks stay in one chunk for long stretches. */
  #lastChunk = -1;
  #lastWords: Uint32Array | undefined;

  /** `op` names the caller in the error thrown when the space has no contents. */
  constructor(space: FrameSpace, op = 'FrameWords') {
    if (!space.hasContents) {
      throw new FrameError(
        'UNSUPPORTED',
        `${op}: the frame space has no contents (backing '${space.backing}')`,
        {
          op,
          backing: space.backing,
        },
      );
    }
    this.space = space;
    if (space.backing !== 'sparse') {
      const all = space.bytes(0, space.frameCount);
      this.#dense8 = all;
      this.#dense32 = new Uint32Array(all.buffer, all.byteOffset, all.length / 4);
    }
  }

  words(pfn: Pfn): Uint32Array {
    const dense = this.#dense32;
    if (dense !== undefined) {
      // A word index below 2^30 (dense contents are at most 4 GiB): `| 0` keeps the field a small
      // integer even when `pfn` arrives as a double (read from a Float64Array), so the field's
      // representation never widens and code reading it stays fast.
      this.wordBase = (pfn * WORDS_PER_FRAME) | 0;
      return dense;
    }
    const chunk = Math.floor(pfn / SPARSE_CHUNK_FRAMES);
    this.wordBase = ((pfn - chunk * SPARSE_CHUNK_FRAMES) * WORDS_PER_FRAME) | 0;
    if (chunk === this.#lastChunk) return this.#lastWords!;
    const words = this.#chunks32.get(chunk) ?? this.#materialise(chunk).words;
    this.#lastChunk = chunk;
    this.#lastWords = words;
    return words;
  }

  bytes(pfn: Pfn): Uint8Array {
    const dense = this.#dense8;
    if (dense !== undefined) {
      this.byteBase = pfn * BYTES_PER_FRAME;
      return dense;
    }
    const chunk = Math.floor(pfn / SPARSE_CHUNK_FRAMES);
    this.byteBase = (pfn - chunk * SPARSE_CHUNK_FRAMES) * BYTES_PER_FRAME;
    return this.#chunks8.get(chunk) ?? this.#materialise(chunk).bytes;
  }

  /** Fills `count` frames from `pfn` with zeros: one fill per view they span. */
  zero(pfn: Pfn, count: number): void {
    let at = pfn;
    const end = pfn + count;
    while (at < end) {
      const words = this.words(at);
      const inView =
        this.#dense32 !== undefined ? end - at : SPARSE_CHUNK_FRAMES - (at % SPARSE_CHUNK_FRAMES);
      const frames = Math.min(end - at, inView);
      words.fill(0, this.wordBase, this.wordBase + frames * WORDS_PER_FRAME);
      at += frames;
    }
  }

  /** Copies frame `from` into frame `to`. */
  copy(from: Pfn, to: Pfn): void {
    const src = this.words(from);
    const srcBase = this.wordBase;
    const dst = this.words(to);
    const dstBase = this.wordBase;
    if (src === dst) {
      dst.copyWithin(dstBase, srcBase, srcBase + WORDS_PER_FRAME);
      return;
    }
    // A loop, not `set(subarray)`: no view object per copy.
    for (let i = 0; i < WORDS_PER_FRAME; i++) dst[dstBase + i] = src[srcBase + i];
  }

  #materialise(chunk: number): { words: Uint32Array; bytes: Uint8Array } {
    const first = chunk * SPARSE_CHUNK_FRAMES;
    const count = Math.min(SPARSE_CHUNK_FRAMES, this.space.frameCount - first);
    const bytes = this.space.bytes(first, count);
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    this.#chunks8.set(chunk, bytes);
    this.#chunks32.set(chunk, words);
    return { words, bytes };
  }
}
