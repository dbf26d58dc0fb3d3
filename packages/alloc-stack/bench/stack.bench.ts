/*
 * Micro-benchmark of the free-page stack: ns per operation for single-frame alloc+free and
 * for 64-frame batches, with the nodes in a typed array (no contents) and inside the frames
 * (dense and sparse contents). Not part of the tests; the bench package compares these
 * figures with the C reference. Run from packages/alloc-stack:
 *
 *   npx tsx --conditions=@framekit/source bench/stack.bench.ts     (or: pnpm bench)
 */
import { type Backing, createFrameSpace, type FrameSpace, NO_FRAME, TiB } from '@framekit/core';
import { createStackAllocator, type StackAllocator } from '../src/index';

const FRAMES = 1 << 18; // 1 GiB of frames
const ROUNDS = 7;

/** Best of `ROUNDS` timings of `body`, in ns per operation (`ops` operations per call). */
function measure(ops: number, body: () => void): number {
  body(); // warm up: let the JIT compile the hot path first
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    body();
    const ns = Number(process.hrtime.bigint() - start);
    best = Math.min(best, ns / ops);
  }
  return best;
}

/** A stack with half its frames allocated and the other half on the stack (several nodes deep). */
function halfFull(backing: Backing): { space: FrameSpace; stack: StackAllocator } {
  const space = createFrameSpace({ frames: FRAMES }, { backing });
  const stack = createStackAllocator(space);
  const all = new Float64Array(FRAMES);
  if (!stack.allocMany(all, FRAMES)) throw new Error('could not fill the space');
  stack.freeMany(all.subarray(0, FRAMES / 2), FRAMES / 2);
  return { space, stack };
}

/** alloc() then free() of the same frame: the O(1) pop/push pair at the top of the stack. */
function allocFreePair(stack: StackAllocator): number {
  const n = 5_000_000;
  return measure(n, () => {
    for (let i = 0; i < n; i++) {
      const pfn = stack.alloc();
      stack.free(pfn);
    }
  });
}

/** 4096 allocs then 4096 frees: the top moves across node frames (a node holds 1023 frames). */
function allocFreeDeep(stack: StackAllocator): number {
  const depth = 4096;
  const held = new Float64Array(depth);
  const loops = 500;
  return measure(depth * loops, () => {
    for (let l = 0; l < loops; l++) {
      for (let i = 0; i < depth; i++) held[i] = stack.alloc();
      for (let i = depth - 1; i >= 0; i--) stack.free(held[i]);
    }
  });
}

/** allocMany(64) then freeMany(64): ns per batch pair. */
function batch64(stack: StackAllocator): number {
  const out = new Uint32Array(64);
  const n = 200_000;
  return measure(n, () => {
    for (let i = 0; i < n; i++) {
      stack.allocMany(out, 64);
      stack.freeMany(out, 64);
    }
  });
}

/** Creating a stack over a fully usable 1 TiB sparse space, and its first allocation. */
function init1TiB(): number {
  return measure(1, () => {
    const space = createFrameSpace({ frames: TiB / 4096 }, { backing: 'sparse' });
    if (createStackAllocator(space).alloc() === NO_FRAME) throw new Error('no frame');
  });
}

const rows: [string, string, string, string][] = [];
for (const backing of ['none', 'dense', 'sparse'] as const) {
  const { stack } = halfFull(backing);
  const where = stack.nodesInFrames ? `frames (${backing})` : 'typed array';
  const pair = allocFreePair(stack);
  const deep = allocFreeDeep(stack);
  const b64 = batch64(stack);
  rows.push([where, pair.toFixed(1), deep.toFixed(1), `${b64.toFixed(0)} (${(b64 / 64).toFixed(1)}/frame)`]);
}

const header: [string, string, string, string] = [
  'nodes in',
  'alloc+free ns',
  'alloc+free ns (4096 deep)',
  'allocMany+freeMany(64) ns',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
console.log(
  `@framekit/alloc-stack, ${FRAMES} frames, half on the stack; best of ${ROUNDS} (node ${process.version})`,
);
console.log(line(header));
for (const r of rows) console.log(line(r));
console.log(`create a stack over 1 TiB (sparse) + first alloc: ${(init1TiB() / 1e6).toFixed(3)} ms`);
