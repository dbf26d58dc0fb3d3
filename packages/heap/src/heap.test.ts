import * as bitmap from '@framekit/alloc-bitmap';
import { createFrameSpace, isFrameError } from '@framekit/core';
import { describe, expect, it } from 'vitest';
import { NO_ADDRESS } from './api';
import { createHeap } from './heap';
import { SIZE_CLASSES } from './size-classes';

const PAGE = 4096;

function setup(frames = 1024, backing: 'dense' | 'sparse' | 'shared' = 'dense') {
  const space = createFrameSpace({ frames }, { backing });
  const pmm = bitmap.plugin.create(space);
  return { space, pmm };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isFrameError(error) ? error.code : String(error);
  }
  return undefined;
}

describe('slab', () => {
  it('packs objects of one class into one frame and finds them through the frame table', () => {
    const { pmm } = setup();
    const heap = createHeap(pmm);
    const addrs = Array.from({ length: 256 }, () => heap.malloc(16));
    expect(new Set(addrs.map((a) => Math.floor(a / PAGE))).size).toBe(1);
    expect(heap.stats().framesHeld).toBe(1);
    expect(heap.usableSize(addrs[5])).toBe(16);
    heap.malloc(16);
    expect(heap.stats().framesHeld).toBe(2);
  });

  it('uses the smallest size class that holds a request, with 1.5x steps', () => {
    const heap = createHeap(setup().pmm);
    expect(heap.usableSize(heap.malloc(33))).toBe(48);
    expect(heap.usableSize(heap.malloc(129))).toBe(192);
    expect(heap.usableSize(heap.malloc(2048))).toBe(2048);
    expect(SIZE_CLASSES.at(-1)).toBe(2048);
  });

  it('gives empty slabs back to the frame allocator beyond the cache', () => {
    const { pmm } = setup();
    const heap = createHeap(pmm, { cachedEmpty: 0 });
    const a = heap.malloc(64);
    expect(pmm.stats().usedFrames).toBe(1);
    heap.free(a);
    expect(pmm.stats().usedFrames).toBe(0);
    const cached = createHeap(pmm, { cachedEmpty: 1 });
    cached.free(cached.malloc(64));
    expect(pmm.stats().usedFrames).toBe(1);
  });

  it('takes requests of more than 2 KiB as page-aligned frame runs, as kmalloc does', () => {
    const { pmm } = setup();
    const heap = createHeap(pmm);
    const a = heap.malloc(3 * PAGE + 1);
    expect(a % PAGE).toBe(0);
    expect(heap.usableSize(a)).toBe(4 * PAGE);
    expect(heap.stats().bySizeClass.get('large')?.objects).toBe(1);
    heap.free(a);
    expect(pmm.stats().usedFrames).toBe(0);
  });
});

describe.each(['slab', 'first-fit', 'tlsf'] as const)('%s', (strategy) => {
  it('keeps owners apart: no frame holds two owners’ objects', () => {
    const heap = createHeap(setup().pmm, { strategy });
    const frames = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const owner = i % 3;
      const addr = heap.malloc(8 + (i % 200), { owner });
      const pfn = Math.floor(addr / PAGE);
      expect(frames.get(pfn) ?? owner).toBe(owner);
      frames.set(pfn, owner);
      expect(heap.ownerOf(addr)).toBe(owner);
    }
  });

  it('releaseOwner gives back everything of one owner and nothing of another', () => {
    const { pmm } = setup();
    const heap = createHeap(pmm, { strategy });
    const kept = heap.malloc(100, { owner: 0 });
    heap.bytes(kept, 100).fill(7);
    for (let i = 0; i < 200; i++) heap.malloc(10 + i * 20, { owner: 9 });
    const big = heap.malloc(5 * PAGE, { owner: 9 });
    expect(big).not.toBe(NO_ADDRESS);
    const before = heap.stats();
    expect(before.byOwner.get(9)?.objects).toBe(201);
    heap.releaseOwner(9);
    const after = heap.stats();
    expect(after.byOwner.has(9)).toBe(false);
    expect(after.objects).toBe(1);
    expect(pmm.stats().usedFrames).toBe(after.framesHeld);
    expect(heap.bytes(kept, 100).every((b) => b === 7)).toBe(true);
    expect(codeOf(() => heap.free(big))).toBe('NOT_ALLOCATED');
  });

  it('realloc keeps the contents, and grows in place when it can', () => {
    const heap = createHeap(setup().pmm, { strategy });
    const a = heap.malloc(40);
    heap.bytes(a, 40).set(Array.from({ length: 40 }, (_, i) => i));
    const b = heap.realloc(a, 44);
    expect(Array.from(heap.bytes(b, 40))).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const c = heap.realloc(b, 3000);
    expect(Array.from(heap.bytes(c, 40))).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(heap.stats().objects).toBe(1);
  });

  it('returns NO_ADDRESS when frames run out, and leaves the heap usable', () => {
    const { pmm } = setup(8);
    const heap = createHeap(pmm, { strategy, spanFrames: 1 });
    const addrs: number[] = [];
    for (;;) {
      const a = heap.malloc(1000);
      if (a === NO_ADDRESS) break;
      addrs.push(a);
    }
    expect(addrs.length).toBeGreaterThan(8);
    expect(heap.mallocAs('f64', 1000)).toBeUndefined();
    heap.free(addrs[0]);
    expect(heap.malloc(1000)).not.toBe(NO_ADDRESS);
  });

  it('misuse throws the documented code and changes nothing', () => {
    const { pmm } = setup();
    const heap = createHeap(pmm, { strategy });
    const a = heap.malloc(64);
    const before = JSON.stringify({ ...heap.stats(), byOwner: [...heap.stats().byOwner], bySizeClass: [] });
    expect(codeOf(() => heap.free(a + 8))).toBe('NOT_ALLOCATED');
    expect(codeOf(() => heap.free(pmm.alloc() * PAGE))).toBe('NOT_ALLOCATED');
    expect(codeOf(() => heap.free(-1))).toBe('INVALID_REQUEST');
    expect(codeOf(() => heap.malloc(-1))).toBe('INVALID_REQUEST');
    expect(codeOf(() => heap.malloc(8, { align: 24 }))).toBe('INVALID_REQUEST');
    expect(codeOf(() => heap.malloc(8, { owner: -2 }))).toBe('INVALID_REQUEST');
    expect(codeOf(() => heap.bytes(a, 10_000))).toBe('INVALID_REQUEST');
    expect(JSON.stringify({ ...heap.stats(), byOwner: [...heap.stats().byOwner], bySizeClass: [] })).toBe(
      before,
    );
    heap.free(a);
    expect(codeOf(() => heap.free(a))).toBe('NOT_ALLOCATED');
  });

  it('typed views share the frame contents', () => {
    const { pmm, space } = setup();
    const heap = createHeap(pmm, { strategy });
    const v = heap.mallocAs('f64', 10) as Float64Array;
    v[3] = Math.PI;
    const addr = v.byteOffset - space.bytes(0).byteOffset;
    expect(addr % 8).toBe(0);
    expect(new Float64Array(heap.bytes(addr, 80).slice().buffer)[3]).toBe(Math.PI);
  });

  it('works on sparse and shared spaces, where only touched frames cost memory', () => {
    for (const backing of ['sparse', 'shared'] as const) {
      const space = createFrameSpace({ frames: backing === 'sparse' ? 2 ** 28 : 4096 }, { backing });
      const pmm = bitmap.plugin.create(space);
      const heap = createHeap(pmm, { strategy });
      const addrs = Array.from({ length: 100 }, (_, i) => heap.malloc(100 + i * 37));
      for (const a of addrs) heap.bytes(a, 100).fill(1);
      if (backing === 'sparse') expect(space.contentBytes()).toBeLessThan(64 << 20);
      for (const a of addrs) heap.free(a);
    }
  });

  it('with memm headers finds the allocator through the word before the object', () => {
    const { pmm } = setup();
    const plain = createHeap(pmm, { strategy });
    const headed = createHeap(pmm, { strategy, headers: true });
    for (let i = 0; i < 100; i++) {
      plain.malloc(32);
      headed.malloc(32);
    }
    expect(headed.stats().headerBytes).toBe(1600);
    expect(headed.stats().usedBytes).toBeGreaterThan(plain.stats().usedBytes);
    const a = headed.malloc(100, { align: 64 });
    expect(a % 64).toBe(0);
    headed.free(a);
    expect(codeOf(() => headed.free(a))).toBe('NOT_ALLOCATED');
  });

  it('dispose returns every frame and is idempotent; later calls throw', () => {
    const { pmm } = setup();
    const heap = createHeap(pmm, { strategy });
    for (let i = 0; i < 50; i++) heap.malloc(i * 90, { owner: i % 4 });
    heap[Symbol.dispose]();
    heap[Symbol.dispose]();
    expect(pmm.stats().usedFrames).toBe(0);
    expect(codeOf(() => heap.malloc(8))).toBe('INVALID_REQUEST');
  });
});

describe('tlsf', () => {
  it('reuses a freed block of the same size class without growing', () => {
    const heap = createHeap(setup().pmm, { strategy: 'tlsf' });
    const keep = Array.from({ length: 50 }, () => heap.malloc(700));
    const held = heap.stats().framesHeld;
    for (let round = 0; round < 100; round++) {
      const i = (round * 17) % keep.length;
      heap.free(keep[i]);
      keep[i] = heap.malloc(650 + (round % 50));
    }
    expect(heap.stats().framesHeld).toBe(held);
  });
});

it('refuses a frame space without contents', () => {
  const pmm = bitmap.plugin.create(createFrameSpace({ frames: 64 }));
  expect(codeOf(() => createHeap(pmm))).toBe('UNSUPPORTED');
});
