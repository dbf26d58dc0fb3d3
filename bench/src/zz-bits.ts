import { FrameBits } from '@framekit/core/plugin';
const b = new FrameBits(1 << 20);
b.set(1 << 20 - 1);
const N = 2_000_000;
let t0 = performance.now();
let x = 0;
for (let i = 0; i < N; i++) { const p = (i & 1023) * 512; b.setRun(p, 512); x += b.firstClear(p, 512); b.clearRun(p, 512); }
let t1 = performance.now();
console.log('set+firstClear+clear 512:', ((t1 - t0) * 1e6 / N).toFixed(1), 'ns', x);
t0 = performance.now();
for (let i = 0; i < N; i++) { const p = (i & 1023) * 512; b.setRun(p, 512); }
t1 = performance.now();
console.log('setRun 512:', ((t1 - t0) * 1e6 / N).toFixed(1), 'ns');
t0 = performance.now();
for (let i = 0; i < N; i++) { const p = (i & 1023) * 512; x += b.firstClear(p, 512); }
t1 = performance.now();
console.log('firstClear 512:', ((t1 - t0) * 1e6 / N).toFixed(1), 'ns');
t0 = performance.now();
for (let i = 0; i < N; i++) { const p = (i & 1023) * 512; b.clearRun(p, 512); }
t1 = performance.now();
console.log('clearRun 512:', ((t1 - t0) * 1e6 / N).toFixed(1), 'ns');
const u = new Uint32Array(1<<15);
t0 = performance.now();
for (let i = 0; i < N; i++) { const p = (i & 1023) * 16; for (let w = p; w < p + 16; w++) u[w] = 0xffffffff; }
t1 = performance.now();
console.log('raw 16 stores:', ((t1 - t0) * 1e6 / N).toFixed(1), 'ns');
