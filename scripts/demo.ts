// The README's first command: load a built-in memory map, run the same seeded workload on
// every strategy that is installed, and print a table. `pnpm demo`.
import {
  type BootMap,
  createFrameSpace,
  type FrameAllocator,
  type FrameSpace,
  formatBytes,
  NO_FRAME,
  normalizeBootMap,
} from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';

/** A QEMU q35 guest with 4 GiB, as SeaBIOS reports it: low RAM, the PCI hole, RAM above 4 GiB. */
const DEFAULT_MAP: BootMap = {
  regions: [
    { base: 0x0, length: 0x9fc00, kind: 'usable' },
    { base: 0x9fc00, length: 0x400, kind: 'reserved' },
    { base: 0xf0000, length: 0x10000, kind: 'reserved' },
    { base: 0x100000, length: 0x7fedf000, kind: 'usable' },
    { base: 0x7ffdf000, length: 0x21000, kind: 'reserved' },
    { base: 0xb0000000, length: 0x10000000, kind: 'reserved' },
    { base: 0xfed1c000, length: 0x4000, kind: 'reserved' },
    { base: 0xfeffc000, length: 0x4000, kind: 'reserved' },
    { base: 0xfffc0000, length: 0x40000, kind: 'reserved' },
    { base: 0x100000000, length: 0x80000000, kind: 'usable' },
  ],
};

type Factory = (space: FrameSpace) => FrameAllocator;

/** Strategies: the baseline always, each plugin package when it is installed. */
async function strategies(): Promise<[string, Factory][]> {
  const found: [string, Factory][] = [['baseline', (space) => createBaselineAllocator(space)]];
  for (const pkg of ['@framekit/alloc-stack', '@framekit/alloc-bitmap', '@framekit/alloc-hier2m']) {
    try {
      const { plugin } = (await import(pkg)) as { plugin: { name: string; create: Factory } };
      found.push([plugin.name, (space) => plugin.create(space)]);
    } catch {
      // Not installed in this checkout: the demo shows what is there.
    }
  }
  return found;
}

/** xorshift32: the same sequence on every run and every machine. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface Row {
  strategy: string;
  ops: number;
  failed: number;
  largestFree: number;
  nsPerOp: number;
  freeFrames: number;
  metadata: string;
}

/** Single-frame churn with 2 MiB and DMA (below 16 MiB) runs mixed in, where supported. */
function runWorkload(name: string, alloc: FrameAllocator, ops: number): Row {
  const random = rng(42);
  const singles: number[] = [];
  const runs: [number, number][] = [];
  const runsOk = alloc.capabilities.runs !== 'none';
  let failed = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) {
    const r = random();
    if (r < 0.5) {
      const pfn = alloc.alloc();
      if (pfn === NO_FRAME) failed++;
      else singles.push(pfn);
    } else if (r < 0.9) {
      if (singles.length > 0) {
        const k = Math.floor(random() * singles.length);
        alloc.free(singles[k]);
        singles[k] = singles[singles.length - 1];
        singles.pop();
      }
    } else if (r < 0.93) {
      if (!runsOk) continue;
      const pfn = alloc.allocRun(512, { align: 512 });
      if (pfn === NO_FRAME) failed++;
      else runs.push([pfn, 512]);
    } else if (r < 0.96) {
      if (alloc.capabilities.runs !== 'any') continue;
      const pfn = alloc.allocRun(16, { below: (16 << 20) / 4096 });
      if (pfn === NO_FRAME) failed++;
      else runs.push([pfn, 16]);
    } else if (runs.length > 0) {
      const k = Math.floor(random() * runs.length);
      const [pfn, count] = runs[k];
      runs[k] = runs[runs.length - 1];
      runs.pop();
      alloc.freeRun(pfn, count);
    }
  }
  const elapsed = Number(process.hrtime.bigint() - start);
  const stats = alloc.stats();
  return {
    strategy: name,
    ops,
    failed,
    largestFree: largestFreeRun(alloc),
    nsPerOp: Math.round(elapsed / ops),
    freeFrames: stats.freeFrames,
    metadata: formatBytes(stats.metadataBytes),
  };
}

/** The longest run of free frames, from isFree over the usable ranges. */
function largestFreeRun(alloc: FrameAllocator): number {
  let best = 0;
  for (const range of alloc.ranges) {
    let run = 0;
    for (let pfn = range.start; pfn < range.start + range.count; pfn++) {
      run = alloc.isFree(pfn) ? run + 1 : 0;
      if (run > best) best = run;
    }
  }
  return best;
}

const map = normalizeBootMap(DEFAULT_MAP, { preset: 'linux-x86' });
const space = createFrameSpace(map);
console.log(
  `framekit demo: a QEMU q35 guest's memory map, ${space.usableFrames} usable frames (${formatBytes(space.usableFrames * 4096)}) in ${space.ranges.length} ranges`,
);
const rows: Row[] = [];
for (const [name, factory] of await strategies()) rows.push(runWorkload(name, factory(space), 200_000));
console.table(rows);
