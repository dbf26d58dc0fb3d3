import type { PfnArray, RunOptions } from '@framekit/core';
import { setConstant } from '@framekit/core/plugin';
import type { Target } from './strategies';

/** What both reference stacks share: free frame numbers in one Float64Array, untouched frames carved from a counter. */
abstract class ReferenceStack implements Target {
  // Set once (`setConstant`), as the framekit stack sets its fixed fields: V8 then treats them
  // as constants, and the references get the same help from the compiler as what they measure.
  declare protected readonly stack: Float64Array;
  declare protected readonly frames: number;
  protected top = 0;
  protected next = 0;

  constructor(frames: number) {
    setConstant(this, 'frames', frames);
    setConstant(this, 'stack', new Float64Array(frames));
  }

  abstract alloc(): number;
  abstract free(pfn: number): void;
  abstract freeMany(pfns: PfnArray, count: number): void;

  allocMany(out: PfnArray, count: number): boolean {
    if (count > this.top + (this.frames - this.next)) return false;
    for (let i = 0; i < count; i++) out[i] = this.alloc();
    return true;
  }

  allocRun(_count: number, _options?: RunOptions): number {
    throw new Error('a reference stack has no runs');
  }

  freeRun(_pfn: number, _count: number): void {
    throw new Error('a reference stack has no runs');
  }
}

/**
 * The reference a free-page stack is judged against (DESIGN.md: the stack within 1.5x of "a
 * plain typed-array JS stack"): free frame numbers in one Float64Array, untouched frames carved
 * from a counter, and no checks at all (a double free corrupts it silently).
 */
export class PlainTypedArrayStack extends ReferenceStack {
  alloc(): number {
    if (this.top > 0) return this.stack[--this.top];
    return this.next < this.frames ? this.next++ : -1;
  }

  free(pfn: number): void {
    this.stack[this.top++] = pfn;
  }

  freeMany(pfns: PfnArray, count: number): void {
    for (let i = 0; i < count; i++) this.stack[this.top++] = pfns[i];
  }
}

/**
 * What a stack that keeps its double-free check does at the least: the plain stack and one bit
 * per frame in one flat Int32Array, set on alloc, checked and cleared on free (a frame number
 * that is not an integer below the frame count, or whose bit is clear, throws). The bench shows
 * it beside the plain stack, so the budget's distance to what any checked stack costs is seen.
 */
export class CheckedTypedArrayStack extends ReferenceStack {
  declare private readonly used: Int32Array;

  constructor(frames: number) {
    if (frames > 2 ** 32) throw new Error('CheckedTypedArrayStack: at most 2^32 frames');
    super(frames);
    setConstant(this, 'used', new Int32Array(Math.ceil(frames / 32)));
  }

  alloc(): number {
    let pfn: number;
    if (this.top > 0) pfn = this.stack[--this.top];
    else if (this.next < this.frames) pfn = this.next++;
    else return -1;
    this.used[pfn >>> 5] |= 1 << (pfn & 31);
    return pfn;
  }

  free(pfn: number): void {
    const word = pfn >>> 5;
    const mask = 1 << (pfn & 31);
    if (pfn >>> 0 !== pfn || pfn >= this.frames || (this.used[word] & mask) === 0) {
      throw new Error(`free: frame ${pfn} is not allocated`);
    }
    this.used[word] &= ~mask;
    this.stack[this.top++] = pfn;
  }

  freeMany(pfns: PfnArray, count: number): void {
    for (let i = 0; i < count; i++) {
      try {
        this.free(pfns[i]);
      } catch (error) {
        // Nothing changes on a bad batch: the entries before it come off the stack again.
        for (let j = 0; j < i; j++) this.alloc();
        throw error;
      }
    }
  }
}
