import { loadStrategies } from './strategies';
import { runLoopRow } from './run';
import { PROFILES } from './profiles';
import { fragmentRecipe } from '@framekit/core/testing';
const loaded = await loadStrategies();
const profile = PROFILES.full;
const scen = (await import('./suite')).loopScenarios(profile).find((s: any) => s.id === (process.env.SCEN ?? 'single-lifo'))!;
const recipe = fragmentRecipe();
for (const name of process.argv.slice(2)) {
  const s = loaded.strategies.find((x: any) => x.id === name)!;
  const row: any = runLoopRow(scen, s, recipe as any, profile, new Map());
  (globalThis as any).gc?.();
  console.log(name, row.medianNs?.toFixed(2), row.skipped ?? '');
}
