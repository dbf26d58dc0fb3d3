import { createFrameSpace, createRouter, routerPresets } from '@framekit/core';
import { plugin as stack } from '@framekit/alloc-stack';
import { plugin as bitmap } from '@framekit/alloc-bitmap';
import { plugin as hier2m } from '@framekit/alloc-hier2m';
import { plugin as buddy } from '@framekit/alloc-buddy';
const frames = 262144;
const plugins = [stack, bitmap, hier2m, buddy];
const backing = (process.env.BACKING ?? 'dense') as any;
function run(name: string) {
  const space = createFrameSpace({ frames } as any, { backing } as any);
  const p = plugins.find(p=>p.name===name) as any;
  const target: any = p ? p.create(space, space.ranges, {}) : createRouter(space, (routerPresets as any)[name], plugins);
  const fn = new Function('target','out', `return function(){ for (let k = 0; k < 64; k++) out[k] = target.alloc(); for (let k = 63; k >= 0; k--) target.free(out[k]); }`)(target, new Float64Array(64));
  const N = 100000;
  for (let i = 0; i < 20000; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) fn();
  const t1 = performance.now();
  console.log(name, ((t1 - t0) * 1e6 / (N * 128)).toFixed(2), 'ns/op');
}
for (const n of process.argv.slice(2)) run(n);
