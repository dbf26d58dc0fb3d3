export type {
  LLFreeAllocator,
  LLFreeContention,
  LLFreeDescriptor,
  LLFreeRecovery,
  LLFreeReport,
  LLFreeStats,
} from './api';
export { FRAMES_PER_CHILD, FRAMES_PER_WORD } from './bitfield';
export { CHILDREN_PER_TREE } from './layout';
export { DEFAULT_MAX_WORKERS, LLFREE_CAPABILITIES, type LLFreeOptions, LLFreeOptionsSchema } from './options';
export { createLLFreeAllocator, plugin } from './plugin';
export { attach } from './share';
