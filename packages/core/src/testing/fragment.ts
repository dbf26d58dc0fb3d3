import type { FrameAllocator } from '../api';
import { Rng } from '../rng';

/**
 * The fragmentation recipe: framekit's one definition of "a space fragmented to 90%" — what
 * every strategy, the JS peer and the C reference are measured on in the bench, and what tests
 * fragment large spaces with.
 *
 * Walking from frame 0, the space alternates a USED extent and a FREE hole, each length
 * drawn from one mulberry32 stream seeded with `seed`:
 *   used extent: 1 + rand % usedMax frames
 *   hole: with probability 1/bigOneIn a big hole of bigMin + rand % (bigMax - bigMin + 1)
 *         frames, else a small hole of 1 + rand % holeMax frames
 * The small holes serve the 1–64-frame runs; the rare big holes (2–8 MiB) are the only
 * places a 512-frame, 512-aligned run can fit, so finding one takes a search. `usedMax`
 * is derived from the target: the mean used extent is `usedPercent / (100 - usedPercent)`
 * times the mean hole. The bench's C side (`bench/native/recipe.c`) receives these integers as
 * parameters and runs the same loop; both report a checksum of the holes to prove it.
 */
export interface FragmentRecipe {
  readonly seed: number;
  readonly usedMax: number;
  readonly holeMax: number;
  readonly bigOneIn: number;
  readonly bigMin: number;
  readonly bigMax: number;
}

export interface RecipeOptions {
  /** Target share of used frames, in percent (default 90). */
  readonly usedPercent?: number;
  readonly seed?: number;
  readonly holeMax?: number;
  readonly bigOneIn?: number;
  readonly bigMin?: number;
  readonly bigMax?: number;
}

export const DEFAULT_RECIPE_SEED = 0x5eed;

export function fragmentRecipe(options: RecipeOptions = {}): FragmentRecipe {
  const usedPercent = options.usedPercent ?? 90;
  const holeMax = options.holeMax ?? 64;
  const bigOneIn = options.bigOneIn ?? 256;
  const bigMin = options.bigMin ?? 512;
  const bigMax = options.bigMax ?? 2048;
  const meanHole = ((bigOneIn - 1) * ((1 + holeMax) / 2) + (bigMin + bigMax) / 2) / bigOneIn;
  const meanUsed = (meanHole * usedPercent) / (100 - usedPercent);
  // Mean of 1 + rand % usedMax is (1 + usedMax) / 2.
  const usedMax = Math.max(1, Math.round(2 * meanUsed - 1));
  return { seed: options.seed ?? DEFAULT_RECIPE_SEED, usedMax, holeMax, bigOneIn, bigMin, bigMax };
}

/** Calls `visit(start, count)` for every hole over `[0, frames)`, ascending. Mirrors `recipe_holes`. */
export function forEachHole(
  recipe: FragmentRecipe,
  frames: number,
  visit: (start: number, count: number) => void,
): void {
  const rng = new Rng(recipe.seed);
  const next = () => rng.nextUint32();
  let at = 0;
  while (at < frames) {
    at += 1 + (next() % recipe.usedMax);
    if (at >= frames) break;
    let hole =
      next() % recipe.bigOneIn === 0
        ? recipe.bigMin + (next() % (recipe.bigMax - recipe.bigMin + 1))
        : 1 + (next() % recipe.holeMax);
    if (hole > frames - at) hole = frames - at;
    visit(at, hole);
    at += hole;
  }
}

export interface RecipeSummary {
  readonly holes: number;
  readonly freeFrames: number;
  /** FNV-1a-style mix of every hole's start and length (32 bits), as the C side computes it. */
  readonly checksum: number;
}

export function summarizeRecipe(recipe: FragmentRecipe, frames: number): RecipeSummary {
  let holes = 0;
  let freeFrames = 0;
  let checksum = 2166136261;
  forEachHole(recipe, frames, (start, count) => {
    checksum = Math.imul(checksum ^ (start >>> 0), 16777619) >>> 0;
    checksum = Math.imul(checksum ^ (count >>> 0), 16777619) >>> 0;
    holes++;
    freeFrames += count;
  });
  return { holes, freeFrames, checksum };
}

/**
 * Brings a fresh allocator (every frame of `[0, frames)` free) into the recipe's state
 * through its public API only: allocate everything, then free the holes. An allocator with
 * piecewise runs takes each usable range as one run and gives the holes back with `freeRun`;
 * where that is refused (a router's zones split the space), or for the others, it allocates
 * frame by frame and frees hole frames one by one.
 */
export function applyRecipe(allocator: FrameAllocator, recipe: FragmentRecipe, frames: number): void {
  if (
    allocator.capabilities.runs === 'any' &&
    allocator.capabilities.freeRunPiecewise &&
    takeWhole(allocator)
  ) {
    forEachHole(recipe, frames, (start, count) => allocator.freeRun(start, count));
    return;
  }
  while (allocator.alloc() !== -1) {
    // drain: every frame is now allocated as a single frame
  }
  forEachHole(recipe, frames, (start, count) => {
    for (let pfn = start; pfn < start + count; pfn++) allocator.free(pfn);
  });
}

/** Allocates every usable range as one run; on the first refusal gives back what it took and says false. */
function takeWhole(allocator: FrameAllocator): boolean {
  const taken: { start: number; count: number }[] = [];
  for (const range of allocator.ranges) {
    let pfn = -1;
    try {
      pfn = allocator.allocRun(range.count, { below: range.start + range.count });
    } catch {
      pfn = -1;
    }
    if (pfn !== range.start) {
      if (pfn !== -1) allocator.freeRun(pfn, range.count);
      for (const t of taken) allocator.freeRun(t.start, t.count);
      return false;
    }
    taken.push(range);
  }
  return true;
}
