import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createFrameSpace } from '../frame-space';
import { createBaselineAllocator } from '../testing/baseline';
import { buddyInfoOf, formatBuddyInfo, parseBuddyInfo } from './buddyinfo';
import { measureFragmentation } from './fragmentation';

describe('formatBuddyInfo', () => {
  it("prints the kernel's spacing: the real lines come back exactly (bar the trailing space)", () => {
    const text = readFileSync(new URL('./__fixtures__/buddyinfo.txt', import.meta.url), 'utf8');
    // The two lines of the LKML mail are as the kernel printed them; the book's lines (x86,
    // Raspberry Pi) were retyped with their spacing collapsed, so they are not compared.
    const kernelPrinted = text
      .split('\n')
      .filter((l) => l.startsWith('Node 0, zone   Normal'))
      .slice(0, 2);
    expect(kernelPrinted.length).toBe(2);
    for (const line of kernelPrinted) {
      const [zone] = parseBuddyInfo(line);
      const printed = formatBuddyInfo(zone.zone, zone.freeBlocksPerOrder);
      expect(printed.endsWith(' ')).toBe(true);
      expect(printed.trimEnd()).toBe(line.trimEnd());
    }
  });
});

describe('buddyInfoOf', () => {
  it("cuts any strategy's free runs into aligned blocks, per zone", () => {
    const space = createFrameSpace({ frames: 4096, ranges: [{ start: 3, count: 4000 }] });
    const a = createBaselineAllocator(space);
    const run = a.allocRun(700);
    expect(run).toBe(3);
    // Free: [703, 4003). One zone: the same counts as measureFragmentation.
    const [all] = buddyInfoOf(a);
    expect(all.zone).toBe('Normal');
    expect(all.freeBlocksPerOrder).toEqual(measureFragmentation(a).freeBlocksPerOrder);
    // Two zones cut at 2048: [703, 2048) and [2048, 4003).
    const [low, high] = buddyInfoOf(a, [
      { name: 'DMA32', end: 2048 },
      { name: 'Normal', end: Number.POSITIVE_INFINITY },
    ]);
    // 703 | 704-767 | 768-1023 | 1024-2047
    expect(low.freeBlocksPerOrder).toEqual([1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1]);
    // 2048-3071 | 3072-3583 | 3584-3839 | 3840-3967 | 3968-3999 | 4000-4001 | 4002
    expect(high.freeBlocksPerOrder).toEqual([1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 1]);
    expect(parseBuddyInfo(formatBuddyInfo(high.zone, high.freeBlocksPerOrder))).toEqual([high]);
  });
});
