/*
 * Micro-benchmark of the bitmap allocator on a 64 GiB space fragmented to 90% (the pattern of
 * test/fragment.ts). Prints ns/op; not part of the tests.
 *
 *   cd packages/alloc-bitmap && npx tsx --conditions=@framekit/source bench/bitmap.bench.ts
 *
 * The last line times one word-by-word pass over the whole bitmap: what a search without the
 * summary tree costs when nothing fits (compare the NO_FRAME line) or the fit is near the end.
 */
import { createFrameSpace, NO_FRAME } from '@framekit/core';
import { createBitmapAllocator } from '../src/index';
import { fragment } from '../test/fragment';

const FRAMES = 16 * 2 ** 20; // 64 GiB
const FOUR_GIB = 2 ** 20;

function now(): number {
  return Number(process.hrtime.bigint());
}

function report(name: string, value: string): void {
  console.log(`${name.padEnd(58)} ${value}`);
}

/**
 * Runs `fn` (`perCall` operations per call) `iterations` times after a warm-up, in five
 * rounds; reports the best round's ns/op (the machine may be shared).
 */
function bench(name: string, iterations: number, fn: () => void, perCall = 1): void {
  for (let i = 0; i < Math.min(iterations, 2000); i++) fn();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = now();
    for (let i = 0; i < iterations; i++) fn();
    best = Math.min(best, (now() - start) / (iterations * perCall));
  }
  report(name, `${best.toFixed(0).padStart(9)} ns/op`);
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark setup broken: ${what}`);
}

let start = now();
const space = createFrameSpace({ frames: FRAMES });
const allocator = createBitmapAllocator(space);
report('create a 64 GiB allocator (16 Mi frames)', `${((now() - start) / 1e6).toFixed(1).padStart(9)} ms`);

start = now();
check(allocator.allocRun(FRAMES) === 0, 'allocate everything');
let spans = 0;
const pattern = fragment(FRAMES, (first, count) => {
  if (count === 1) allocator.free(first);
  else allocator.freeRun(first, count);
  spans++;
});
report(`fragment it (free ${spans} spans)`, `${((now() - start) / 1e6).toFixed(1).padStart(9)} ms`);
const stats = allocator.stats();
report(
  'free frames / metadata',
  `${((100 * stats.freeFrames) / FRAMES).toFixed(1)}% free, ${(stats.metadataBytes / 2 ** 20).toFixed(2)} MiB metadata (${((8 * stats.metadataBytes) / FRAMES).toFixed(3)} bits/frame)`,
);
report(
  'free 2 MiB-aligned blocks / 600-frame decoys',
  `${pattern.hugeBlocks.length} / ${pattern.decoys.length}`,
);

start = now();
const first = allocator.allocRun(512, { align: 512 });
report(
  'first 2 MiB search (refreshes every dirty summary)',
  `${((now() - start) / 1e3).toFixed(0).padStart(9)} µs`,
);
check(first === pattern.hugeBlocks[0], 'first 2 MiB block');
allocator.freeRun(first, 512);

bench('allocRun(512, align 512) + freeRun', 200_000, () => {
  const pfn = allocator.allocRun(512, { align: 512 });
  allocator.freeRun(pfn, 512);
});

const blocks = pattern.hugeBlocks.length;
const taken = new Float64Array(blocks);
let sweepNs = 0;
const sweeps = 200;
for (let s = 0; s < sweeps; s++) {
  const t = now();
  for (let i = 0; i < blocks; i++) taken[i] = allocator.allocRun(512, { align: 512 });
  sweepNs += now() - t;
  check(allocator.allocRun(512, { align: 512 }) === NO_FRAME, 'sweep took every block');
  for (let i = 0; i < blocks; i++) allocator.freeRun(taken[i], 512);
}
report(
  `sweep: take all ${blocks} 2 MiB blocks, one search each`,
  `${(sweepNs / (sweeps * blocks)).toFixed(0).padStart(9)} ns/op`,
);

bench('allocRun(512, align 512, below 4 GiB) + freeRun', 200_000, () => {
  const pfn = allocator.allocRun(512, { align: 512, below: FOUR_GIB });
  allocator.freeRun(pfn, 512);
});

bench('allocRun(601) where none fits (NO_FRAME)', 200_000, () => {
  allocator.allocRun(601);
});

bench('allocRun(600) + freeRun (the first decoy)', 200_000, () => {
  const pfn = allocator.allocRun(600);
  allocator.freeRun(pfn, 600);
});

bench('allocRun(3, align 4) + freeRun', 500_000, () => {
  const pfn = allocator.allocRun(3, { align: 4 });
  allocator.freeRun(pfn, 3);
});

bench('alloc() + free()', 1_000_000, () => {
  allocator.free(allocator.alloc());
});

const batch = new Float64Array(1000);
bench(
  'allocMany(1000) + freeMany(1000), per frame',
  2_000,
  () => {
    allocator.allocMany(batch, 1000);
    allocator.freeMany(batch, 1000);
  },
  1000,
);

start = now();
let runs = 0;
allocator.forEachFreeRun(() => {
  runs++;
});
report(`forEachFreeRun over all ${runs} free runs`, `${((now() - start) / 1e6).toFixed(1).padStart(9)} ms`);

// Without the summary a search walks the bitmap word by word; one full pass:
start = now();
let last = NO_FRAME;
allocator.forEachFreeRun((s, count) => {
  const aligned = Math.ceil(s / 512) * 512;
  if (aligned + 512 <= s + count) last = aligned;
});
check(last === pattern.hugeBlocks[blocks - 1], 'the pass sees the last 2 MiB block');
report(
  'one word-by-word pass over the bitmap (no summary)',
  `${((now() - start) / 1e3).toFixed(0).padStart(9)} µs`,
);
