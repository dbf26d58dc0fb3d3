export * from './api';
export { firstFit } from './first-fit';
export { createHeap, STRATEGIES } from './heap';
export { MAX_SLAB_BYTES, SIZE_CLASSES, SLAB_FRAMES, sizeClassOf } from './size-classes';
export { slab } from './slab';
export { MIN_BLOCK, SpanAllocator } from './span';
export { tlsf } from './tlsf';
