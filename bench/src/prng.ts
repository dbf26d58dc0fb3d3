/**
 * mulberry32: a small seeded 32-bit generator. `bench/native/common.h` has the same one,
 * so the TypeScript and C sides draw identical sequences from identical seeds.
 *
 * The one copy of framekit's seeded PRNG outside `@framekit/sim`'s `Rng` (the same mulberry32):
 * it stays here because it must draw exactly what the C code draws (raw 32-bit words, `%`
 * reductions in the C order). Everything else uses the sim's `Rng`.
 */
export function createPrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
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
