import { Rng } from '@framekit/core/plugin';

/**
 * Raw 32-bit words of core's one seeded generator (`Rng`, mulberry32). `bench/native/common.h`
 * has the same generator, so the TypeScript and C sides draw identical sequences from
 * identical seeds; the draws below reduce them with `%` in the C order.
 */
export function createPrng(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.nextUint32();
}

/** `count` draws of `lo + rand % (hi - lo + 1)`, in the order the C side draws them. */
export function drawSizes(seed: number, count: number, lo: number, hi: number): Float64Array {
  const next = createPrng(seed);
  const out = new Float64Array(count);
  const span = hi - lo + 1;
  for (let i = 0; i < count; i++) out[i] = lo + (next() % span);
  return out;
}

/** `count` draws of `rand % n`. */
export function drawIndices(seed: number, count: number, n: number): Uint32Array {
  const next = createPrng(seed);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = next() % n;
  return out;
}
