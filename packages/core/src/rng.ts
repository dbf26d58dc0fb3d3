/**
 * framekit's one seeded generator (mulberry32): the same sequence from the same seed on every
 * run, machine and runtime, in a browser worker, on the command line, and in the bench's C code
 * (`bench/native/common.h` draws the same raw words). The sim's workloads, the tests' random
 * patterns and the bench all draw from it.
 */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The next raw 32-bit word, in [0, 2^32): what the C side's `rand` returns. */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1): the next word over 2^32. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}
