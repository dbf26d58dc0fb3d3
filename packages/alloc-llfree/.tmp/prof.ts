import { createFrameSpace } from '@framekit/core';
import { createHier2mAllocator } from '../../alloc-hier2m/src/index';
import { createLLFreeAllocator } from '../src/index';

const held = new Float64Array(64);
for (const [name, pmm] of [
  ['llfree', createLLFreeAllocator(createFrameSpace({ frames: 262144 }))],
  ['hier2m', createHier2mAllocator(createFrameSpace({ frames: 262144 }))],
] as const) {
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let k = 0; k < 20000; k++) {
      for (let i = 0; i < 64; i++) held[i] = pmm.alloc();
      for (let i = 63; i >= 0; i--) pmm.free(held[i]);
    }
    const ns = ((performance.now() - t0) * 1e6) / (20000 * 64);
    if (r === 4) console.log(name, ns.toFixed(1), 'ns per alloc+free');
  }
}
