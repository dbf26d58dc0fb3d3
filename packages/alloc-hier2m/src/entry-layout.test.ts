import { createFrameSpace, NO_FRAME } from '@framekit/core';
import { describe, expect, it } from 'vitest';
import { EntryMap } from './entry-map';
import { EntryTable } from './entry-table';
import { BYTES_PER_ENTRY, createHier2mAllocator } from './index';
import { FIELDS_PER_ENTRY } from './layout';

/** Four 2 MiB entries, all ours, nothing below the low limit. */
function fourEntries() {
  const space = createFrameSpace({ frames: 2048 });
  return createHier2mAllocator(space, space.ranges, { lowLimit: 0 });
}

describe('an entry, as the seed lays it out', () => {
  it('encodes a frame number as (entry, field, bit)', () => {
    const a = fourEntries();
    // Take the whole of entry 0 frame by frame: frame p sits in field (p >> 5) & 15, bit p & 31.
    for (let i = 0; i < 512; i++) expect(a.alloc()).toBe(i);
    a.free(511); // entry 0, field 15, bit 31
    a.free(37); // entry 0, field 1, bit 5
    const e = a.inspectEntry(37)!;
    expect(e.entry).toBe(0);
    expect(e.fields[1]).toBe(1 << 5);
    expect(e.fields[15]).toBe(0x80000000);
    expect(e.fields.filter((f) => f !== 0)).toHaveLength(2);
    expect(e.hasPages).toBe((1 << 1) | (1 << 15));
    expect(e.fullPages).toBe(0);
    expect(e.is2m).toBe(false);
  });

  it('keeps has_pages and full_pages in step with the page fields', () => {
    const a = fourEntries();
    const first = a.alloc(); // splits entry 0
    expect(first).toBe(0);
    let e = a.inspectEntry(0)!;
    expect(e.fields[0]).toBe(0xfffffffe);
    expect(e.hasPages).toBe(0xffff);
    expect(e.fullPages).toBe(0xfffe);
    for (let i = 1; i < 32; i++) a.alloc();
    e = a.inspectEntry(0)!;
    expect(e.fields[0]).toBe(0);
    expect(e.hasPages).toBe(0xfffe);
    expect(e.fullPages).toBe(0xfffe);
    a.free(7);
    e = a.inspectEntry(0)!;
    expect(e.hasPages).toBe(0xffff);
    expect(e.fullPages).toBe(0xfffe);
  });

  it('hands out a 2 MiB page by clearing full_pages only, and knows its frames are in use', () => {
    const a = fourEntries();
    const pfn = a.allocRun(512, { align: 512 });
    expect(pfn).toBe(0);
    const e = a.inspectEntry(pfn)!;
    expect(e.is2m).toBe(true);
    expect(e.fullPages).toBe(0);
    expect(e.fields.every((f) => f === 0xffffffff)).toBe(true);
    for (const p of [0, 1, 255, 511]) expect(a.isFree(p)).toBe(false);
    expect(a.isFree(512)).toBe(true);
    a.freeRun(pfn, 512);
    expect(a.inspectEntry(pfn)!.fullPages).toBe(0xffff);
    expect(a.isFree(0)).toBe(true);
  });

  it('splits a 2 MiB entry only when no partly used entry has a frame', () => {
    const a = fourEntries();
    expect(a.alloc()).toBe(0); // splits entry 0
    expect(a.free2MiBEntries()).toBe(3);
    expect(a.alloc()).toBe(1); // from the 4 KiB list, no new split
    expect(a.free2MiBEntries()).toBe(3);
    expect(a.allocRun(512, { align: 512 })).toBe(512); // a whole entry, not the split one
  });

  it('merges an entry back into a 2 MiB page when its last frame returns', () => {
    const a = fourEntries();
    const taken = Array.from({ length: 100 }, () => a.alloc());
    expect(a.free2MiBEntries()).toBe(3);
    for (const p of taken.reverse()) a.free(p);
    expect(a.free2MiBEntries()).toBe(4);
    const e = a.inspectEntry(0)!;
    expect(e.is2m).toBe(true);
    expect(e.fullPages).toBe(0xffff);
    // All four 2 MiB pages come back.
    const pages = [0, 1, 2, 3].map(() => a.allocRun(512, { align: 512 }));
    expect(pages.sort((x, y) => x - y)).toEqual([0, 512, 1024, 1536]);
    expect(a.allocRun(512, { align: 512 })).toBe(NO_FRAME);
  });

  it('starts partial entries with summaries that match their fields, and their 4 KiB list lowest entry first', () => {
    // Frames 100 … 1699: entries 0 and 3 partial, 1 and 2 whole.
    const space = createFrameSpace({ frames: 2048, ranges: [{ start: 100, count: 1600 }] });
    const a = createHier2mAllocator(space, space.ranges, { lowLimit: 0 });
    // has_pages bit i: field i has a free frame; full_pages bit i: field i is all free.
    const summaries = (pfn: number) => {
      const e = a.inspectEntry(pfn)!;
      let has = 0;
      let full = 0;
      e.fields.forEach((f, i) => {
        if (f !== 0) has |= 1 << i;
        if (f === 0xffffffff) full |= 1 << i;
      });
      return { has, full, hasPages: e.hasPages, fullPages: e.fullPages };
    };
    // Entry 0: frames 100 … 511, field 3 from bit 4, fields 4 … 15 whole.
    expect(summaries(100)).toEqual({ has: 0xfff8, full: 0xfff0, hasPages: 0xfff8, fullPages: 0xfff0 });
    // Entry 3: frames 1536 … 1699, fields 0 … 4 whole, field 5 bits 0 … 3.
    expect(summaries(1536)).toEqual({ has: 0x3f, full: 0x1f, hasPages: 0x3f, fullPages: 0x1f });
    expect(a.listEntries('high4k')).toEqual([0, 3]);
    // Lowest first: entry 0's frames, then entry 3's (partly used entries before whole ones).
    for (let p = 100; p < 512; p++) expect(a.alloc()).toBe(p);
    expect(a.alloc()).toBe(1536);
    expect(a.free2MiBEntries()).toBe(2);
    expect(summaries(1536)).toMatchObject({ hasPages: 0x3f, fullPages: 0x1e });
  });

  it('threads two free lists through the entries, lowest entry first', () => {
    const a = fourEntries();
    expect(a.listEntries('high2m')).toEqual([0, 1, 2, 3]);
    expect(a.listEntries('high4k')).toEqual([]);
    expect(a.inspectEntry(0)!.next2m).toBe(1);
    expect(a.inspectEntry(1536)!.next2m).toBe(-1);
  });

  it('cleans up lazily: a merged entry stays on the 4 KiB list until that list is popped past it', () => {
    const a = fourEntries();
    const p = a.alloc(); // entry 0 split: popped from the 2 MiB list, pushed on the 4 KiB list
    expect(a.listEntries('high2m')).toEqual([1, 2, 3]);
    expect(a.listEntries('high4k')).toEqual([0]);
    a.free(p); // merged: pushed on the 2 MiB list, still linked on the 4 KiB list
    expect(a.listEntries('high2m')).toEqual([0, 1, 2, 3]);
    expect(a.listEntries('high4k')).toEqual([0]);
    expect(a.inspectEntry(0)).toMatchObject({ is2m: true, on4kList: true, on2mList: true });
    // The next single-frame request finds entry 0 on the wrong list, drops it, and splits from the 2 MiB list.
    expect(a.alloc()).toBe(0);
    expect(a.listEntries('high4k')).toEqual([0]);
    expect(a.listEntries('high2m')).toEqual([1, 2, 3]);
  });

  it('drops an entry handed out as 2 MiB from the 2 MiB list when popped, and relinks it when freed', () => {
    const space = createFrameSpace({ frames: 2048 });
    const a = createHier2mAllocator(space, space.ranges, { lowLimit: 2048 });
    // A below search takes entry 0 where it stands on the low 2 MiB list.
    expect(a.allocRun(512, { align: 512, below: 1000 })).toBe(0);
    expect(a.listEntries('low2m')).toEqual([0, 1, 2, 3]);
    expect(a.inspectEntry(0)).toMatchObject({ is2m: true, fullPages: 0, on2mList: true });
    // Popping the list drops it (stale) and hands out entry 1.
    expect(a.allocRun(512, { align: 512 })).toBe(512);
    expect(a.listEntries('low2m')).toEqual([2, 3]);
    expect(a.inspectEntry(0)!.on2mList).toBe(false);
    a.freeRun(0, 512);
    expect(a.listEntries('low2m')).toEqual([0, 2, 3]);
  });

  it('reports metadata per entry honestly', () => {
    const a = fourEntries();
    const s = a.stats();
    expect(BYTES_PER_ENTRY).toBe(77);
    expect(s.entries).toBe(4);
    expect(s.metadataBytes).toBeGreaterThanOrEqual(4 * BYTES_PER_ENTRY);
    expect(s.metadataBytes).toBeLessThan(4 * BYTES_PER_ENTRY + 256);
  });

  it('starts without writing the fields of whole entries, and sets them when one is first split', () => {
    // Frames 100 … 1700: entry 0 from frame 100, entries 1 and 2 whole, entry 3 up to 1700.
    const ranges = [
      { start: 100, count: 1000 },
      { start: 1100, count: 600 },
    ];
    const map = new EntryMap(ranges);
    const table = new EntryTable(map);
    expect(table.fill(map, ranges, 0)).toBe(2);
    const fieldsOf = (e: number) => [
      ...table.fields.subarray(e * FIELDS_PER_ENTRY, (e + 1) * FIELDS_PER_ENTRY),
    ];
    // The edges are written bit for bit; the two whole entries (touching ranges joined) are not.
    expect(fieldsOf(0)[3]).toBe(~((1 << 4) - 1)); // frames 100 … 127: bits 4 … 31 of field 3
    expect(fieldsOf(0)[15]).toBe(-1);
    expect(fieldsOf(1)).toEqual(new Array(16).fill(0));
    expect(fieldsOf(2)).toEqual(new Array(16).fill(0));
    expect(fieldsOf(3)[5]).toBe((1 << 4) - 1); // frames 1696 … 1699
    // Through the allocator: the whole entries read as free 2 MiB pages, as in the seed, and a
    // split finds all 512 frames free.
    const space = createFrameSpace({ frames: 2048, ranges });
    const a = createHier2mAllocator(space, space.ranges, { lowLimit: 0 });
    expect(a.inspectEntry(512)!.fields).toEqual(new Array(16).fill(0xffffffff));
    const taken = new Set<number>();
    for (let i = 0; i < 1600; i++) taken.add(a.alloc());
    expect(taken.size).toBe(1600);
    expect(Math.min(...taken)).toBe(100);
    expect(Math.max(...taken)).toBe(1699);
    expect(a.alloc()).toBe(NO_FRAME);
  });
});
