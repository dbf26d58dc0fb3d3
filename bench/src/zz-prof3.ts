import { createFrameSpace } from '@framekit/core';
import { fillFrames } from '@framekit/core/plugin';
import { loadStrategies } from './strategies';
import { makeLoop } from './scenarios';
import { measure } from './measure';
const loaded = await loadStrategies();
const frames = 262144;
const names = process.argv.slice(2);
const prefault = process.env.NOPREFAULT ? false : true;
for (const name of names) {
  const s = loaded.strategies.find((x: any) => x.id === name)!;
  const space = createFrameSpace({ frames }, { backing: s.backing });
  if (prefault && space.hasContents) fillFrames(space, 0, frames);
  const target = s.create(space);
  if (process.env.EXPLAIN) (target as any).explain?.({ op: 'alloc' });
  const call = makeLoop('single-lifo', target as any, { perCall: 64 });
  const t = measure(name, call, 64, { timeMs: 400, warmupMs: 100, minSamples: 32 } as any);
  (globalThis as any).gc?.(); console.log(name, t.medianNs.toFixed(2), t.p99Ns.toFixed(2));
}
