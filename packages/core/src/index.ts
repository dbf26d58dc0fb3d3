export * from './api';
export * from './bootmap/index';
export {
  checkBatch,
  checkCount,
  checkFrame,
  checkNoDuplicates,
  checkRun,
  freeError,
  readAlign,
  readBelow,
  unsupported,
} from './checks';
export {
  FRAME_ERROR_CODES,
  FrameError,
  type FrameErrorCode,
  type FrameErrorDetails,
  isFrameError,
} from './errors';
export {
  createFrameSpace,
  type FrameCountInput,
  type FrameSpaceInput,
  type FrameSpaceOptions,
  fillFrames,
  forEachContentSpan,
  MAX_DENSE_BYTES,
  SPARSE_CHUNK_FRAMES,
} from './frame-space';
export { FrameWords } from './frame-words';
export { FreeRunList } from './free-runs';
export { CHUNK_FRAMES, FrameBits, FrameU16, FrameU32, WholeRunTracker } from './per-frame/index';
export * from './metrics/index';
export * from './owners/index';
export { type AllocatorPlugin, checkRangesInSpace, definePlugin, type PluginDefinition } from './plugin';
export { MAX_REFCOUNT, type RefCountedAllocator, withRefCounts } from './refcounts';
export * from './router/index';
export { lastAtOrBelow } from './sorted';
export * from './units';
