/**
 * Heap scenarios: `@framekit/heap`'s byte strategies against `@thi.ng/malloc`'s `MemPool`
 * (what a JavaScript user picks today) on the same operations, the same drawn sizes and the
 * same bytes of memory, side by side in one run.
 *
 * - `heap-lifo`: 64 mallocs of mixed sizes (16 B – 4 KiB), then the 64 frees in reverse.
 * - `heap-random`: 10,000 live objects; free one drawn at random and allocate its replacement.
 * - `heap-slab`: the slab alone against its C reference (`native/slab/slab-ref.c`): 64 mallocs
 *   of drawn sizes within the slab's classes (16 B – 2 KiB), then the frees in reverse.
 * - `heap-peak`: one churn trace (up to 10,000 live objects, mixed sizes); the figure is the
 *   bytes each allocator held at its peak (frames taken for a framekit heap, the high-water
 *   mark of MemPool's heap), not a time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createFrameSpace } from '@framekit/core';
import { MemPool } from '@thi.ng/malloc';
import { measure, type Timing } from './measure';
import { findCompiler, NATIVE_DIR } from './native';
import { drawIndices, drawSizes } from './prng';
import type { Profile } from './profiles';

export interface HeapRow {
  readonly scenario: 'heap-lifo' | 'heap-random' | 'heap-peak' | 'heap-slab';
  readonly strategy: string;
  readonly timing?: Timing;
  /** heap-peak: bytes held at the peak. */
  readonly peakBytes?: number;
  /** The same figure of MemPool divided by this one (time or bytes): > 1 means this one wins. */
  readonly vsMemPool?: number;
  /** heap-slab: this row's ns/op over the C slab's (`native/slab/slab-ref.c`) in the same run. */
  readonly vsC?: number;
  readonly skipped?: string;
}

/** One allocator as the scenarios drive it: malloc gives 0 or less when exhausted. */
interface Target {
  malloc(size: number): number;
  free(addr: number): void;
  /** Bytes held now. */
  held(): number;
}

const HEAP_BYTES = 256 * 2 ** 20;
const LIVE = 10_000;
const SEED = 0x5eed;

// biome-ignore lint/suspicious/noExplicitAny: @framekit/heap is loaded only when installed
type HeapModule = any;

function targets(
  heapModule: HeapModule,
  bitmapPlugin: { create(space: unknown): unknown },
): Record<string, () => Target> {
  const frames = HEAP_BYTES / 4096;
  const framekit = (strategy: string) => () => {
    const space = createFrameSpace({ frames }, { backing: 'dense' });
    const heap = heapModule.createHeap(bitmapPlugin.create(space), { strategy });
    return {
      malloc: (size: number) => heap.malloc(size) + 1,
      free: (addr: number) => heap.free(addr - 1),
      held: () => heap.stats().bytesHeld,
    };
  };
  return {
    slab: framekit('slab'),
    'first-fit': framekit('first-fit'),
    tlsf: framekit('tlsf'),
    'peer:MemPool': () => {
      const pool = new MemPool({ size: HEAP_BYTES, align: 8 });
      return {
        malloc: (size: number) => pool.malloc(Math.max(size, 1)),
        free: (addr: number) => {
          pool.free(addr);
        },
        held: () => pool.stats().top,
      };
    },
  };
}

export async function runHeapScenarios(profile: Profile, log: (line: string) => void): Promise<HeapRow[]> {
  let heapModule: HeapModule;
  let bitmap: { plugin: { create(space: unknown): unknown } };
  try {
    heapModule = await import('@framekit/heap');
    bitmap = await import('@framekit/alloc-bitmap');
  } catch {
    return [];
  }
  const make = targets(heapModule, bitmap.plugin);
  const rows: HeapRow[] = [];
  const options = { timeMs: profile.timeMs, warmupMs: profile.warmupMs, minSamples: profile.minSamples };
  const live = profile.name === 'full' ? LIVE : 500;

  log('• heap-lifo: 64 mixed-size mallocs (16 B – 4 KiB), then the frees in reverse');
  const lifoSizes = drawSizes(SEED, 64, 16, 4096);
  const addrs = new Float64Array(64);
  for (const [name, create] of Object.entries(make)) {
    const t = create();
    const timing = measure(
      `heap-lifo ${name}`,
      () => {
        for (let i = 0; i < 64; i++) addrs[i] = t.malloc(lifoSizes[i]);
        for (let i = 63; i >= 0; i--) t.free(addrs[i]);
      },
      64,
      options,
    );
    rows.push({ scenario: 'heap-lifo', strategy: name, timing });
    log(`    ${name} ${timing.medianNs.toFixed(1)} ns/op`);
  }

  log('• heap-slab: the slab against its C reference, 64 mallocs of 16 B – 2 KiB then the frees in reverse');
  {
    const slabSizes = drawSizes(SEED + 5, 64, 16, 2048);
    const t = make.slab();
    const timing = measure(
      'heap-slab slab',
      () => {
        for (let i = 0; i < 64; i++) addrs[i] = t.malloc(slabSizes[i]);
        for (let i = 63; i >= 0; i--) t.free(addrs[i]);
      },
      64,
      options,
    );
    const c = runSlabReference(SEED + 5, profile);
    rows.push({
      scenario: 'heap-slab',
      strategy: 'slab',
      timing,
      vsC: c ? timing.medianNs / c.medianNs : undefined,
    });
    if (c) rows.push({ scenario: 'heap-slab', strategy: 'c:slab', timing: c });
    log(
      `    slab ${timing.medianNs.toFixed(1)} ns/op${c ? `, C ${c.medianNs.toFixed(1)} ns/op` : ' (no C compiler)'}`,
    );
  }

  log(`• heap-random: ${live} live objects, free a random one + allocate its replacement`);
  const sizes = drawSizes(SEED + 1, live * 4, 16, 4096);
  const picks = drawIndices(SEED + 2, 4096, live);
  for (const [name, create] of Object.entries(make)) {
    const t = create();
    const held = new Float64Array(live);
    for (let i = 0; i < live; i++) held[i] = t.malloc(sizes[i]);
    let draw = 0;
    const timing = measure(
      `heap-random ${name}`,
      () => {
        for (let j = 0; j < 64; j++) {
          const i = picks[draw++ & 4095];
          t.free(held[i]);
          held[i] = t.malloc(sizes[(draw * 7) % sizes.length]);
        }
      },
      64,
      options,
    );
    rows.push({ scenario: 'heap-random', strategy: name, timing });
    log(`    ${name} ${timing.medianNs.toFixed(1)} ns/op`);
  }

  log('• heap-peak: bytes held at the peak of one churn trace');
  const traceSizes = drawSizes(SEED + 3, live * 8, 16, 4096);
  const traceDraws = drawIndices(SEED + 4, live * 8, 1000);
  for (const [name, create] of Object.entries(make)) {
    const t = create();
    const held: number[] = [];
    let peak = 0;
    for (let k = 0; k < traceSizes.length; k++) {
      // Grow to `live` objects, then churn: free one at random (sometimes two) and allocate one.
      if (held.length >= live || (held.length > 0 && traceDraws[k] < 300)) {
        const i = traceDraws[k] % held.length;
        t.free(held[i]);
        held[i] = held[held.length - 1];
        held.pop();
      }
      const addr = t.malloc(traceSizes[k]);
      if (addr > 0) held.push(addr);
      if (k % 64 === 0) peak = Math.max(peak, t.held());
    }
    peak = Math.max(peak, t.held());
    rows.push({ scenario: 'heap-peak', strategy: name, peakBytes: peak });
    log(`    ${name} peak ${(peak / 2 ** 20).toFixed(2)} MiB`);
  }

  return rows.map((row) => {
    const peer = rows.find((r) => r.scenario === row.scenario && r.strategy === 'peer:MemPool');
    if (!peer || row.strategy === 'peer:MemPool') return row;
    const vsMemPool =
      row.scenario === 'heap-peak'
        ? (peer.peakBytes ?? NaN) / (row.peakBytes ?? NaN)
        : (peer.timing?.medianNs ?? NaN) / (row.timing?.medianNs ?? NaN);
    return { ...row, vsMemPool };
  });
}

/** Builds (when stale) and runs the C slab; undefined without a compiler. */
function runSlabReference(seed: number, profile: Profile): Timing | undefined {
  const cc = findCompiler();
  if (!cc) return undefined;
  const source = join(NATIVE_DIR, 'slab/slab-ref.c');
  const binary = join(NATIVE_DIR, 'build/slab-ref');
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
    mkdirSync(join(NATIVE_DIR, 'build'), { recursive: true });
    execFileSync(cc, ['-O2', '-std=gnu11', '-Wall', '-o', binary, source], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  const out = execFileSync(
    binary,
    [
      `seed=${seed}`,
      'count=64',
      'size_min=16',
      'size_max=2048',
      `time_ms=${profile.timeMs}`,
      `min_samples=${profile.minSamples}`,
    ],
    { encoding: 'utf8' },
  );
  const r = JSON.parse(out) as { medianNs: number; p99Ns: number; meanNs: number; samples: number };
  return {
    medianNs: r.medianNs,
    p99Ns: r.p99Ns,
    meanNs: r.meanNs,
    opsPerSec: 1e9 / r.meanNs,
    samples: r.samples,
  };
}
