import { FRAME_SIZE } from '@framekit/core';
import { describe, expect, it } from 'vitest';
import { codeOf, counts, frameErrorOf, setup } from '../test/helpers';
import { ContigPages } from './contig';
import { drop } from './drop';
import { Page } from './page';
import { PageRef } from './page-ref';

describe('PageRef', () => {
  it('borrows a frame without touching its count and sees the owner’s bytes', () => {
    const pmm = setup();
    using page = Page.alloc(pmm);
    page.innerMut()[10] = 77;
    using borrowed = PageRef.fromPa(pmm, page.pa);
    expect(borrowed.pfn).toBe(page.pfn);
    expect(borrowed.pa).toBe(page.pa);
    expect(pmm.refCount(page.pfn)).toBe(1);
    expect(borrowed.inner()[10]).toBe(77);
    borrowed.innerMut()[11] = 78;
    expect(page.inner()[11]).toBe(78);
  });

  it('borrows one frame of a run', () => {
    const pmm = setup();
    using run = ContigPages.alloc(pmm, 4 * FRAME_SIZE)!;
    using borrowed = PageRef.fromPa(pmm, run.pa + 2 * FRAME_SIZE);
    borrowed.innerMut()[0] = 3;
    expect(run.inner()[2 * FRAME_SIZE]).toBe(3);
  });

  it('intoPage takes a counted reference that outlives the original owner; the borrow stays usable', () => {
    const pmm = setup();
    const page = Page.alloc(pmm);
    const borrowed = PageRef.fromPa(pmm, page.pa);
    const owned = borrowed.intoPage();
    expect(pmm.refCount(page.pfn)).toBe(2);
    const pfn = page.pfn;
    drop(page);
    expect(pmm.isFree(pfn)).toBe(false);
    expect(borrowed.inner().length).toBe(FRAME_SIZE);
    drop(owned);
    expect(pmm.isFree(pfn)).toBe(true);
    drop(borrowed);
  });

  it('reports a dangling borrow with NOT_ALLOCATED once the owners are gone', () => {
    const pmm = setup();
    const page = Page.alloc(pmm);
    using borrowed = PageRef.fromPa(pmm, page.pa);
    drop(page);
    for (const use of [() => borrowed.inner(), () => borrowed.innerMut(), () => borrowed.intoPage()]) {
      const error = frameErrorOf(use);
      expect(error.code).toBe('NOT_ALLOCATED');
      expect(error.message).toContain('dangles');
    }
    expect(pmm.stats().usedFrames).toBe(0);
  });

  it('refuses a free frame and bad addresses, changing nothing', () => {
    const pmm = setup({ frames: 16, ranges: [{ start: 0, count: 8 }] });
    using page = Page.alloc(pmm);
    const before = counts(pmm);
    expect(codeOf(() => PageRef.fromPa(pmm, 5 * FRAME_SIZE))).toBe('NOT_ALLOCATED');
    expect(codeOf(() => PageRef.fromPa(pmm, page.pa + 8))).toBe('INVALID_REQUEST');
    expect(codeOf(() => PageRef.fromPa(pmm, 12 * FRAME_SIZE))).toBe('NOT_USABLE');
    expect(codeOf(() => PageRef.fromPa(pmm, 16 * FRAME_SIZE))).toBe('OUT_OF_RANGE');
    expect(codeOf(() => PageRef.fromPa(pmm.inner as never, page.pa))).toBe('INVALID_REQUEST');
    expect(counts(pmm)).toEqual(before);
  });

  it('throws INVALID_REQUEST for every use after the borrow ended, changing nothing', () => {
    const pmm = setup();
    using page = Page.alloc(pmm);
    const borrowed = PageRef.fromPa(pmm, page.pa);
    drop(borrowed);
    expect(borrowed.disposed).toBe(true);
    for (const use of [
      () => borrowed.pa,
      () => borrowed.pfn,
      () => borrowed.inner(),
      () => borrowed.innerMut(),
      () => borrowed.intoPage(),
    ]) {
      const error = frameErrorOf(use);
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.message).toContain('disposed');
    }
    drop(borrowed); // a second dispose does nothing
    expect(borrowed.disposed).toBe(true);
    expect(pmm.refCount(page.pfn)).toBe(1);
  });

  it('needs contents to read (UNSUPPORTED)', () => {
    const pmm = setup({ backing: 'none' });
    using page = Page.alloc(pmm);
    using borrowed = PageRef.fromPa(pmm, page.pa);
    expect(codeOf(() => borrowed.inner())).toBe('UNSUPPORTED');
  });
});
