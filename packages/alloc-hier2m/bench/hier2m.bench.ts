/*
 * Micro-benchmark of hier2m's hot paths, in ns per operation. Not part of the tests.
 *
 *   cd packages/alloc-hier2m && npx tsx --conditions=@framekit/source bench/hier2m.bench.ts
 *   (or: pnpm --filter @framekit/alloc-hier2m bench)
 *
 * Each timed call runs a batch of operations; a figure is the median over the batches of
 * about half a second, after a warm-up, so a batch that was descheduled or hit a GC pause
 * does not move it. The shapes follow the repo's bench (bench/), which puts the same
 * loops next to a C reference of the Z903 design.
 */
import { createFrameSpace, GiB, type RunOptions } from '@framekit/core';
import { createHier2mAllocator, type Hier2mAllocator } from '../src/index';

const SECONDS = 0.5;

/** Median ns per op of `batch()`, which performs `ops` operations per call. */
function measure(ops: number, batch: () => void): number {
  const warmUntil = performance.now() + 150;
  while (performance.now() < warmUntil) batch();
  const samples: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  while (performance.now() < until) {
    const t0 = process.hrtime.bigint();
    batch();
    samples.push(Number(process.hrtime.bigint() - t0) / ops);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

/** All of `bytes` usable from frame 0. */
function space(bytes: number): Hier2mAllocator {
  return createHier2mAllocator(createFrameSpace({ frames: bytes / 4096 }));
}

/** A small xorshift generator, so every run draws the same frames. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

const rows: [string, number][] = [];
const out = new Float64Array(64);

{
  // 64 single frames, then their frees in reverse: one entry splits, fills and merges back.
  const a = space(GiB);
  rows.push([
    '4 KiB alloc+free: 64 allocs, 64 frees in reverse (1 GiB)',
    measure(64, () => {
      for (let k = 0; k < 64; k++) out[k] = a.alloc();
      for (let k = 63; k >= 0; k--) a.free(out[k]);
    }),
  ]);
}

{
  // 4096 frames held; free a random one and allocate its replacement.
  const a = space(GiB);
  const held = new Float64Array(4096);
  for (let i = 0; i < held.length; i++) held[i] = a.alloc();
  const next = xorshift(1);
  rows.push([
    '4 KiB free+alloc: random held frame of 4096 (1 GiB)',
    measure(64, () => {
      for (let k = 0; k < 64; k++) {
        const i = next() & 4095;
        a.free(held[i]);
        held[i] = a.alloc();
      }
    }),
  ]);
}

{
  // The worst case: every alloc splits a 2 MiB entry and every free merges it back.
  const a = space(GiB);
  rows.push([
    '4 KiB alloc+free: split and merge every time (1 GiB)',
    measure(64, () => {
      for (let k = 0; k < 64; k++) a.free(a.alloc());
    }),
  ]);
}

{
  // 8 huge pages, then their frees in allocation order.
  const a = space(4 * GiB);
  const huge: RunOptions = { align: 512 };
  rows.push([
    '2 MiB allocRun+freeRun: 8 pages, 8 frees (4 GiB)',
    measure(8, () => {
      for (let k = 0; k < 8; k++) out[k] = a.allocRun(512, huge);
      for (let k = 0; k < 8; k++) a.freeRun(out[k], 512);
    }),
  ]);
}

{
  // ISA DMA: 2 MiB pages below 16 MiB come off the low list.
  const a = space(4 * GiB);
  const dma: RunOptions = { align: 512, below: 4096 };
  rows.push([
    '2 MiB allocRun+freeRun below 16 MiB: low list (4 GiB)',
    measure(8, () => {
      for (let k = 0; k < 8; k++) out[k] = a.allocRun(512, dma);
      for (let k = 0; k < 8; k++) a.freeRun(out[k], 512);
    }),
  ]);
}

{
  // A bound past 1 GiB of pages already handed out: the summary bitmap skips them.
  const a = space(4 * GiB);
  for (let i = 0; i < 512; i++) a.allocRun(512, { align: 512 });
  const dma32: RunOptions = { align: 512, below: (2 * GiB) / 4096 };
  rows.push([
    '2 MiB allocRun+freeRun below 2 GiB: bitmap search (4 GiB)',
    measure(8, () => {
      for (let k = 0; k < 8; k++) out[k] = a.allocRun(512, dma32);
      for (let k = 0; k < 8; k++) a.freeRun(out[k], 512);
    }),
  ]);
}

{
  // Single DMA frames: allocBelow(16 MiB) from the low 4 KiB list.
  const a = space(GiB);
  rows.push([
    '4 KiB allocBelow(16 MiB)+free: 64 and 64 (1 GiB)',
    measure(64, () => {
      for (let k = 0; k < 64; k++) out[k] = a.allocBelow(4096);
      for (let k = 63; k >= 0; k--) a.free(out[k]);
    }),
  ]);
}

const width = Math.max(...rows.map(([name]) => name.length));
console.log(`hier2m micro-benchmark, node ${process.version}: median ns per operation`);
for (const [name, ns] of rows) console.log(`  ${name.padEnd(width)}  ${ns.toFixed(1).padStart(7)} ns/op`);
