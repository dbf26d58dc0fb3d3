/**
 * A child process of the bench: initialises one strategy from one boot map and prints the
 * result as JSON, so its peak memory (maxRSS) is its own.
 */
import { initInProcess } from './init';
import type { MapName } from './maps';
import { loadStrategies } from './strategies';

const job = JSON.parse(process.argv[2] ?? '{}') as { strategyId: string; map: MapName; reps: number };
const { strategies } = await loadStrategies();
const strategy = strategies.find((s) => s.id === job.strategyId);
if (!strategy) throw new Error(`child: no strategy ${job.strategyId}`);
process.stdout.write(`${JSON.stringify(initInProcess(strategy, job.map, job.reps))}\n`);
