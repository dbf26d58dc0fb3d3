import { FRAME_SIZE, MiB } from '@framekit/core';
import { SPARSE_CHUNK_FRAMES } from '@framekit/core/plugin';
import { describe, expect, it } from 'vitest';
import { codeOf, counts, frameErrorOf, setup } from '../test/helpers';
import { ContigPages } from './contig';
import { drop } from './drop';
import { Page } from './page';

describe('ContigPages.alloc', () => {
  it('rounds the size up to whole frames', () => {
    const pmm = setup();
    for (const [bytes, frames] of [
      [1, 1],
      [FRAME_SIZE, 1],
      [FRAME_SIZE + 1, 2],
      [5 * FRAME_SIZE - 7, 5],
    ]) {
      using run = ContigPages.alloc(pmm, bytes);
      expect(run?.frames).toBe(frames);
      expect(run?.size).toBe(frames * FRAME_SIZE);
      expect(pmm.stats().usedFrames).toBe(frames);
    }
    expect(pmm.stats().usedFrames).toBe(0);
  });

  it('aligns the physical address (align in bytes, like KeOS)', () => {
    const pmm = setup({ frames: 2048 });
    using first = Page.alloc(pmm); // frame 0 taken, so an aligned run must skip ahead
    using run = ContigPages.alloc(pmm, 3 * FRAME_SIZE, 2 * MiB);
    expect(run).not.toBeNull();
    expect(run!.pa % (2 * MiB)).toBe(0);
    expect(first.pfn).toBe(0);
    using small = ContigPages.alloc(pmm, 100, 64); // below a frame: any frame is aligned
    expect(small!.frames).toBe(1);
  });

  it('zero-fills the whole run, across the chunks of a sparse space', () => {
    const pmm = setup({ frames: 3 * SPARSE_CHUNK_FRAMES, backing: 'sparse' });
    const dirty = pmm.allocRun(SPARSE_CHUNK_FRAMES + 10, { align: 1 });
    for (let at = dirty; at < dirty + SPARSE_CHUNK_FRAMES + 10; at++) pmm.space.bytes(at).fill(0xee);
    pmm.freeRun(dirty, SPARSE_CHUNK_FRAMES + 10);
    using run = ContigPages.alloc(pmm, (SPARSE_CHUNK_FRAMES + 10) * FRAME_SIZE);
    expect(run!.pfn).toBe(dirty);
    for (let at = run!.pfn; at < run!.pfn + run!.frames; at++) {
      expect(pmm.space.bytes(at).every((byte) => byte === 0)).toBe(true);
    }
    const error = frameErrorOf(() => run!.inner());
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toMatch(/sparse frame space.*split\(\)/);
  });

  it('gives one view over the whole run in a dense space', () => {
    const pmm = setup();
    using run = ContigPages.alloc(pmm, 3 * FRAME_SIZE)!;
    run.innerMut()[2 * FRAME_SIZE] = 5;
    expect(run.inner().length).toBe(3 * FRAME_SIZE);
    expect(pmm.space.bytes(run.pfn + 2)[0]).toBe(5);
  });

  it('returns null when no run that long is free (KeOS returns None)', () => {
    const pmm = setup({ frames: 8 });
    using hole = Page.alloc(pmm);
    expect(hole.pfn).toBe(0);
    expect(ContigPages.alloc(pmm, 8 * FRAME_SIZE)).toBeNull();
    expect(pmm.stats().usedFrames).toBe(1);
  });

  it('serves one unaligned frame from an allocator without runs, and passes its UNSUPPORTED on for more', () => {
    const pmm = setup({ shape: 'no-runs' });
    using one = ContigPages.alloc(pmm, FRAME_SIZE);
    expect(one!.frames).toBe(1);
    expect(codeOf(() => ContigPages.alloc(pmm, 2 * FRAME_SIZE))).toBe('UNSUPPORTED');
  });

  it('refuses sizes and alignments that make no sense, changing nothing', () => {
    const pmm = setup();
    const before = counts(pmm);
    for (const bytes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(codeOf(() => ContigPages.alloc(pmm, bytes))).toBe('INVALID_REQUEST');
    }
    for (const align of [0, 3, 4096 + 1, -4096, 0.5]) {
      expect(codeOf(() => ContigPages.alloc(pmm, FRAME_SIZE, align))).toBe('INVALID_REQUEST');
    }
    expect(codeOf(() => ContigPages.alloc(pmm.inner as never, FRAME_SIZE))).toBe('INVALID_REQUEST');
    expect(counts(pmm)).toEqual(before);
  });
});

describe('ContigPages refcounts', () => {
  it('counts the run as one: clone raises every frame, the last dispose frees the whole run', () => {
    const pmm = setup();
    const run = ContigPages.alloc(pmm, 4 * FRAME_SIZE)!;
    const frames = [0, 1, 2, 3].map((i) => run.pfn + i);
    const other = run.clone();
    expect(frames.map((pfn) => pmm.refCount(pfn))).toEqual([2, 2, 2, 2]);
    drop(run);
    expect(frames.map((pfn) => pmm.refCount(pfn))).toEqual([1, 1, 1, 1]);
    expect(frames.some((pfn) => pmm.isFree(pfn))).toBe(false);
    drop(other);
    expect(frames.every((pfn) => pmm.isFree(pfn))).toBe(true);
  });

  it('works over an allocator that takes runs back only whole', () => {
    const pmm = setup({ shape: 'whole-runs' });
    const run = ContigPages.alloc(pmm, 8 * FRAME_SIZE, 8 * FRAME_SIZE)!;
    const copy = run.clone();
    drop(run);
    drop(copy);
    expect(pmm.stats().usedFrames).toBe(0);
  });
});

describe('ContigPages.split', () => {
  it('splits runs of every length 1..40 into pages that each own one frame', () => {
    for (let n = 1; n <= 40; n++) {
      const pmm = setup({ frames: 64 });
      const run = ContigPages.alloc(pmm, n * FRAME_SIZE)!;
      run.innerMut()[(n - 1) * FRAME_SIZE] = n;
      const start = run.pfn;
      const pages = run.split();
      expect(run.disposed).toBe(true);
      expect(pages.map((page) => page.pfn)).toEqual(Array.from({ length: n }, (_, i) => start + i));
      expect(pages.every((page) => pmm.refCount(page.pfn) === 1)).toBe(true);
      expect(pages[n - 1].inner()[0]).toBe(n);
      // Release every other page first: each frame goes back on its own.
      for (let i = 0; i < n; i += 2) drop(pages[i]);
      for (let i = 0; i < n; i++) expect(pmm.isFree(start + i)).toBe(i % 2 === 0);
      for (let i = 1; i < n; i += 2) drop(pages[i]);
      expect(pmm.stats().usedFrames).toBe(0);
    }
  });

  it('splits a run that crosses sparse chunks', () => {
    const frames = SPARSE_CHUNK_FRAMES + 3;
    const pmm = setup({ frames: 2 * SPARSE_CHUNK_FRAMES, backing: 'sparse' });
    const pages = ContigPages.alloc(pmm, frames * FRAME_SIZE)!.split();
    expect(pages.length).toBe(frames);
    pages[SPARSE_CHUNK_FRAMES].innerMut()[0] = 1;
    expect(pages[SPARSE_CHUNK_FRAMES].inner()[0]).toBe(1);
    for (const page of pages) drop(page);
    expect(pmm.stats().usedFrames).toBe(0);
  });

  it('gives pages that clone and go raw like any other', () => {
    const pmm = setup();
    const [a, b] = ContigPages.alloc(pmm, 2 * FRAME_SIZE)!.split();
    const a2 = a.clone();
    expect(pmm.refCount(a.pfn)).toBe(2);
    const pa = b.intoRaw();
    drop(a);
    drop(a2);
    expect(pmm.isFree(pa / FRAME_SIZE - 1)).toBe(true);
    drop(Page.fromRaw(pmm, pa));
    expect(pmm.stats().usedFrames).toBe(0);
  });

  it('refuses a shared run (INVALID_REQUEST) and changes nothing', () => {
    const pmm = setup();
    using run = ContigPages.alloc(pmm, 3 * FRAME_SIZE)!;
    const shared = run.clone();
    const before = counts(pmm);
    const error = frameErrorOf(() => run.split());
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toContain('2 references');
    expect(counts(pmm)).toEqual(before);
    expect(run.disposed).toBe(false);
    drop(shared);
  });

  it('refuses a run with one frame shared by someone else', () => {
    const pmm = setup();
    using run = ContigPages.alloc(pmm, 3 * FRAME_SIZE)!;
    pmm.ref(run.pfn + 2);
    expect(codeOf(() => run.split())).toBe('INVALID_REQUEST');
    pmm.unref(run.pfn + 2);
  });

  it('needs an allocator that takes runs back piecewise (UNSUPPORTED otherwise), except for one frame', () => {
    const pmm = setup({ shape: 'whole-runs' });
    using run = ContigPages.alloc(pmm, 2 * FRAME_SIZE)!;
    const error = frameErrorOf(() => run.split());
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toContain('freeRunPiecewise');
    expect(run.disposed).toBe(false);
    const one = ContigPages.alloc(pmm, FRAME_SIZE, 2 * FRAME_SIZE)!;
    const [page] = one.split();
    drop(page);
    expect(pmm.stats().usedFrames).toBe(2);
  });
});

describe('a disposed ContigPages', () => {
  const uses: [string, (run: ContigPages) => unknown][] = [
    ['pa', (run) => run.pa],
    ['frames', (run) => run.frames],
    ['size', (run) => run.size],
    ['inner', (run) => run.inner()],
    ['innerMut', (run) => run.innerMut()],
    ['clone', (run) => run.clone()],
    ['split', (run) => run.split()],
  ];

  for (const [name, use] of uses) {
    it(`throws INVALID_REQUEST on ${name} after dispose and after split, changing nothing`, () => {
      const pmm = setup();
      const disposed = ContigPages.alloc(pmm, 2 * FRAME_SIZE)!;
      drop(disposed);
      const splitRun = ContigPages.alloc(pmm, 2 * FRAME_SIZE)!;
      const pages = splitRun.split();
      const before = counts(pmm);
      const error = frameErrorOf(() => use(disposed));
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.message).toContain(`ContigPages.${name}: this ContigPages is disposed`);
      expect(frameErrorOf(() => use(splitRun)).message).toMatch(/disposed .*split/);
      expect(counts(pmm)).toEqual(before);
      for (const page of pages) drop(page);
    });
  }

  it('ignores a second dispose, and a dispose after split, changing nothing', () => {
    const pmm = setup();
    const disposed = ContigPages.alloc(pmm, 2 * FRAME_SIZE)!;
    drop(disposed);
    const splitRun = ContigPages.alloc(pmm, 2 * FRAME_SIZE)!;
    const pages = splitRun.split();
    const before = counts(pmm);
    disposed[Symbol.dispose]();
    splitRun[Symbol.dispose]();
    expect(counts(pmm)).toEqual(before);
    for (const page of pages) drop(page);
    expect(pmm.stats().usedFrames).toBe(0);
  });
});
