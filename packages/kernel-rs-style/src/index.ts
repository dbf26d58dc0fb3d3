export type {
  AllocationKind,
  AllocationReport,
  CollectedOwner,
  Leak,
  ReadonlyBytes,
  SourceLocation,
} from './api';
export { ContigPages } from './contig';
export { disposeSymbol } from './dispose-symbol';
export { drop } from './drop';
export { OutOfFramesError } from './errors';
export { enableLeakWarnings, type LeakHandler } from './leak-warnings';
export type { FrameOwner } from './owner';
export { Page } from './page';
export { PageRef } from './page-ref';
export { formatLeaks, trackAllocations } from './tracking';
