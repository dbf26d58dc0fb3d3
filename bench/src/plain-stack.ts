import type { PfnArray, RunOptions } from '@framekit/core';
import type { Target } from './strategies';

/**
 * The reference a free-page stack is judged against (DESIGN.md: the stack within 1.5x of "a
 * plain typed-array JS stack"): free frame numbers in one Float64Array, untouched frames carved
 * from a counter, and no checks at all (a double free corrupts it silently).
 */
export class PlainTypedArrayStack implements Target {
  readonly #free: Float64Array;
  #top = 0;
  #next = 0;
  readonly #frames: number;

  constructor(frames: number) {
    this.#frames = frames;
    this.#free = new Float64Array(frames);
  }

  alloc(): number {
    if (this.#top > 0) return this.#free[--this.#top];
    return this.#next < this.#frames ? this.#next++ : -1;
  }

  free(pfn: number): void {
    this.#free[this.#top++] = pfn;
  }

  allocMany(out: PfnArray, count: number): boolean {
    if (count > this.#top + (this.#frames - this.#next)) return false;
    for (let i = 0; i < count; i++) out[i] = this.alloc();
    return true;
  }

  freeMany(pfns: PfnArray, count: number): void {
    for (let i = 0; i < count; i++) this.#free[this.#top++] = pfns[i];
  }

  allocRun(_count: number, _options?: RunOptions): number {
    throw new Error('a plain stack has no runs');
  }

  freeRun(_pfn: number, _count: number): void {
    throw new Error('a plain stack has no runs');
  }
}
