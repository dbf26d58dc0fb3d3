import { createFrameSpace, type FrameSpace, NO_FRAME } from '@framekit/core';
import { fillFrames } from '@framekit/core/plugin';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FRAME_WORDS, NO_LINK_WORD } from './layout';
import { createStackAllocator } from './plugin';

/** Word `index` of frame `pfn`, read as a little-endian 32-bit number straight from the bytes. */
function word(space: FrameSpace, pfn: number, index: number): number {
  const bytes = space.bytes(pfn);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(index * 4, true);
}

function setWord(space: FrameSpace, pfn: number, index: number, value: number): void {
  const bytes = space.bytes(pfn);
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(index * 4, value, true);
}

/** A space of `frames` frames, every one handed out (so frees decide the stack exactly). */
function drained(frames: number, backing: 'dense' | 'sparse', nodeEntries?: number) {
  const space = createFrameSpace({ frames }, { backing });
  const stack = createStackAllocator(space, undefined, nodeEntries === undefined ? {} : { nodeEntries });
  const all = new Float64Array(frames);
  expect(stack.allocMany(all, frames)).toBe(true);
  return { space, stack };
}

describe('node frames', () => {
  it('puts the first freed frame on top as a node and the next ones in its array', () => {
    const { space, stack } = drained(64, 'dense');
    expect(stack.nodesInFrames).toBe(true);
    stack.free(10);
    stack.free(11);
    stack.free(12);
    expect(word(space, 10, 0)).toBe(NO_LINK_WORD);
    expect(word(space, 10, 1)).toBe(NO_LINK_WORD);
    expect(word(space, 10, 2)).toBe(11);
    expect(word(space, 10, 3)).toBe(12);
    expect(stack.inspect()).toEqual({ top: 10, entriesInTop: 2, depth: 1, stacked: 3, untouched: 0 });
    // Entries come out last-in first-out; then the empty node's own frame is handed out.
    expect([stack.alloc(), stack.alloc(), stack.alloc(), stack.alloc()]).toEqual([12, 11, 10, NO_FRAME]);
    expect(stack.inspect()).toEqual({ top: NO_FRAME, entriesInTop: 0, depth: 0, stacked: 0, untouched: 0 });
  });

  it('links a full node under a new one made of the next freed frame', () => {
    const { space, stack } = drained(64, 'dense', 2);
    for (const pfn of [10, 11, 12, 13, 14]) stack.free(pfn);
    // Frame 13 is the top node: it links to node 10 (low word, high word) and holds 14.
    expect([word(space, 13, 0), word(space, 13, 1), word(space, 13, 2)]).toEqual([10, 0, 14]);
    expect([word(space, 10, 0), word(space, 10, 2), word(space, 10, 3)]).toEqual([NO_LINK_WORD, 11, 12]);
    expect(stack.inspect()).toMatchObject({ top: 13, entriesInTop: 1, depth: 2, stacked: 5 });
    const order = [];
    for (let i = 0; i < 5; i++) order.push(stack.alloc());
    expect(order).toEqual([14, 13, 12, 11, 10]);
  });

  it('hands out the top node frame only once its array is empty, then uncovers the full node below', () => {
    const { space, stack } = drained(64, 'dense', 3);
    for (const pfn of [1, 2, 3, 4, 5]) stack.free(pfn);
    expect(stack.inspect()).toMatchObject({ top: 5, entriesInTop: 0, depth: 2 });
    expect(stack.alloc()).toBe(5);
    // Node 1 is the top again, full: the next push opens a new node rather than overwrite it.
    expect(stack.inspect()).toMatchObject({ top: 1, entriesInTop: 3, depth: 1 });
    stack.free(5);
    expect(stack.inspect()).toMatchObject({ top: 5, entriesInTop: 0, depth: 2 });
    expect(word(space, 5, 0)).toBe(1);
    expect([word(space, 1, 2), word(space, 1, 3), word(space, 1, 4)]).toEqual([2, 3, 4]);
  });

  it('keeps the stack in the frame bytes, not in a shadow copy', () => {
    const { space, stack } = drained(64, 'dense');
    for (const pfn of [20, 30, 40]) stack.free(pfn);
    // Swap the two entries of node 20 by writing its bytes: the allocator follows the bytes.
    setWord(space, 20, 2, 40);
    setWord(space, 20, 3, 30);
    expect([stack.alloc(), stack.alloc(), stack.alloc()]).toEqual([30, 40, 20]);
  });

  it('writes only the node frames: frames stacked as entries keep their bytes', () => {
    const { space, stack } = drained(3000, 'sparse');
    fillFrames(space, 0, 3000, 0xab);
    for (let pfn = 0; pfn < 3000; pfn++) stack.free(pfn);
    const { depth } = stack.inspect();
    expect(depth).toBe(3);
    let touched = 0;
    for (let pfn = 0; pfn < 3000; pfn++) if (word(space, pfn, 0) !== 0xabababab) touched++;
    expect(touched).toBe(depth);
  });

  it('uses two words per entry when frame numbers reach 2^32', () => {
    const top = 2 ** 33;
    const space = createFrameSpace(
      { frames: top, ranges: [{ start: top - 64, count: 64 }] },
      { backing: 'sparse' },
    );
    const stack = createStackAllocator(space);
    expect(stack.entryWords).toBe(2);
    expect(stack.nodeEntries).toBe((FRAME_WORDS - 2) / 2);
    const all = new Float64Array(64);
    stack.allocMany(all, 64);
    stack.free(top - 10);
    stack.free(top - 3);
    stack.free(top - 64);
    expect([word(space, top - 10, 2), word(space, top - 10, 3)]).toEqual([(top - 3) % 2 ** 32, 1]);
    expect([word(space, top - 10, 4), word(space, top - 10, 5)]).toEqual([(top - 64) % 2 ** 32, 1]);
    expect([stack.alloc(), stack.alloc(), stack.alloc()]).toEqual([top - 64, top - 3, top - 10]);
    expect(() => createStackAllocator(space, undefined, { nodeEntries: 600 })).toThrow(/at most 511/);
  });
});

describe('one algorithm in both modes', () => {
  type Step =
    | { t: 'alloc' }
    | { t: 'free'; k: number }
    | { t: 'many'; n: number }
    | { t: 'freeMany'; k: number; n: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.constant({ t: 'alloc' as const }),
    fc.record({ t: fc.constant('free' as const), k: fc.nat() }),
    fc.record({ t: fc.constant('many' as const), n: fc.integer({ min: 0, max: 40 }) }),
    fc.record({ t: fc.constant('freeMany' as const), k: fc.nat(), n: fc.integer({ min: 0, max: 40 }) }),
  );

  /** Runs `steps` and returns every frame number the allocator handed out, in order. */
  function trace(stack: ReturnType<typeof createStackAllocator>, steps: readonly Step[]): number[] {
    const out: number[] = [];
    const live: number[] = [];
    for (const s of steps) {
      if (s.t === 'alloc') {
        const pfn = stack.alloc();
        out.push(pfn);
        if (pfn !== NO_FRAME) live.push(pfn);
      } else if (s.t === 'many') {
        const got = new Array<number>(s.n).fill(0);
        if (stack.allocMany(got, s.n)) {
          out.push(...got);
          live.push(...got);
        } else out.push(-1 - s.n);
      } else if (live.length > 0 && s.t === 'free') {
        stack.free(live.splice(s.k % live.length, 1)[0]);
      } else if (s.t === 'freeMany') {
        const batch = live.splice(s.k % (live.length + 1), s.n);
        stack.freeMany(batch, batch.length);
      }
    }
    out.push(stack.inspect().depth, stack.inspect().stacked);
    return out;
  }

  it('hands out the same frames in the same order with nodes in frames or in an array', () => {
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 120 }),
        fc.integer({ min: 1, max: 5 }),
        (steps, nodeEntries) => {
          const ranges = [
            { start: 3, count: 100 },
            { start: 200, count: 57 },
          ];
          const inFrames = createStackAllocator(
            createFrameSpace({ frames: 300, ranges }, { backing: 'dense' }),
            undefined,
            { nodeEntries },
          );
          const inArray = createStackAllocator(createFrameSpace({ frames: 300, ranges }), undefined, {
            nodeEntries,
          });
          expect(inFrames.nodesInFrames).toBe(true);
          expect(inArray.nodesInFrames).toBe(false);
          expect(trace(inFrames, steps)).toEqual(trace(inArray, steps));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('leaves free frames untouched when told to keep the nodes in an array', () => {
    const space = createFrameSpace({ frames: 2048 }, { backing: 'dense' });
    const stack = createStackAllocator(space, undefined, { nodesInFrames: false, nodeEntries: 4 });
    expect(stack.nodesInFrames).toBe(false);
    const all = new Float64Array(2048);
    stack.allocMany(all, 2048);
    fillFrames(space, 0, 2048, 0x5a);
    stack.freeMany(all, 2048);
    expect(space.bytes(0, 2048).every((b) => b === 0x5a)).toBe(true);
    expect(stack.inspect().depth).toBe(Math.ceil(2048 / 5));
  });

  it('gives the typed array back as the stack empties', () => {
    const space = createFrameSpace({ frames: 50_000 });
    const stack = createStackAllocator(space, undefined, { nodeEntries: 8 });
    const all = new Float64Array(50_000);
    stack.allocMany(all, all.length);
    const drainedBytes = stack.stats().metadataBytes;
    stack.freeMany(all, all.length);
    const fullBytes = stack.stats().metadataBytes;
    // 50 000 frames in 9-frame nodes of 10 words: about 5 556 nodes of 40 bytes.
    expect(fullBytes - drainedBytes).toBeGreaterThanOrEqual(5556 * 40);
    stack.allocMany(all, all.length);
    expect(stack.stats().metadataBytes).toBeLessThan(drainedBytes + 1024);
  });
});
