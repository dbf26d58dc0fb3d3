import { FRAME_BYTES, MIN_ALIGN } from './api';

/**
 * Size classes: 16 B … 3.5 KiB, four per doubling above 128 B (as jemalloc spaces them), so a
 * request loses at most a quarter of itself to rounding. The classes above 2 KiB have slabs of
 * 3 to 7 frames (as SLUB's kmalloc-4k and -8k caches take several pages per slab), so objects
 * of 2 – 3.5 KiB no longer take a whole frame each. A last class, 4096, counts objects of
 * 3.5 – 4 KiB (served by span strategies; the slab strategy gives them a whole frame).
 */
export const SIZE_CLASSES: readonly number[] = Object.freeze([
  16,
  32,
  48,
  64,
  80,
  96,
  112,
  128,
  160,
  192,
  224,
  256,
  320,
  384,
  448,
  512,
  640,
  768,
  896,
  1024,
  1280,
  1536,
  1792,
  2048,
  2560,
  3072,
  3584,
  FRAME_BYTES,
]);

/** The slab classes: all but the last. */
export const SLAB_CLASS_COUNT = SIZE_CLASSES.length - 1;
/** The largest slab object. */
export const MAX_SLAB_SIZE = SIZE_CLASSES[SLAB_CLASS_COUNT - 1];
/** Index of the last class (3.5 – 4 KiB). */
export const PAGE_CLASS = SLAB_CLASS_COUNT;
/** Index of frame runs in per-class counters (one past the classes). */
export const RUN_CLASS = SIZE_CLASSES.length;
/** Rows of per-class counters: the classes and frame runs. */
export const CLASS_ROWS = SIZE_CLASSES.length + 1;

/** `BY_GRANULE[ceil(bytes / 16)]`: the smallest class holding `bytes` (bytes ≤ 4096). */
const BY_GRANULE = (() => {
  const table = new Uint8Array(FRAME_BYTES / MIN_ALIGN + 1);
  let c = 0;
  for (let g = 0; g < table.length; g++) {
    while (SIZE_CLASSES[c] < g * MIN_ALIGN) c++;
    table[g] = c;
  }
  return table;
})();

/** The smallest class holding `bytes` (1 ≤ bytes ≤ 4096). */
export function classOfSize(bytes: number): number {
  return BY_GRANULE[(bytes + MIN_ALIGN - 1) >>> 4];
}

/** The counter row of an object of `usable` bytes: its class, or frame runs above 4096. */
export function counterRow(usable: number): number {
  return usable <= FRAME_BYTES ? BY_GRANULE[(usable + MIN_ALIGN - 1) >>> 4] : RUN_CLASS;
}

/** The class of an object of `usable` bytes kept in a byte allocator's blocks (at most the last class). */
export function smallClass(usable: number): number {
  return usable <= FRAME_BYTES ? BY_GRANULE[(usable + MIN_ALIGN - 1) >>> 4] : PAGE_CLASS;
}

/** Objects per slab are capped so a slab's allocation bitmap is 8 words. */
export const MAX_SLAB_OBJECTS = 256;

/**
 * Frames per slab for objects of `size` bytes: the fewest, 1 to 8 (at most `maxFrames`), that
 * waste at most 1/64 of the slab in its tail, keeping at most 256 objects per slab; when no
 * count does, the one wasting the smallest share. Any count, not only powers of two: jemalloc
 * sizes its slabs so that they end on an object, and with classes spaced as here every class
 * finds one (2.5 KiB objects take 5 frames, 8 objects and no tail, where 2 frames would hold 3
 * and waste 512 bytes).
 */
export function slabFrames(size: number, maxFrames: number): number {
  let best = 1;
  let bestTail = 1;
  for (let frames = 1; frames <= Math.min(8, maxFrames); frames++) {
    const bytes = frames * FRAME_BYTES;
    if (Math.floor(bytes / size) > MAX_SLAB_OBJECTS) break;
    const tail = (bytes % size) / bytes;
    if (tail * 64 <= 1) return frames;
    if (tail < bestTail) {
      best = frames;
      bestTail = tail;
    }
  }
  return best;
}

/** Objects in a slab of `frames` frames of `size`-byte objects. */
export function slabObjects(size: number, frames: number): number {
  return Math.min(MAX_SLAB_OBJECTS, Math.floor((frames * FRAME_BYTES) / size));
}
