/**
 * `@framekit/core`, the user-facing entry: units, boot maps, frame spaces, the
 * `FrameAllocator` contract and errors, `definePlugin`, refcounts, owners, the router and
 * fragmentation metrics. Helpers for writing an allocator are in `@framekit/core/plugin`.
 */
export * from './api';
export * from './bootmap/index';
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
  MAX_DENSE_BYTES,
} from './frame-space';
export * from './metrics/index';
export type { OptionsSchema } from './options';
export * from './owners/index';
export { type AllocatorPlugin, definePlugin, type PluginDefinition } from './plugin';
export { MAX_REFCOUNT, type RefCountedAllocator, withRefCounts } from './refcounts';
export * from './router/index';
export * from './units';
