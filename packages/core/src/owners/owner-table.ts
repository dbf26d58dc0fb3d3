import type { FrameAllocator, Pfn } from '../api';
import { FrameError } from '../errors';

const CHUNK_SHIFT = 9;
const CHUNK_FRAMES = 1 << CHUNK_SHIFT;
/** Owner ids are stored as `id + 1` in 32-bit words, 0 meaning "no owner". */
export const MAX_OWNER = 0xfffffffe;

/**
 * Who holds each allocated frame: an owner tag per frame in 512-frame `Uint32Array` chunks
 * made on first use (a 1 TiB space costs only the chunks it touches), frames per owner, and,
 * for an allocator that takes runs back only whole, each run's length at its first frame.
 */
export class OwnerTable {
  readonly #tags: (Uint32Array | undefined)[] = [];
  /** Chunk numbers in `#tags` that exist, for scans. */
  readonly #chunkList: number[] = [];
  readonly #runLengths: (Float64Array | undefined)[] | undefined;
  readonly #frames = new Map<number, number>();

  constructor(readonly inner: FrameAllocator) {
    this.#runLengths = inner.capabilities.freeRunPiecewise ? undefined : [];
  }

  /** The owner of `pfn`, or -1 when no owner holds it. Never throws. */
  ownerOf(pfn: Pfn): number {
    if (!Number.isSafeInteger(pfn) || pfn < 0) return -1;
    const chunk = this.#tags[Math.floor(pfn / CHUNK_FRAMES)];
    return chunk === undefined ? -1 : chunk[pfn & (CHUNK_FRAMES - 1)] - 1;
  }

  framesOf(owner: number): number {
    return this.#frames.get(owner) ?? 0;
  }

  owners(): { owner: number; frames: number }[] {
    return [...this.#frames]
      .filter(([, frames]) => frames > 0)
      .map(([owner, frames]) => ({ owner, frames }))
      .sort((a, b) => a.owner - b.owner);
  }

  /** The run length recorded at `pfn` (a run's first frame), or 0. */
  runLengthAt(pfn: Pfn): number {
    const chunk = this.#runLengths?.[Math.floor(pfn / CHUNK_FRAMES)];
    return chunk === undefined ? 0 : chunk[pfn & (CHUNK_FRAMES - 1)];
  }

  tag(pfn: Pfn, count: number, owner: number, run: boolean): void {
    for (let i = pfn; i < pfn + count; i++) this.#set(i, owner + 1);
    this.#frames.set(owner, this.framesOf(owner) + count);
    if (run && this.#runLengths !== undefined) this.#setRunLength(pfn, count);
  }

  /** Forgets `count` frames from `pfn` (all held by someone, or by no one when allocated around the table). */
  untag(pfn: Pfn, count: number): void {
    for (let i = pfn; i < pfn + count; i++) {
      const owner = this.ownerOf(i);
      if (owner < 0) continue;
      this.#set(i, 0);
      this.#frames.set(owner, this.framesOf(owner) - 1);
    }
    if (this.#runLengths !== undefined && this.runLengthAt(pfn) > 0) this.#setRunLength(pfn, 0);
  }

  /**
   * The stretches of frames `owner` holds, each one that can go back to the allocator in one
   * call: maximal runs of neighbouring frames, or, where runs go back only whole, each run as
   * it was handed out and each single frame on its own. Collected first, so the caller may free.
   */
  heldBy(owner: number): { starts: number[]; counts: number[] } {
    const tag = owner + 1;
    const starts: number[] = [];
    const counts: number[] = [];
    let left = this.framesOf(owner);
    const whole = this.#runLengths !== undefined;
    let skipUntil = -1;
    for (const c of [...this.#chunkList].sort((a, b) => a - b)) {
      if (left === 0) break;
      const words = this.#tags[c]!;
      const base = c * CHUNK_FRAMES;
      for (let k = 0; k < CHUNK_FRAMES && left > 0; k++) {
        if (words[k] !== tag) continue;
        const pfn = base + k;
        left--;
        if (whole) {
          if (pfn < skipUntil) continue;
          const length = this.runLengthAt(pfn);
          starts.push(pfn);
          counts.push(length > 0 ? length : 1);
          if (length > 0) skipUntil = pfn + length;
          continue;
        }
        const last = starts.length - 1;
        if (last >= 0 && starts[last] + counts[last] === pfn) counts[last]++;
        else {
          starts.push(pfn);
          counts.push(1);
        }
      }
    }
    return { starts, counts };
  }

  bytes(): number {
    const runs =
      this.#runLengths === undefined ? 0 : this.#runLengths.filter(Boolean).length * CHUNK_FRAMES * 8;
    return this.#chunkList.length * CHUNK_FRAMES * 4 + runs + this.#frames.size * 16;
  }

  #set(pfn: Pfn, value: number): void {
    const index = Math.floor(pfn / CHUNK_FRAMES);
    let chunk = this.#tags[index];
    if (chunk === undefined) {
      if (value === 0) return;
      chunk = new Uint32Array(CHUNK_FRAMES);
      this.#tags[index] = chunk;
      this.#chunkList.push(index);
    }
    chunk[pfn & (CHUNK_FRAMES - 1)] = value;
  }

  #setRunLength(pfn: Pfn, length: number): void {
    const lengths = this.#runLengths!;
    const index = Math.floor(pfn / CHUNK_FRAMES);
    let chunk = lengths[index];
    if (chunk === undefined) {
      if (length === 0) return;
      chunk = new Float64Array(CHUNK_FRAMES);
      lengths[index] = chunk;
    }
    chunk[pfn & (CHUNK_FRAMES - 1)] = length;
  }
}

/** Throws unless `id` is an owner id: an integer in [0, 2^32 - 2]. */
export function checkOwner(op: string, id: number): void {
  if (!Number.isSafeInteger(id) || id < 0 || id > MAX_OWNER) {
    throw new FrameError('INVALID_REQUEST', `${op}: owner ${id} must be an integer in [0, ${MAX_OWNER}]`, {
      op,
      owner: id,
    });
  }
}
