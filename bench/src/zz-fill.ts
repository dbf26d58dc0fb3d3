const u = new Uint32Array(1 << 15);
const N = 4_000_000;
let t0 = performance.now();
for (let i = 0; i < N; i++) { const p = (i & 1023) * 16; u.fill(0xffffffff, p, p + 16); }
let t1 = performance.now();
console.log('fill 16:', ((t1 - t0) * 1e6 / N).toFixed(1));
t0 = performance.now();
for (let i = 0; i < N; i++) { const p = (i & 1023) * 16; for (let w = p; w < p + 16; w++) u[w] = 0xffffffff; }
t1 = performance.now();
console.log('loop 16:', ((t1 - t0) * 1e6 / N).toFixed(1));
const f = new Float64Array(1 << 15);
t0 = performance.now();
for (let i = 0; i < N; i++) { const p = (i & 1023) * 16; for (let w = p; w < p + 16; w++) f[w] = 1; }
t1 = performance.now();
console.log('f64 loop 16:', ((t1 - t0) * 1e6 / N).toFixed(1));
let x = 0;
t0 = performance.now();
for (let i = 0; i < N; i++) { const p = (i & 1023) * 16; for (let w = p; w < p + 16; w++) x += u[w]; }
t1 = performance.now();
console.log('read loop 16:', ((t1 - t0) * 1e6 / N).toFixed(1), x > 0);
