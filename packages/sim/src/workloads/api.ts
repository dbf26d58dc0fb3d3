import type { TraceOp } from '../trace';

export interface WorkloadParams {
  /** Same seed, same operations. */
  readonly seed: number;
  /** How many operations to generate. */
  readonly ops: number;
  /** Usable frames of the space it will run on: workloads size their working set from it. */
  readonly frames: number;
}

export interface Workload {
  readonly name: string;
  readonly description: string;
  /**
   * Runs processes in address spaces (`spawn`, `fork`, `exec`, `touch`): the frame space
   * needs contents for their page tables and pages (a `'sparse'` backing costs only what is touched).
   */
  readonly needsContents?: boolean;
  generate(params: WorkloadParams): Generator<TraceOp, void, undefined>;
}
