export { BITMAP_CAPABILITIES, type BitmapAllocator } from './api';
export { MAX_ARENA_FRAMES } from './arena';
export { type BitmapOptions, BitmapOptionsSchema, type ResolvedBitmapOptions } from './options';
export { createBitmapAllocator, plugin } from './plugin';
