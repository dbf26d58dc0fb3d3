import { createFrameSpace, NO_FRAME } from '@framekit/core';
import { forEachHole, fragmentRecipe } from '@framekit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBitmapAllocator } from '../src/index';

/*
 * A 64 GiB space (16 Mi frames), 90% used with holes everywhere (framekit's one fragmentation
 * recipe, the bench's): the searches must still be exact. Correctness only; speed is measured
 * by the benchmark.
 */

const FRAMES = 16 * 2 ** 20;

/** Freed spans merged into maximal runs, the reference every answer is checked against. */
class Runs {
  starts: number[] = [];
  counts: number[] = [];
  add(start: number, count: number): void {
    const last = this.starts.length - 1;
    if (last >= 0 && this.starts[last] + this.counts[last] === start) this.counts[last] += count;
    else {
      this.starts.push(start);
      this.counts.push(count);
    }
  }
  /** Every 512-aligned 512-frame block inside a run, ascending: what repeated 2 MiB requests take. */
  hugeBlocks(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.starts.length; i++) {
      const end = this.starts[i] + this.counts[i];
      for (let at = Math.ceil(this.starts[i] / 512) * 512; at + 512 <= end; at += 512) out.push(at);
    }
    return out;
  }
  largest(): number {
    let most = 0;
    for (const count of this.counts) most = Math.max(most, count);
    return most;
  }
  firstFit(count: number, align = 1, below = Number.POSITIVE_INFINITY): number {
    for (let i = 0; i < this.starts.length; i++) {
      const start = Math.ceil(this.starts[i] / align) * align;
      if (start + count > below) return NO_FRAME;
      if (start + count <= this.starts[i] + this.counts[i]) return start;
    }
    return NO_FRAME;
  }
}

describe('a 64 GiB space fragmented to 90%', () => {
  const space = createFrameSpace({ frames: FRAMES }, { backing: 'sparse' });
  const allocator = createBitmapAllocator(space);
  const runs = new Runs();
  let freeFrames = 0;
  let hugeBlocks: number[] = [];

  beforeAll(() => {
    expect(allocator.allocRun(FRAMES)).toBe(0);
    forEachHole(fragmentRecipe(), FRAMES, (start, count) => {
      if (count === 1) allocator.free(start);
      else allocator.freeRun(start, count);
      runs.add(start, count);
      freeFrames += count;
    });
    hugeBlocks = runs.hugeBlocks();
  });

  it('is as fragmented as intended, and forEachFreeRun sees every run', () => {
    const free = allocator.stats().freeFrames;
    expect(free).toBe(freeFrames);
    expect(free / FRAMES).toBeGreaterThan(0.08);
    expect(free / FRAMES).toBeLessThan(0.12);
    expect(hugeBlocks.length).toBeGreaterThan(50);
    // Holes are far more numerous than 2 MiB blocks: the searches have decoys to pass.
    expect(runs.starts.length).toBeGreaterThan(100 * hugeBlocks.length);
    let i = 0;
    let mismatch = '';
    allocator.forEachFreeRun((start, count) => {
      if (!mismatch && (runs.starts[i] !== start || runs.counts[i] !== count))
        mismatch = `run ${i}: [${start}, +${count}) expected [${runs.starts[i]}, +${runs.counts[i]})`;
      i++;
    });
    expect(mismatch).toBe('');
    expect(i).toBe(runs.starts.length);
    expect(allocator.largestFreeRun()).toBe(runs.largest());
    // Metadata: the bitmap (2 MiB) and a summary of well under a tenth of it.
    const bitmapBytes = FRAMES / 8;
    expect(allocator.stats().metadataBytes).toBeGreaterThan(bitmapBytes);
    expect(allocator.stats().metadataBytes).toBeLessThan(bitmapBytes * 1.1);
  });

  it('finds every 2 MiB-aligned 512-frame run, lowest first, past all the smaller holes', () => {
    const got: number[] = [];
    for (;;) {
      const pfn = allocator.allocRun(512, { align: 512 });
      if (pfn === NO_FRAME) break;
      got.push(pfn);
    }
    expect(got).toEqual(hugeBlocks);
    for (const pfn of got) allocator.freeRun(pfn, 512);
    expect(allocator.stats().freeFrames).toBe(freeFrames);
  });

  it('honours below on the large space', () => {
    for (const below of [0, 512, hugeBlocks[3] + 511, hugeBlocks[3] + 512, 4 * 2 ** 18, FRAMES]) {
      const expected = runs.firstFit(512, 512, below);
      const pfn = allocator.allocRun(512, { align: 512, below });
      expect(pfn).toBe(expected);
      if (pfn !== NO_FRAME) allocator.freeRun(pfn, 512);
    }
  });

  it('answers other shapes exactly: decoy-sized, aligned, tiny, single', () => {
    const requests: [number, number][] = [
      [600, 1],
      [513, 1],
      [300, 256],
      [100, 64],
      [16, 16],
      [5, 1],
      [4, 4],
      [3, 2],
      [2, 1],
      [1, 1024],
      [1, 1],
    ];
    for (const [count, align] of requests) {
      const pfn = allocator.allocRun(count, { align });
      expect(pfn, `allocRun(${count}, { align: ${align} })`).toBe(runs.firstFit(count, align));
      if (pfn !== NO_FRAME) allocator.freeRun(pfn, count);
    }
    expect(allocator.allocRun(runs.largest() + 1)).toBe(NO_FRAME);
    expect(allocator.alloc()).toBe(runs.starts[0]);
    allocator.free(runs.starts[0]);
    expect(allocator.stats().freeFrames).toBe(freeFrames);
  });
});
