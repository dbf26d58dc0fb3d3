import { type FrameRange, NO_FRAME, type Pfn } from '@framekit/core';

/**
 * The frames no one has touched yet: a bump pointer per usable range. Instead of pushing
 * every frame onto the stack at start-up (PatchworkOS does, which costs time proportional to
 * memory), the allocator carves the next untouched frame when the stack is empty, so
 * creating it costs time proportional to the number of ranges.
 */
export class RangeCarver {
  /** Next untouched frame of each range. */
  readonly #next: Float64Array = new Float64Array(0);
  /** One past each range's last frame. */
  readonly #end: Float64Array = new Float64Array(0);
  /** The first range that still has untouched frames. */
  #range = 0;
  #left: number = 0;

  constructor(ranges: readonly FrameRange[]) {
    this.#next = Float64Array.from(ranges, (r) => r.start);
    this.#end = Float64Array.from(ranges, (r) => r.start + r.count);
    this.#left = ranges.reduce((sum, r) => sum + r.count, 0);
  }

  /** Untouched frames left. */
  get left(): number {
    return this.#left;
  }

  /** The next untouched frame, in ascending order, or `NO_FRAME`. */
  take(): Pfn {
    let r = this.#range;
    const next = this.#next;
    const end = this.#end;
    while (r < next.length) {
      const pfn = next[r];
      if (pfn < end[r]) {
        next[r] = pfn + 1;
        this.#left--;
        return pfn;
      }
      r++;
      this.#range = r;
    }
    return NO_FRAME;
  }

  /** True when `pfn` is an untouched frame (not handed out yet). */
  holds(pfn: Pfn): boolean {
    for (let r = this.#range; r < this.#next.length; r++) {
      if (pfn >= this.#next[r] && pfn < this.#end[r]) return true;
    }
    return false;
  }

  /** Calls `visit(start, count)` for each stretch of untouched frames, ascending. */
  forEachUntouched(visit: (start: Pfn, count: number) => void): void {
    for (let r = this.#range; r < this.#next.length; r++) {
      if (this.#next[r] < this.#end[r]) visit(this.#next[r], this.#end[r] - this.#next[r]);
    }
  }

  /** Hands out nothing more: every frame counts as touched (an allocator that starts full). */
  exhaust(): void {
    this.#next.set(this.#end);
    this.#range = this.#next.length;
    this.#left = 0;
  }

  /** Bytes of bookkeeping. */
  bytes(): number {
    return this.#next.byteLength + this.#end.byteLength;
  }
}
