import { FRAME_SIZE, MAX_REFCOUNT } from '@framekit/core';
import { describe, expect, it } from 'vitest';
import { codeOf, counts, frameErrorOf, setup } from '../test/helpers';
import { drop } from './drop';
import { OutOfFramesError } from './errors';
import { Page } from './page';

describe('Page.alloc', () => {
  it('hands out a zero-filled frame, even one that held data before (KeOS zero-fills)', () => {
    const pmm = setup({ frames: 4 });
    const dirty = pmm.alloc();
    pmm.space.bytes(dirty).fill(0xaa);
    pmm.free(dirty);
    using page = Page.alloc(pmm);
    expect(page.pfn).toBe(dirty);
    expect(page.inner().every((byte) => byte === 0)).toBe(true);
  });

  it('gives pa = pfn * 4096 and a count of 1', () => {
    const pmm = setup();
    using page = Page.alloc(pmm);
    expect(page.pa).toBe(page.pfn * FRAME_SIZE);
    expect(pmm.refCount(page.pfn)).toBe(1);
    expect(page.disposed).toBe(false);
  });

  it('frees the frame when the `using` block ends, also when it throws', () => {
    const pmm = setup();
    let pfn = -1;
    {
      using page = Page.alloc(pmm);
      pfn = page.pfn;
      expect(pmm.isFree(pfn)).toBe(false);
    }
    expect(pmm.isFree(pfn)).toBe(true);
    expect(() => {
      using page = Page.alloc(pmm);
      pfn = page.pfn;
      throw new Error('boom');
    }).toThrow('boom');
    expect(pmm.isFree(pfn)).toBe(true);
    expect(pmm.stats().usedFrames).toBe(0);
  });

  it('works with try/finally and drop()', () => {
    const pmm = setup();
    const page = Page.alloc(pmm);
    const pfn = page.pfn;
    try {
      page.innerMut()[0] = 1;
    } finally {
      drop(page);
    }
    expect(page.disposed).toBe(true);
    expect(pmm.isFree(pfn)).toBe(true);
  });

  it.skipIf(typeof (globalThis as { DisposableStack?: unknown }).DisposableStack !== 'function')(
    'works with the runtime DisposableStack',
    () => {
      const pmm = setup();
      const Stack = (globalThis as unknown as { DisposableStack: new () => DisposableStack }).DisposableStack;
      const stack = new Stack();
      const a = stack.use(Page.alloc(pmm));
      const b = stack.use(a.clone());
      expect(pmm.refCount(a.pfn)).toBe(2);
      stack.dispose();
      expect(a.disposed && b.disposed).toBe(true);
      expect(pmm.stats().usedFrames).toBe(0);
    },
  );

  it('works without frame contents; only inner()/innerMut() need them (UNSUPPORTED, clear message)', () => {
    const pmm = setup({ backing: 'none' });
    using page = Page.alloc(pmm);
    expect(pmm.refCount(page.pfn)).toBe(1);
    const error = frameErrorOf(() => page.inner());
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toMatch(/no contents.*backing/);
    expect(codeOf(() => page.innerMut())).toBe('UNSUPPORTED');
  });

  it('zero-fills frames of a sparse space', () => {
    const pmm = setup({ frames: 2048, backing: 'sparse' });
    const page = Page.alloc(pmm);
    page.innerMut().fill(7);
    const pfn = page.pfn;
    drop(page);
    using again = Page.alloc(pmm);
    expect(again.pfn).toBe(pfn);
    expect(again.inner().every((byte) => byte === 0)).toBe(true);
  });

  it('throws OutOfFramesError when no frame is left; tryAlloc returns null', () => {
    const pmm = setup({ frames: 2 });
    using a = Page.alloc(pmm);
    using b = Page.tryAlloc(pmm);
    expect(b).not.toBeNull();
    expect(Page.tryAlloc(pmm)).toBeNull();
    expect(() => Page.alloc(pmm)).toThrow(OutOfFramesError);
    expect(pmm.refCount(a.pfn)).toBe(1);
  });

  it('refuses an allocator without reference counts', () => {
    const pmm = setup();
    const error = frameErrorOf(() => Page.alloc(pmm.inner as never));
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toContain('withRefCounts');
    expect(codeOf(() => Page.tryAlloc(undefined as never))).toBe('INVALID_REQUEST');
  });

  it('cannot be made with new', () => {
    const pmm = setup();
    expect(codeOf(() => new Page(Symbol('forged') as never, pmm, 0, undefined))).toBe('INVALID_REQUEST');
  });
});

describe('Page contents', () => {
  it('inner() and innerMut() are live views of the same frame', () => {
    const pmm = setup();
    using page = Page.alloc(pmm);
    const view = page.inner();
    page.innerMut().set([1, 2, 3], 100);
    expect(view[100]).toBe(1);
    expect(view.length).toBe(FRAME_SIZE);
    expect([...view.subarray(100, 103)]).toEqual([1, 2, 3]);
    expect(pmm.space.bytes(page.pfn)[102]).toBe(3);
  });

  it('types inner() as read-only', () => {
    const pmm = setup();
    using page = Page.alloc(pmm);
    const view = page.inner();
    const writes = () => {
      // @ts-expect-error: inner() is for reading
      view[0] = 1;
      // @ts-expect-error: no fill on a read-only view
      view.fill(0);
      // @ts-expect-error: no way around it through the buffer either
      return view.buffer;
    };
    expect(typeof writes).toBe('function');
    expect(view[0]).toBe(0);
  });
});

describe('Page.clone', () => {
  it('shares the frame, raises the count, and frees on the last dispose in any order', () => {
    const pmm = setup();
    const a = Page.alloc(pmm);
    const b = a.clone();
    const c = b.clone();
    const pfn = a.pfn;
    expect([a.pfn, b.pfn, c.pfn]).toEqual([pfn, pfn, pfn]);
    expect(pmm.refCount(pfn)).toBe(3);
    b.innerMut()[5] = 9;
    expect(c.inner()[5]).toBe(9);
    drop(a);
    expect(pmm.refCount(pfn)).toBe(2);
    drop(c);
    expect(pmm.refCount(pfn)).toBe(1);
    expect(pmm.isFree(pfn)).toBe(false);
    drop(b);
    expect(pmm.refCount(pfn)).toBe(0);
    expect(pmm.isFree(pfn)).toBe(true);
  });

  it('overflows at 65535 references with REFCOUNT_OVERFLOW and changes nothing', () => {
    const pmm = setup();
    using page = Page.alloc(pmm);
    pmm.ref(page.pfn, 1);
    for (let i = 2; i < MAX_REFCOUNT; i++) pmm.ref(page.pfn);
    expect(pmm.refCount(page.pfn)).toBe(MAX_REFCOUNT);
    expect(codeOf(() => page.clone())).toBe('REFCOUNT_OVERFLOW');
    expect(pmm.refCount(page.pfn)).toBe(MAX_REFCOUNT);
    pmm.unref(page.pfn, 1);
    for (let i = 2; i < MAX_REFCOUNT; i++) pmm.unref(page.pfn);
  });
});

describe('Page.intoRaw / Page.fromRaw', () => {
  it('round-trips ownership through a physical address without touching the count', () => {
    const pmm = setup();
    const page = Page.alloc(pmm);
    page.innerMut()[0] = 42;
    const pfn = page.pfn;
    const pa = page.intoRaw();
    expect(pa).toBe(pfn * FRAME_SIZE);
    expect(page.disposed).toBe(true);
    expect(pmm.refCount(pfn)).toBe(1);
    {
      using back = Page.fromRaw(pmm, pa);
      expect(back.pfn).toBe(pfn);
      expect(back.inner()[0]).toBe(42);
      expect(pmm.refCount(pfn)).toBe(1);
    }
    expect(pmm.isFree(pfn)).toBe(true);
  });

  it('round-trips many times, and a clone can go raw while the original stays', () => {
    const pmm = setup();
    using page = Page.alloc(pmm);
    for (let i = 0; i < 5; i++) {
      const pa = page.clone().intoRaw();
      expect(pmm.refCount(page.pfn)).toBe(2);
      drop(Page.fromRaw(pmm, pa));
      expect(pmm.refCount(page.pfn)).toBe(1);
    }
  });

  it('refuses a frame that is not allocated (NOT_ALLOCATED) and bad addresses, changing nothing', () => {
    const pmm = setup({
      frames: 64,
      ranges: [
        { start: 0, count: 32 },
        { start: 40, count: 24 },
      ],
    });
    using page = Page.alloc(pmm);
    const before = counts(pmm);
    expect(codeOf(() => Page.fromRaw(pmm, 50 * FRAME_SIZE))).toBe('NOT_ALLOCATED');
    expect(codeOf(() => Page.fromRaw(pmm, page.pa + 1))).toBe('INVALID_REQUEST');
    // Frame -1: a safe-integer frame outside the space is OUT_OF_RANGE (core's contract table).
    expect(codeOf(() => Page.fromRaw(pmm, -FRAME_SIZE))).toBe('OUT_OF_RANGE');
    expect(codeOf(() => Page.fromRaw(pmm, -1))).toBe('INVALID_REQUEST');
    expect(codeOf(() => Page.fromRaw(pmm, Number.NaN))).toBe('INVALID_REQUEST');
    expect(codeOf(() => Page.fromRaw(pmm, 64 * FRAME_SIZE))).toBe('OUT_OF_RANGE');
    expect(codeOf(() => Page.fromRaw(pmm, 35 * FRAME_SIZE))).toBe('NOT_USABLE');
    expect(codeOf(() => Page.fromRaw({} as never, 0))).toBe('INVALID_REQUEST');
    expect(counts(pmm)).toEqual(before);
  });

  it('detects a double take-back once the frame is freed (the second owner finds it free)', () => {
    const pmm = setup();
    const pa = Page.alloc(pmm).intoRaw();
    const first = Page.fromRaw(pmm, pa);
    drop(first);
    expect(codeOf(() => Page.fromRaw(pmm, pa))).toBe('NOT_ALLOCATED');
  });
});

describe('a disposed Page', () => {
  const uses: [string, (page: Page) => unknown][] = [
    ['pa', (page) => page.pa],
    ['pfn', (page) => page.pfn],
    ['inner', (page) => page.inner()],
    ['innerMut', (page) => page.innerMut()],
    ['clone', (page) => page.clone()],
    ['intoRaw', (page) => page.intoRaw()],
  ];

  for (const [name, use] of uses) {
    it(`throws INVALID_REQUEST on ${name} after dispose and after intoRaw, changing nothing`, () => {
      const pmm = setup();
      const keep = Page.alloc(pmm);
      const disposed = keep.clone();
      drop(disposed);
      const moved = keep.clone();
      moved.intoRaw();
      const before = counts(pmm);
      const error = frameErrorOf(() => use(disposed));
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.message).toContain('disposed');
      expect(error.message).toContain(`Page.${name}`);
      const movedError = frameErrorOf(() => use(moved));
      expect(movedError.code).toBe('INVALID_REQUEST');
      expect(movedError.message).toMatch(/disposed .*intoRaw/);
      expect(counts(pmm)).toEqual(before);
      expect(pmm.refCount(keep.pfn)).toBe(2);
    });
  }

  it('ignores a second dispose, and a dispose after intoRaw, changing nothing', () => {
    const pmm = setup();
    const keep = Page.alloc(pmm);
    const disposed = keep.clone();
    drop(disposed);
    const moved = keep.clone();
    moved.intoRaw();
    const before = counts(pmm);
    disposed[Symbol.dispose]();
    drop(disposed);
    moved[Symbol.dispose]();
    expect(counts(pmm)).toEqual(before);
    expect(pmm.refCount(keep.pfn)).toBe(2);
    expect(disposed.disposed && moved.disposed).toBe(true);
  });

  it('stays live when the allocator refuses the dispose (frame freed behind its back: a double free)', () => {
    const pmm = setup();
    const page = Page.alloc(pmm);
    pmm.free(page.pfn);
    expect(codeOf(() => drop(page))).toBe('DOUBLE_FREE');
    expect(page.disposed).toBe(false);
  });
});
