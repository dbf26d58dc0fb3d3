import type { FrameAllocator, Pfn } from '../api';
import { FrameError } from '../errors';
import { FrameU32 } from '../per-frame/u32';
import { WholeRunTracker } from '../per-frame/whole-runs';

/** Owner ids are stored as `id + 1` in 32-bit words, 0 meaning "no owner". */
export const MAX_OWNER = 0xfffffffe;

/**
 * Who holds each allocated frame: an owner tag per frame in core's lazily chunked per-frame
 * array (a 2^40-frame space costs only the chunks it touches, and every walk costs the chunks
 * held, never the frame numbers), frames per owner, and, for an allocator that takes runs back
 * only whole, each run handed out (the shared whole-run tracker).
 */
export class OwnerTable {
  /** `owner + 1` per frame, 0 meaning "no owner". */
  readonly #tags = new FrameU32();
  readonly #runs: WholeRunTracker | undefined;
  readonly #frames = new Map<number, number>();

  constructor(readonly inner: FrameAllocator) {
    this.#runs = inner.capabilities.freeRunPiecewise ? undefined : new WholeRunTracker();
  }

  /** The owner of `pfn`, or -1 when no owner holds it. Never throws. */
  ownerOf(pfn: Pfn): number {
    if (!Number.isSafeInteger(pfn) || pfn < 0) return -1;
    return this.#tags.get(pfn) - 1;
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
    return this.#runs?.countAt(pfn) ?? 0;
  }

  /** Chunks of tags made so far: what every walk over the table costs. */
  get chunkCount(): number {
    return this.#tags.chunkCount;
  }

  tag(pfn: Pfn, count: number, owner: number, run: boolean): void {
    if (count === 1) this.#tags.set(pfn, owner + 1);
    else this.#tags.fill(pfn, count, owner + 1);
    this.#frames.set(owner, this.framesOf(owner) + count);
    if (run && this.#runs !== undefined) this.#runs.add(pfn, count);
  }

  /** Forgets `count` frames from `pfn` (all held by someone, or by no one when allocated around the table). */
  untag(pfn: Pfn, count: number): void {
    const tags = this.#tags;
    let i = pfn;
    const end = pfn + count;
    while (i < end) {
      const tag = tags.get(i);
      // The stretch holding the same tag, found a chunk slice at a time.
      const stop = i + 1 < end ? tags.firstNotEqual(i + 1, end - i - 1, tag) : -1;
      const j = stop < 0 ? end : stop;
      if (tag !== 0) this.#frames.set(tag - 1, this.framesOf(tag - 1) - (j - i));
      i = j;
    }
    tags.fill(pfn, count, 0);
    this.#runs?.remove(pfn);
  }

  /** True when every frame of `[pfn, pfn + count)` is tagged with `owner`. */
  allTagged(pfn: Pfn, count: number, owner: number): boolean {
    return this.#tags.firstNotEqual(pfn, count, owner + 1) < 0;
  }

  /**
   * The stretches of frames `owner` holds, each one that can go back to the allocator in one
   * call: maximal runs of neighbouring frames, or, where runs go back only whole, each run as
   * it was handed out and each single frame on its own. Collected first, so the caller may free.
   * The tags are walked a stretch at a time (`FrameU32.forEachStretch`), and a stretch is cut
   * into runs with the whole-run tracker (`firstIn`, a word at a time): the cost follows the
   * stretches, runs and single frames held (a 2 MiB page is one step, not 512), and the chunks.
   */
  heldBy(owner: number): { starts: number[]; counts: number[] } {
    const starts: number[] = [];
    const counts: number[] = [];
    if (this.framesOf(owner) === 0) return { starts, counts };
    const runs = this.#runs;
    if (runs === undefined) {
      this.#tags.forEachStretch(owner + 1, (start, count) => {
        starts.push(start);
        counts.push(count);
      });
      return { starts, counts };
    }
    // Frames below this lie in a run already listed.
    let skipUntil = -1;
    this.#tags.forEachStretch(owner + 1, (start, count) => {
      const end = start + count;
      let p = Math.max(start, skipUntil);
      while (p < end) {
        // The next frame inside a recorded run: `p` itself when a run covers it, else a run's start.
        const at = runs.size === 0 ? -1 : runs.firstIn(p, end - p);
        const stop = at < 0 ? end : at;
        for (; p < stop; p++) {
          starts.push(p);
          counts.push(1);
        }
        if (at < 0) break;
        const length = runs.countAt(at);
        starts.push(at);
        // A frame inside a run that starts below this stretch (never, while every run is tagged
        // whole with one owner) goes back on its own.
        counts.push(length > 0 ? length : 1);
        p = at + (length > 0 ? length : 1);
        if (length > 0) skipUntil = p;
      }
    });
    return { starts, counts };
  }

  /** Bytes held: O(1), whatever the frame numbers. */
  bytes(): number {
    return this.#tags.bytes() + (this.#runs?.bytes() ?? 0) + this.#frames.size * 16;
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
