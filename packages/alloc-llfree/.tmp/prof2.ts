import { createFrameSpace } from '@framekit/core';
import { createLLFreeAllocator } from '../src/index';

const held = new Float64Array(64);
const pmm = createLLFreeAllocator(createFrameSpace({ frames: 262144 }));
let ta = 0,
  tf = 0;
for (let r = 0; r < 5; r++) {
  ta = 0;
  tf = 0;
  for (let k = 0; k < 20000; k++) {
    const t0 = performance.now();
    for (let i = 0; i < 64; i++) held[i] = pmm.alloc();
    const t1 = performance.now();
    for (let i = 63; i >= 0; i--) pmm.free(held[i]);
    tf += performance.now() - t1;
    ta += t1 - t0;
  }
}
console.log('alloc', ((ta * 1e6) / 1280000).toFixed(1), 'free', ((tf * 1e6) / 1280000).toFixed(1));
