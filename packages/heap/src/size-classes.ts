/**
 * The slab's size classes, as Linux's kmalloc caches: powers of two from 16 B to 2 KiB with
 * the 1.5x steps between them (48, 96, 192 …), so no object wastes more than a third.
 */
export const SIZE_CLASSES: readonly number[] = [
  16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048,
];

/** The largest object a slab holds; anything larger is a frame run. */
export const MAX_SLAB_BYTES = 2048;

/** Frames per slab of each class: at least 8 objects per slab, a power of two frames. */
export const SLAB_FRAMES: readonly number[] = SIZE_CLASSES.map((size) => {
  let frames = 1;
  while ((frames * 4096) / size < 8) frames *= 2;
  return frames;
});

/** The most objects one slab holds (16-byte objects in one frame). */
export const MAX_OBJECTS_PER_SLAB = 256;

/** `CLASS_OF_16[ceil(size / 16)]`: the smallest class that holds `size` bytes (at 16-byte alignment). */
const CLASS_OF_16 = new Uint8Array(MAX_SLAB_BYTES / 16 + 1);
for (let units = 0, k = 0; units <= MAX_SLAB_BYTES / 16; units++) {
  while (SIZE_CLASSES[k] < units * 16) k++;
  CLASS_OF_16[units] = k;
}

/**
 * The class for `size` bytes at `align` (a power of two): the smallest class that holds the
 * size and whose objects, laid end to end from a page boundary, all start on the alignment.
 * -1 when no class does.
 */
export function sizeClassOf(size: number, align: number): number {
  if (size > MAX_SLAB_BYTES) return -1;
  let k = CLASS_OF_16[(size + 15) >>> 4];
  if (align <= 16) return k;
  while (k < SIZE_CLASSES.length && SIZE_CLASSES[k] % align !== 0) k++;
  return k < SIZE_CLASSES.length ? k : -1;
}
