/**
 * `@framekit/core/plugin`: helpers for writing an allocator plugin — the argument checks every
 * `FrameAllocator` runs (one check per operation, with the contract's error codes), word and
 * run structures in typed arrays, and frame-contents helpers. Users of allocators need only
 * `@framekit/core`; this entry may grow and change with the plugins it serves.
 */
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
export { setConstant } from './constant';
export { fillFrames, forEachContentSpan, SPARSE_CHUNK_FRAMES } from './frame-space';
export { FrameWords } from './frame-words';
export { FreeRunList } from './free-runs';
export { forEachFreeRunOf } from './metrics/free-runs';
export {
  defineOptions,
  formatIssues,
  type OptionsInput,
  type OptionsIssue,
  type OptionsOutput,
  type OptionsResult,
  type OptionsSchema,
  optionChecks,
  type ReportIssue,
  received,
  type StandardSchemaV1,
  validateOptions,
} from './options';
export {
  CHUNK_FRAMES,
  FlatBits,
  FrameBits,
  type FrameBitsOptions,
  FrameU16,
  FrameU32,
  WholeRunTracker,
} from './per-frame/index';
export { type AllocatorPlugin, checkRangesInSpace, definePlugin, type PluginDefinition } from './plugin';
export { Rng } from './rng';
export { lastAtOrBelow } from './sorted';
