import { FrameBits } from '@framekit/core/plugin';
const b = new FrameBits(262144);
const out = new Float64Array(64);
for (let k = 0; k < 64; k++) out[k] = 1000 + k * 7;
const N = 300000;
for (let r = 0; r < 3; r++) {
const t0 = performance.now();
for (let i = 0; i < N; i++) { for (let k = 0; k < 64; k++) b.set(out[k]); for (let k = 63; k >= 0; k--) if (!b.tryClear(out[k])) throw 1; }
console.log('set+tryClear', ((performance.now() - t0) * 1e6 / (N * 64)).toFixed(2), 'ns/pair');
}
class B32 { w = new Int32Array(8192); set(p: number) { this.w[p >>> 5] |= 1 << (p & 31); } tryClear(p: number) { const i = p >>> 5; const m = 1 << (p & 31); const x = this.w[i]; if ((x & m) === 0) return false; this.w[i] = x ^ m; return true; } }
class BU { w = new Uint32Array(8192); set(p: number) { this.w[p >>> 5] |= 1 << (p & 31); } tryClear(p: number) { const i = p >>> 5; const m = 1 << (p & 31); const x = this.w[i]; if ((x & m) === 0) return false; this.w[i] = x ^ m; return true; } }
for (const c of [new B32(), new BU()]) {
const t0 = performance.now();
for (let i = 0; i < N; i++) { for (let k = 0; k < 64; k++) c.set(out[k]); for (let k = 63; k >= 0; k--) if (!c.tryClear(out[k])) throw 1; }
console.log(c.constructor.name, ((performance.now() - t0) * 1e6 / (N * 64)).toFixed(2), 'ns/pair');
}
