import { createFrameSpace, type FrameRange, NO_FRAME, TiB } from '@framekit/core';
import { frameErrorCode } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import { CHUNK_ENTRIES } from './entry-table';
import {
  BYTES_PER_ENTRY,
  createEmptyHier2mAllocator,
  createHier2mAllocator,
  type Hier2mAllocator,
} from './index';

/*
 * An allocator that starts empty (a router's cache) keeps slots only for the chunks of 32
 * entries that hold free frames (or are linked), not for the space: these tests pin that down,
 * and that it answers exactly as a full allocator emptied by handing everything out.
 */

const frames = (bytes: number) => bytes / 4096;
/** The slots of one chunk of entries: fields, summaries and links. */
const CHUNK_BYTES = CHUNK_ENTRIES * (BYTES_PER_ENTRY - 1);

/** A full allocator with every frame handed out: every 2 MiB page as a page, the rest frame by frame. */
function drained(space: ReturnType<typeof createFrameSpace>, ranges: readonly FrameRange[]): Hier2mAllocator {
  const a = createHier2mAllocator(space, ranges, { lowLimit: 4096 });
  while (a.allocRun(512, { align: 512 }) !== NO_FRAME) {}
  while (a.alloc() !== NO_FRAME) {}
  return a;
}

describe('createEmpty on a 1 TiB space', () => {
  const top = frames(TiB);
  const space = createFrameSpace({ frames: top, ranges: [{ start: 256, count: top - 256 }] });

  it('starts with about one byte of metadata per 2 MiB, not a table for the space', () => {
    const full = createHier2mAllocator(space);
    const empty = createEmptyHier2mAllocator(space);
    const perFrame = empty.stats().metadataBytes / space.usableFrames;
    // Flags (1 byte per entry), a base per 32 entries, the two entry sets: under 0.003 B/frame.
    expect(perFrame).toBeLessThan(0.003);
    expect(empty.stats().metadataBytes * 40).toBeLessThan(full.stats().metadataBytes);
    expect(empty.stats()).toMatchObject({ freeFrames: 0, free2MiBEntries: 0, entries: top / 512 });
  });

  it('grows with what is freed to it, and reuses the slots of chunks that hold nothing again', () => {
    const a = createEmptyHier2mAllocator(space);
    const start = a.stats().metadataBytes;
    // Eight pages of one chunk: one chunk of slots.
    for (let i = 0; i < 8; i++) a.freeRun((1 + i) * 512, 512);
    const one = a.stats().metadataBytes;
    expect(one - start).toBeGreaterThanOrEqual(CHUNK_BYTES);
    expect(one - start).toBeLessThan(CHUNK_BYTES + 512);
    // Pages coming and going one at a time all over the space: the slots of a chunk whose
    // pages were all taken back serve the next, so the pools stay at a few chunks.
    for (let i = 0; i < 8; i++) expect(a.allocRun(512, { align: 512 })).not.toBe(NO_FRAME);
    for (let k = 1; k < 400; k++) {
      const page = k * CHUNK_ENTRIES * 512 * 37;
      a.freeRun(page, 512);
      expect(a.allocRun(512, { align: 512 })).toBe(page);
    }
    expect(a.stats().metadataBytes).toBeLessThanOrEqual(start + 2 * CHUNK_BYTES + 512);
    // Pages freed into 100 chunks and kept: slots for those chunks, give or take the doubling.
    for (let k = 0; k < 100; k++) a.freeRun((k + 1) * CHUNK_ENTRIES * 512 * 41, 512);
    const held = a.stats().metadataBytes - start;
    expect(held).toBeGreaterThanOrEqual(100 * CHUNK_BYTES);
    expect(held).toBeLessThan(2 * 128 * CHUNK_BYTES);
    expect(a.stats().freeFrames).toBe(100 * 512);
  });

  it('misuse of frames it holds nothing of throws and gives no slots', () => {
    const a = createEmptyHier2mAllocator(space);
    const before = a.stats().metadataBytes;
    expect(frameErrorCode(() => a.free(4096))).toBe('NOT_ALLOCATED'); // inside a 2 MiB page handed out
    expect(frameErrorCode(() => a.freeRun(4096 + 1, 512))).toBe('NOT_ALLOCATED');
    expect(frameErrorCode(() => a.free(100))).toBe('NOT_USABLE');
    expect(a.isFree(4096)).toBe(false);
    expect(a.inspectEntry(4096)).toMatchObject({
      is2m: true,
      fullPages: 0,
      hasPages: 0xffff,
      on2mList: false,
    });
    let runs = 0;
    a.forEachFreeRun(() => runs++);
    expect(runs).toBe(0);
    expect(a.stats().metadataBytes).toBe(before);
  });
});

/** xorshift32: a deterministic sequence, so a failing seed replays. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Everything observable but the metadata: counts, every entry, the lists, the free runs. */
function snapshot(a: Hier2mAllocator, entries: readonly number[]): string {
  const { metadataBytes: _, ...stats } = a.stats();
  const runs: number[] = [];
  a.forEachFreeRun((start, count) => runs.push(start, count));
  return JSON.stringify({
    stats,
    entries: entries.map((g) => a.inspectEntry(g * 512)),
    lists: (['high4k', 'high2m', 'low4k', 'low2m'] as const).map((l) => a.listEntries(l)),
    runs,
  });
}

describe('createEmpty answers as a full allocator emptied by handing everything out', () => {
  // 16 GiB of frames in 8 GiB of memory: 128 chunks of entries, edges with holes, a low zone.
  const ranges: FrameRange[] = [
    { start: 1, count: 158 },
    { start: 256, count: frames(2 * 2 ** 30) - 256 },
    { start: frames(4 * 2 ** 30) + 77, count: frames(6 * 2 ** 30) - 300 },
    { start: frames(12 * 2 ** 30), count: 1 },
    { start: frames(12 * 2 ** 30) + 700, count: frames(2 ** 30) },
  ];
  const space = createFrameSpace({ frames: frames(16 * 2 ** 30), ranges });

  // With `below` requests too, which take entries where they stand on a list (stale links keep
  // their chunks' slots until the list is popped past them); without, the slots must move on.
  for (const [seed, below] of [
    [1, true],
    [2, true],
    [3, false],
    [4, false],
  ] as const) {
    it(`call for call, pages and frames coming and going over the whole space (seed ${seed}${below ? ', below requests' : ''})`, () => {
      const ref = drained(space, ranges);
      const lazy = createEmptyHier2mAllocator(space, ranges, { lowLimit: 4096 });
      const entries: number[] = [];
      for (let g = 0; g * 512 < space.frameCount; g++) if (ref.inspectEntry(g * 512)) entries.push(g);
      expect(snapshot(lazy, entries)).toBe(snapshot(ref, entries));

      // What the test holds: every 2 MiB page and every frame of the partial entries, at first.
      const pages: number[] = [];
      const singles: number[] = [];
      for (const g of entries) {
        const e = ref.inspectEntry(g * 512)!;
        if (!e.partial) pages.push(g * 512);
        else for (let p = g * 512; p < g * 512 + 512; p++) if (space.isUsable(p)) singles.push(p);
      }
      const random = rng(seed);
      // A window sliding over the pages: what is given back comes from ever new chunks.
      pages.sort((x, y) => x - y);
      const both = <T>(f: (a: Hier2mAllocator) => T): T => {
        const x = f(ref);
        expect(f(lazy)).toEqual(x);
        return x;
      };
      // At most 16 pages' worth free at once, so few chunks hold frames and their slots move on.
      let maxLive = 0;
      for (let step = 0; step < 8000; step++) {
        const r = random();
        const give = ref.stats().freeFrames < 16 * 512;
        if (give && r < 0.35 && pages.length > 0) {
          const at = Math.min(pages.length - 1, Math.floor(((step % 2000) / 2000) * pages.length));
          const [page] = pages.splice(at, 1);
          both((a) => a.freeRun(page, 512));
        } else if (give && r < 0.6 && singles.length > 0) {
          // Mostly the frames handed out last, so split entries fill up again and merge.
          const i =
            random() < 0.8 ? singles.length - 1 - Math.floor(random() * Math.min(8, singles.length)) : 0;
          const [p] = singles.splice(i, 1);
          both((a) => a.free(p));
        } else if (r < 0.7) {
          const p = both((a) => a.allocRun(512, { align: 512 }));
          if (p !== NO_FRAME) pages.push(p);
        } else if (r < 0.9) {
          const p = both((a) => a.alloc());
          if (p !== NO_FRAME) singles.push(p);
        } else if (r < 0.95 && below) {
          const p = both((a) => a.allocBelow(frames(3 * 2 ** 30)));
          if (p !== NO_FRAME) singles.push(p);
        } else if (below) {
          const p = both((a) => a.allocRun(512, { align: 512, below: frames(5 * 2 ** 30) }));
          if (p !== NO_FRAME) pages.push(p);
        }
        maxLive = Math.max(maxLive, lazy.stats().metadataBytes);
        if (step % 1000 === 999) expect(snapshot(lazy, entries)).toBe(snapshot(ref, entries));
      }
      // Without stale links pinning chunks, the pools stayed a small part of a full table.
      if (!below) expect(maxLive * 4).toBeLessThan(ref.stats().metadataBytes);
      // Misuse answers the same too.
      const held = singles[0];
      both((a) => frameErrorCode(() => a.freeRun(held, 512)));
      both((a) => frameErrorCode(() => a.free(held + 0.5)));
      // Everything back: the same state, and the pools never larger than a full table.
      for (const p of pages) both((a) => a.freeRun(p, 512));
      for (const p of singles) both((a) => a.free(p));
      expect(snapshot(lazy, entries)).toBe(snapshot(ref, entries));
      expect(lazy.stats().freeFrames).toBe(space.usableFrames);
      expect(lazy.stats().metadataBytes).toBeLessThanOrEqual(ref.stats().metadataBytes);
    });
  }
});
