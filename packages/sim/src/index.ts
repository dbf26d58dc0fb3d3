export * from './objects/index';
export { ProcessTable } from './process-table';
export { PROGRAM, PROGRAM_FILE_PAGES, type ProgramRegion, REGION_NAMES, type RegionName } from './program';
export { type Recording, recordTrace } from './record';
export { Outcome, type ReplayError, Replayer } from './replay';
export { Rng } from './rng';
export { type RunOptions, type RunResult, runWorkload, type Sample, takeSample } from './runner';
export {
  type FrameRef,
  FrameRefSchema,
  formatTrace,
  needsContents,
  parseTrace,
  type TraceOp,
  TraceOpSchema,
} from './trace';
export { LiveSet, WORKLOADS, type Workload, type WorkloadParams } from './workloads/index';
