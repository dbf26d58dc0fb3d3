export {
  compareHeaps,
  DEFAULT_HEAP_SETUP,
  findObjectWorkload,
  type HeapCompareOptions,
  type HeapCompareSetup,
  heapResultRows,
  objectWorkloadOps,
} from './compare';
export { type HeapRecording, type RecordedHeap, recordHeap } from './record';
export { type ObjectRunOptions, type ObjectRunResult, type ObjectSample, runObjects } from './run';
export {
  countingFrames,
  type HeapTarget,
  heapTarget,
  type MemPoolClass,
  type MemPoolLike,
  memPoolTarget,
  type TargetMeasure,
} from './targets';
export { formatHeapTrace, type HeapOp, HeapOpSchema, parseHeapTrace } from './trace';
export { OBJECT_WORKLOADS, type ObjectWorkload, type ObjectWorkloadParams } from './workloads';
