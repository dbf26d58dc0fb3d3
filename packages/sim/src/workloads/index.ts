import type { Workload } from './api';
import { batches } from './batches';
import { churn } from './churn';
import { dmaBursts } from './dma-bursts';
import { forkExec } from './fork-exec';
import { hugepageMix } from './hugepage-mix';
import { processes } from './processes';

export type { Workload, WorkloadParams } from './api';
export { LiveSet } from './live-set';

/** Every built-in workload, by name. */
export const WORKLOADS: Readonly<Record<string, Workload>> = Object.freeze({
  [churn.name]: churn,
  [hugepageMix.name]: hugepageMix,
  [dmaBursts.name]: dmaBursts,
  [batches.name]: batches,
  [processes.name]: processes,
  [forkExec.name]: forkExec,
});
