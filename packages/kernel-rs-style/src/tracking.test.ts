import { FRAME_SIZE } from '@framekit/core';
import { describe, expect, it } from 'vitest';
import { codeOf, here, setup } from '../test/helpers';
import { ContigPages } from './contig';
import { drop } from './drop';
import { Page } from './page';
import { PageRef } from './page-ref';
import { formatLeaks, trackAllocations } from './tracking';

const thisFile = /src\/tracking\.test\.ts$/;

function allocateHere(pmm: ReturnType<typeof setup>): [Page, number] {
  return [Page.alloc(pmm), here()];
}

describe('trackAllocations', () => {
  it('reports a page still owned when fn returns, with the file:line of the allocating call', () => {
    const pmm = setup();
    let line = 0;
    const { result, leaks } = trackAllocations(() => {
      using _disposed = Page.alloc(pmm);
      const [kept, at] = [Page.alloc(pmm), here()];
      line = at;
      return kept;
    });
    expect(leaks).toHaveLength(1);
    const [leak] = leaks;
    expect(leak.kind).toBe('page');
    expect(leak.pfn).toBe(result.pfn);
    expect(leak.pa).toBe(result.pa);
    expect(leak.source?.file).toMatch(thisFile);
    expect(leak.source?.line).toBe(line);
    expect(leak.location).toMatch(new RegExp(`tracking\\.test\\.ts:${line}:\\d+$`));
    expect(leak.stack).toContain('tracking.test.ts');
    expect(leak).toMatchObject({ frames: 1, heldFrames: 1, references: 1, raw: 0 });
    drop(result);
  });

  it('names the caller of Page.alloc, not the package, when allocation happens in a helper', () => {
    const pmm = setup();
    const { result, leaks } = trackAllocations(() => allocateHere(pmm));
    expect(leaks[0].source?.line).toBe(result[1]);
    drop(result[0]);
  });

  it('reports nothing when every owner was disposed, in any way', () => {
    const pmm = setup();
    const { leaks } = trackAllocations(() => {
      using a = Page.alloc(pmm);
      const b = a.clone();
      drop(b);
      const pa = Page.alloc(pmm).intoRaw();
      drop(Page.fromRaw(pmm, pa));
      for (const page of ContigPages.alloc(pmm, 3 * FRAME_SIZE)!.split()) drop(page);
      using _run = ContigPages.alloc(pmm, 2 * FRAME_SIZE);
      using _maybe = Page.tryAlloc(pmm);
    });
    expect(leaks).toEqual([]);
    expect(formatLeaks(leaks)).toBe('no leaks');
    expect(pmm.stats().usedFrames).toBe(0);
  });

  it('ignores pages allocated before fn, even if fn clones them', () => {
    const pmm = setup();
    using outside = Page.alloc(pmm);
    const { result, leaks } = trackAllocations(() => outside.clone());
    expect(leaks).toEqual([]);
    drop(result);
  });

  it('reports a leaked clone of a page allocated inside', () => {
    const pmm = setup();
    const { result, leaks } = trackAllocations(() => {
      using page = Page.alloc(pmm);
      return page.clone();
    });
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ pfn: result.pfn, references: 1 });
    drop(result);
  });

  it('counts raw references (intoRaw without fromRaw) as held', () => {
    const pmm = setup();
    const { result: pa, leaks } = trackAllocations(() => Page.alloc(pmm).intoRaw());
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ pa, references: 1, raw: 1 });
    expect(formatLeaks(leaks)).toMatch(/1 of them raw \(intoRaw without fromRaw\)/);
    drop(Page.fromRaw(pmm, pa));
  });

  it('follows references taken back by fromRaw and PageRef.intoPage', () => {
    const pmm = setup();
    const { result, leaks } = trackAllocations(() => {
      const page = Page.alloc(pmm);
      const back = Page.fromRaw(pmm, page.intoRaw());
      using borrowed = PageRef.fromPa(pmm, back.pa);
      const second = borrowed.intoPage();
      drop(back);
      return second;
    });
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ references: 1, raw: 0 });
    drop(result);
  });

  it('reports a run, and how many of its frames are still held after a partial release of its split pages', () => {
    const pmm = setup();
    let line = 0;
    const { result, leaks } = trackAllocations(() => {
      const [run, at] = [ContigPages.alloc(pmm, 4 * FRAME_SIZE)!, here()];
      line = at;
      const pages = run.split();
      drop(pages[0]);
      drop(pages[3]);
      return pages.slice(1, 3);
    });
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ kind: 'contig', frames: 4, heldFrames: 2, references: 2 });
    expect(leaks[0].source?.line).toBe(line);
    expect(formatLeaks(leaks)).toContain('run of 4 frames');
    for (const page of result) drop(page);
  });

  it('does not report a frame released behind its owner’s back with the allocator', () => {
    const pmm = setup();
    const { leaks } = trackAllocations(() => {
      const pa = Page.alloc(pmm).intoRaw();
      pmm.free(pa / FRAME_SIZE);
    });
    expect(leaks).toEqual([]);
  });

  it('nests: the outer session also sees what the inner one allocated', () => {
    const pmm = setup();
    const outer = trackAllocations(() => {
      const a = Page.alloc(pmm);
      const inner = trackAllocations(() => Page.alloc(pmm));
      expect(inner.leaks.map((leak) => leak.pfn)).toEqual([inner.result.pfn]);
      return [a, inner.result];
    });
    expect(outer.leaks.map((leak) => leak.pfn).sort()).toEqual(outer.result.map((page) => page.pfn).sort());
    for (const page of outer.result) drop(page);
  });

  it('stops recording when fn throws, and lets the error through', () => {
    const pmm = setup();
    let leaked: Page | undefined;
    expect(() =>
      trackAllocations(() => {
        leaked = Page.alloc(pmm);
        throw new Error('fn failed');
      }),
    ).toThrow('fn failed');
    const { leaks } = trackAllocations(() => undefined);
    expect(leaks).toEqual([]);
    drop(leaked!);
  });

  it('refuses something that is not a function', () => {
    expect(codeOf(() => trackAllocations(42 as never))).toBe('INVALID_REQUEST');
  });

  it('tracks an async fn across awaits until it settles', async () => {
    const pmm = setup();
    const report = await trackAllocations(async () => {
      await Promise.resolve();
      const page = Page.alloc(pmm);
      await new Promise((resolve) => setTimeout(resolve, 1));
      using _gone = Page.alloc(pmm);
      return page;
    });
    expect(report.leaks.map((leak) => leak.pfn)).toEqual([report.result.pfn]);
    expect(report.leaks[0].source?.file).toMatch(thisFile);
    drop(report.result);
  });

  it('keeps concurrent async sessions apart', async () => {
    const pmm = setup();
    const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
    const session = (count: number) =>
      trackAllocations(async () => {
        const pages: Page[] = [];
        for (let i = 0; i < count; i++) {
          await tick();
          pages.push(Page.alloc(pmm));
        }
        return pages;
      });
    const [a, b] = await Promise.all([session(2), session(3)]);
    expect(a.leaks.map((leak) => leak.pfn)).toEqual(a.result.map((page) => page.pfn));
    expect(b.leaks.map((leak) => leak.pfn)).toEqual(b.result.map((page) => page.pfn));
    for (const page of [...a.result, ...b.result]) drop(page);
  });

  it('rejects with fn’s error when an async fn fails', async () => {
    await expect(
      trackAllocations(async () => {
        throw new Error('async failure');
      }),
    ).rejects.toThrow('async failure');
  });
});
