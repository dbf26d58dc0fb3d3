import { createFrameSpace, isFrameError, NO_FRAME } from '@framekit/core';
import { describe, expect, it } from 'vitest';
import { createHier2mAllocator, DEFAULT_LOW_LIMIT, plugin } from './index';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** 64 MiB from frame 0: entries 0–7 below the default 16 MiB limit, 8–31 above. */
function dmaMachine() {
  const space = createFrameSpace({ frames: 16384 });
  return createHier2mAllocator(space);
}

describe('the low-memory list', () => {
  it('keeps entries below 16 MiB on their own lists', () => {
    const a = dmaMachine();
    expect(a.lowLimit).toBe(DEFAULT_LOW_LIMIT);
    expect(DEFAULT_LOW_LIMIT).toBe(4096);
    expect(a.listEntries('low2m')).toEqual(range(0, 8));
    expect(a.listEntries('high2m')).toEqual(range(8, 32));
    expect(a.inspectEntry(4095)!.low).toBe(true);
    expect(a.inspectEntry(4096)!.low).toBe(false);
  });

  it('serves 2 MiB DMA pages from the low list alone', () => {
    const a = dmaMachine();
    const pages: number[] = [];
    for (let i = 0; i < 8; i++) {
      const before = a.listEntries('high2m');
      pages.push(a.allocRun(512, { align: 512, below: 4096 }));
      // Popped off the low list's head; the high list is not even looked at.
      expect(a.listEntries('low2m')).toEqual(range(i + 1, 8));
      expect(a.listEntries('high2m')).toEqual(before);
    }
    expect(pages).toEqual(range(0, 8).map((e) => e * 512));
    expect(a.allocRun(512, { align: 512, below: 4096 })).toBe(NO_FRAME);
    expect(a.free2MiBEntries()).toBe(24);
    for (const p of pages) a.freeRun(p, 512);
    expect(a.listEntries('low2m')).toEqual(range(0, 8).reverse());
  });

  it('honours a bound under the limit exactly, lowest entry first', () => {
    const a = dmaMachine();
    expect(a.allocRun(512, { align: 512, below: 1100 })).toBe(0);
    expect(a.allocRun(512, { align: 512, below: 1100 })).toBe(512);
    expect(a.allocRun(512, { align: 512, below: 1100 })).toBe(NO_FRAME);
    expect(a.allocRun(512, { align: 512, below: 511 })).toBe(NO_FRAME);
    expect(a.allocRun(512, { align: 512, below: 0 })).toBe(NO_FRAME);
    expect(a.allocRun(512, { align: 512, below: 1536 })).toBe(1024);
  });

  it('prefers high entries for a bound above the limit, then falls back to the low list', () => {
    const a = dmaMachine();
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push(a.allocRun(512, { align: 512, below: 6000 }));
    // Entries 8, 9, 10 end below 6000; the fourth comes from low memory.
    expect(got).toEqual([4096, 4608, 5120, 0]);
  });

  it('leaves low memory for last with ordinary requests', () => {
    const a = dmaMachine();
    const high: number[] = [];
    for (let i = 0; i < 24; i++) high.push(a.allocRun(512, { align: 512 }));
    expect(Math.min(...high)).toBe(4096);
    expect(a.allocRun(512, { align: 512 })).toBe(0);
    const space = createFrameSpace({ frames: 16384 });
    const b = createHier2mAllocator(space);
    expect(b.alloc()).toBe(4096);
  });

  it('serves single DMA frames: allocBelow', () => {
    const a = dmaMachine();
    // Splits a low entry, then keeps taking from it (the low 4 KiB list) before splitting another.
    expect(a.allocBelow(4096)).toBe(0);
    expect(a.allocBelow(4096)).toBe(1);
    expect(a.free2MiBEntries()).toBe(31);
    expect(a.listEntries('low4k')).toEqual([0]);
    // A tighter bound, and one that reaches into high memory (high frames first).
    expect(a.allocBelow(3)).toBe(2);
    expect(a.allocBelow(5000)).toBe(4096);
    // Past the top: an ordinary request.
    expect(a.allocBelow(1e9)).toBe(4097);
  });

  it('finds a free frame below a bound even when all other memory is taken', () => {
    const a = dmaMachine();
    const all: number[] = [];
    for (let p = a.alloc(); p !== NO_FRAME; p = a.alloc()) all.push(p);
    a.free(5000);
    a.free(300);
    expect(a.allocBelow(200)).toBe(NO_FRAME);
    expect(a.allocBelow(4096)).toBe(300);
    expect(a.allocBelow(4096)).toBe(NO_FRAME);
    expect(a.allocBelow(5000)).toBe(NO_FRAME);
    expect(a.allocBelow(5001)).toBe(5000);
  });

  it('a bound at the low limit takes what the low 4 KiB list holds first; a lower bound, the lowest frame', () => {
    // Entries 0–3 below the limit, 4–7 above, every frame handed out; then entry 0 gets a frame
    // back and entry 1 one after it, so entry 1 heads the low 4 KiB list.
    const make = () => {
      const a = createHier2mAllocator(createFrameSpace({ frames: 4096 }), undefined, { lowLimit: 2048 });
      while (a.alloc() !== NO_FRAME) {}
      a.free(10);
      a.free(600);
      return a;
    };
    const a = make();
    expect(a.listEntries('low4k')).toEqual([1, 0]);
    expect(a.allocBelow(2048)).toBe(600);
    expect(a.allocBelow(2048)).toBe(10);
    expect(a.allocBelow(2048)).toBe(NO_FRAME);
    const b = make();
    expect(b.allocBelow(2047)).toBe(10);
    expect(b.allocBelow(2047)).toBe(600);
  });

  it('a bound at or past the top of our frames is an ordinary request; a lower bound takes the lowest frame', () => {
    // Entries 0–2 handed out frame by frame, then a frame back in entry 0 and one in entry 1:
    // entry 1 heads the 4 KiB list, so alloc() takes frame 600 before frame 10.
    const make = () => {
      const a = createHier2mAllocator(createFrameSpace({ frames: 2048 }), undefined, { lowLimit: 0 });
      for (let i = 0; i < 1536; i++) a.alloc();
      a.free(10);
      a.free(600);
      return a;
    };
    const a = make();
    expect(a.listEntries('high4k')).toEqual([1, 0, 2]);
    expect(a.allocBelow(2048)).toBe(600);
    expect(a.allocBelow(2048)).toBe(10);
    const b = make();
    expect(b.allocBelow(5000)).toBe(600);
    const c = make();
    expect(c.allocBelow(2047)).toBe(10);
    expect(c.allocBelow(601)).toBe(600);
  });

  it('finds no frame in a 2 MiB page handed out, nor in entries that allocMany emptied', () => {
    const a = createHier2mAllocator(createFrameSpace({ frames: 2048 }), undefined, { lowLimit: 0 });
    expect(a.allocRun(512, { align: 512 })).toBe(0);
    expect(a.allocBelow(512)).toBe(NO_FRAME);
    expect(a.allocBelow(513)).toBe(512); // splits entry 1
    const out = new Float64Array(1535);
    expect(a.allocMany(out, 1535)).toBe(true);
    expect(a.stats().freeFrames).toBe(0);
    for (const below of [1, 512, 1000, 2047]) expect(a.allocBelow(below)).toBe(NO_FRAME);
    a.free(1500);
    expect(a.allocBelow(1500)).toBe(NO_FRAME);
    expect(a.allocBelow(1501)).toBe(1500);
    // The page given back is found by the bound again.
    a.freeRun(0, 512);
    expect(a.allocBelow(100)).toBe(0);
    expect(a.stats().freeFrames).toBe(511);
  });

  it('takes any limit that is whole 2 MiB entries, and nothing else', () => {
    const space = createFrameSpace({ frames: 16384 });
    const dma32 = createHier2mAllocator(space, space.ranges, { lowLimit: 8192 });
    expect(dma32.listEntries('low2m')).toHaveLength(16);
    const none = createHier2mAllocator(space, space.ranges, { lowLimit: 0 });
    expect(none.listEntries('low2m')).toEqual([]);
    expect(none.allocRun(512, { align: 512, below: 600 })).toBe(0);
    for (const options of [{ lowLimit: 4000 }, { lowLimit: -512 }, { lowLimit: 1.5 }, { lowlimit: 4096 }]) {
      let thrown: unknown;
      try {
        plugin.create(space, space.ranges, options as never);
      } catch (error) {
        thrown = error;
      }
      expect(isFrameError(thrown, 'INVALID_REQUEST')).toBe(true);
    }
  });
});
