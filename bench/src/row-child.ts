/**
 * A child process of the bench: measures one loop row (one scenario, one strategy) and prints
 * it as JSON, so the row runs with a fresh JIT and heap. In one process, shared library code
 * (the router's methods, the stack's) carries type feedback and garbage from the rows before,
 * and a row's time would depend on which rows ran first.
 */
import { fragmentRecipe } from '@framekit/core/testing';
import type { NativeAlgo, NativeResult } from './native';
import { PROFILES } from './profiles';
import { runLoopRow } from './run';
import { loadStrategies } from './strategies';
import { loopScenarios } from './suite';

const job = JSON.parse(process.argv[2] ?? '{}') as {
  scenarioId: string;
  strategyId: string;
  profile: keyof typeof PROFILES;
  natives: [NativeAlgo, NativeResult][];
};
const profile = PROFILES[job.profile];
const scenario = loopScenarios(profile).find((s) => s.id === job.scenarioId);
if (!scenario) throw new Error(`row child: no scenario ${job.scenarioId}`);
const { strategies } = await loadStrategies();
const strategy = strategies.find((s) => s.id === job.strategyId);
if (!strategy) throw new Error(`row child: no strategy ${job.strategyId}`);
const row = runLoopRow(scenario, strategy, fragmentRecipe(), profile, new Map(job.natives));
process.stdout.write(`${JSON.stringify(row)}\n`);
