/**
 * A child process of the bench: times one heap row (one scenario, one target) and prints its
 * timing as JSON, so the row runs with a fresh JIT and heap (the heap rows share the heap's
 * methods, and one strategy's type feedback would slow the next).
 */
import { heapScenarios, loadHeap, spaceFrames, timeHeapRow } from './heap';
import { PROFILES } from './profiles';

const job = JSON.parse(process.argv[2] ?? '{}') as {
  scenarioId: string;
  target: string;
  profile: keyof typeof PROFILES;
};
const profile = PROFILES[job.profile];
const scenario = heapScenarios(profile).find((s) => s.id === job.scenarioId);
if (!scenario) throw new Error(`heap row child: no scenario ${job.scenarioId}`);
const loaded = await loadHeap();
if (!loaded) throw new Error('heap row child: @framekit/heap is not installed');
const timing = timeHeapRow(
  scenario,
  job.target,
  loaded.heapModule,
  loaded.makePmm,
  spaceFrames(profile),
  profile,
);
process.stdout.write(`${JSON.stringify(timing)}\n`);
