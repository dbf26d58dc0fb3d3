export * from './api';
export { firstFitStrategy } from './first-fit';
export { createHeap } from './heap';
export {
  CLASS_ROWS,
  classOfSize,
  MAX_SLAB_SIZE,
  SIZE_CLASSES,
  slabFrames,
  slabObjects,
} from './size-classes';
export { type SlabOptions, slabStrategy } from './slab';
export type { SpanOptions } from './spans';
export { HEAP_STRATEGIES } from './strategies';
export { tlsfStrategy } from './tlsf';
