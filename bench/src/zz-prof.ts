import { createFrameSpace, createRouter, routerPresets } from '@framekit/core';
import { plugin as stack } from '@framekit/alloc-stack';
import { plugin as bitmap } from '@framekit/alloc-bitmap';
import { plugin as hier2m } from '@framekit/alloc-hier2m';
import { plugin as buddy } from '@framekit/alloc-buddy';
const preset = process.argv[2] ?? 'kernel';
const loop = process.argv[3] ?? 'lifo';
const frames = 262144;
const space = createFrameSpace({ frames } as any, { backing: "dense" } as any);
const plugins = [stack, bitmap, hier2m, buddy];
const direct = process.argv[4];
const target: any = direct ? (plugins.find(p=>p.name===direct) as any).create(space, space.ranges, process.env.TRUSTED ? { trusted: true } : {}) : createRouter(space, (routerPresets as any)[preset], plugins);
const out = new Float64Array(64);
const N = 200000;
function lifo() { for (let k = 0; k < 64; k++) out[k] = target.alloc(); for (let k = 63; k >= 0; k--) target.free(out[k]); }
function huge() { for (let k = 0; k < 8; k++) out[k] = target.allocRun(512, {align:512}); for (let k = 0; k < 8; k++) target.freeRun(out[k], 512); }
function batch() { for (let k = 0; k < 4; k++) if (target.allocMany(out, 64)) target.freeMany(out, 64); }
const held = new Float64Array(4096); const picks = new Uint32Array(65536); let cur = 0;
let seed = 1; for (let i = 0; i < 65536; i++) { seed = (seed * 1103515245 + 12345) >>> 0; picks[i] = seed % 4096; }
if (loop === 'random') for (let i = 0; i < 4096; i++) held[i] = target.alloc();
function random() { for (let k = 0; k < 64; k++) { const i = picks[cur++ & 65535]; target.free(held[i]); held[i] = target.alloc(); } }
const fn = loop === 'huge' ? huge : loop === 'batch' ? batch : loop === 'random' ? random : lifo;
const per = loop === 'huge' ? 16 : loop === 'batch' ? 4 : loop === 'random' ? 64 : 128;
for (let i = 0; i < 20000; i++) fn();
const t0 = performance.now();
for (let i = 0; i < N; i++) fn();
const t1 = performance.now();
console.log(preset, loop, direct ?? '', ((t1 - t0) * 1e6 / (N * per)).toFixed(2), 'ns/op');
