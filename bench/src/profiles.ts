import { GiB, MiB } from '@framekit/core';
import type { MapName } from './maps';

/** Sizes and time budgets of one bench run. */
export interface Profile {
  readonly name: 'full' | 'tiny';
  /** Per row: time budget and warm-up (ms), minimum samples. */
  readonly timeMs: number;
  readonly warmupMs: number;
  readonly minSamples: number;
  /** Space of the single-frame, batch and router scenarios. */
  readonly singleFrames: number;
  /** Space of the 2 MiB scenario. */
  readonly hugeFrames: number;
  /** The fragmented space (64 GiB in the full run) and the smaller one for the growth check. */
  readonly fragFrames: number;
  readonly fragSmallFrames: number;
  /** Boot maps of the initialisation scenarios, with repetitions each. */
  readonly maps: readonly { readonly map: MapName; readonly reps: number }[];
  /** Run each initialisation in its own child process (clean peak memory). */
  readonly isolate: boolean;
  /**
   * With `isolate`: fresh processes per loop row (and per C reference row), the fastest
   * kept. On a shared machine a process sometimes runs the same loop 1.5x slower than one a
   * minute later (a vCPU slowed by the host, C and JavaScript alike), so one process per row
   * made a ratio of two rows flip between runs.
   */
  readonly rowRuns: number;
  readonly childLimits: { readonly maxRssBytes: number; readonly timeoutMs: number };
  /** Anonymous memory the vm scenarios fault in and fork. */
  readonly vmBytes: number;
}

const FRAME = 4096;

export const PROFILES: Readonly<Record<Profile['name'], Profile>> = {
  full: {
    name: 'full',
    timeMs: 400,
    warmupMs: 100,
    minSamples: 32,
    singleFrames: GiB / FRAME,
    hugeFrames: (4 * GiB) / FRAME,
    fragFrames: (64 * GiB) / FRAME,
    fragSmallFrames: (4 * GiB) / FRAME,
    maps: [
      { map: '64g', reps: 5 },
      { map: '1t', reps: 3 },
      { map: '12t', reps: 1 },
    ],
    isolate: true,
    rowRuns: 3,
    childLimits: { maxRssBytes: 8 * GiB, timeoutMs: 120_000 },
    vmBytes: 256 * MiB,
  },
  tiny: {
    name: 'tiny',
    timeMs: 2,
    warmupMs: 0,
    minSamples: 3,
    singleFrames: 8192,
    hugeFrames: 8192,
    fragFrames: 65536,
    fragSmallFrames: 16384,
    maps: [{ map: 'tiny', reps: 1 }],
    isolate: false,
    rowRuns: 1,
    childLimits: { maxRssBytes: GiB, timeoutMs: 30_000 },
    vmBytes: MiB,
  },
};
