import {
  createFrameSpace,
  type FrameRange,
  NO_FRAME,
  normalizeBootMap,
  type RegionKind,
} from '@framekit/core';
import { describe, expect, it } from 'vitest';
import { createHier2mAllocator } from './index';

/** A Xeon workstation's BIOS-e820 map (16 GiB), as Linux printed it: note the one-page island at 0x7dd5a000. */
const XEON_E820: [number, number, RegionKind][] = [
  [0x0, 0x9ffff, 'usable'],
  [0x100000, 0x79112fff, 'usable'],
  [0x79113000, 0x79c85fff, 'reserved'],
  [0x79c86000, 0x79ccdfff, 'acpi-reclaimable'],
  [0x79cce000, 0x7bf84fff, 'acpi-nvs'],
  [0x7bf85000, 0x7dd59fff, 'reserved'],
  [0x7dd5a000, 0x7dd5afff, 'usable'],
  [0x7dd5b000, 0x7dde0fff, 'reserved'],
  [0x7dde1000, 0x7dffffff, 'usable'],
  [0x80000000, 0x8fffffff, 'reserved'],
  [0xfed1c000, 0xfed1ffff, 'reserved'],
  [0xff000000, 0xffffffff, 'reserved'],
  [0x100000000, 0x47fffffff, 'usable'],
];

function hugeBlocks(ranges: readonly FrameRange[]): number {
  let n = 0;
  for (const r of ranges) n += Math.max(0, Math.floor((r.start + r.count) / 512) - Math.ceil(r.start / 512));
  return n;
}

describe('a real machine: Xeon workstation e820', () => {
  const map = normalizeBootMap(
    { regions: XEON_E820.map(([first, last, kind]) => ({ base: first, length: last - first + 1, kind })) },
    { preset: 'linux-x86' },
  );
  const space = createFrameSpace(map);

  it('keeps region edges and the one-page island as partial entries, never 2 MiB pages', () => {
    const a = createHier2mAllocator(space);
    expect(a.stats().totalFrames).toBe(space.usableFrames);
    expect(a.free2MiBEntries()).toBe(hugeBlocks(space.ranges));
    const island = 0x7dd5a;
    expect(a.isFree(island)).toBe(true);
    expect(a.inspectEntry(island)).toMatchObject({ partial: true, is2m: false, on4kList: true });
    expect(a.inspectEntry(0)).toMatchObject({ partial: true, low: true });
    // Every 2 MiB page comes out whole and usable, and goes back.
    const pages: number[] = [];
    for (let p = a.allocRun(512, { align: 512 }); p !== NO_FRAME; p = a.allocRun(512, { align: 512 }))
      pages.push(p);
    expect(pages).toHaveLength(hugeBlocks(space.ranges));
    expect(pages.every((p) => space.isUsable(p) && space.isUsable(p + 511))).toBe(true);
    expect(pages).not.toContain(island - (island % 512));
    for (const p of pages) a.freeRun(p, 512);
    expect(a.stats().freeFrames).toBe(space.usableFrames);
  });

  it('serves ISA DMA from the first 16 MiB: 2 MiB pages from whole entries, frames from partial ones first', () => {
    const a = createHier2mAllocator(space);
    const dma: number[] = [];
    for (let p = a.allocRun(512, { align: 512, below: 4096 }); p !== NO_FRAME; ) {
      dma.push(p);
      p = a.allocRun(512, { align: 512, below: 4096 });
    }
    // Entry 0 holds page 0 and the legacy hole: partial. Entries 1–7 are whole.
    expect(dma.sort((x, y) => x - y)).toEqual([512, 1024, 1536, 2048, 2560, 3072, 3584]);
    // Single DMA frames come from the partial entry 0 (page 0 is reserved by the linux-x86 preset).
    expect(a.allocBelow(4096)).toBe(1);
    expect(a.allocBelow(4096)).toBe(2);
    for (const p of dma) a.freeRun(p, 512);
    a.free(1);
    a.free(2);
    expect(a.stats().freeFrames).toBe(space.usableFrames);
  });
});
