import { frameErrorCode } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import { setup, used } from './__fixtures__/setup';
import { MAP_FAILED, MemoryFile, MMAP_BASE, Pte } from './index';

const PAGE = 4096;
const MiB2 = 2 * 1024 * 1024;

/** Writes one tagged byte into each page of `[start, end)`. */
function touch(as: ReturnType<typeof setup>['as'], start: number, end: number) {
  for (let va = start; va < end; va += PAGE) as.write(va, Uint8Array.of((va / PAGE) & 0xff));
}

describe('mmap', () => {
  it('places regions from MMAP_BASE, 2 MiB-aligned when large, and lists them', () => {
    const { as } = setup();
    const a = as.mmap({ length: 100, prot: 'rw' });
    const b = as.mmap({ length: 3 * PAGE, prot: 'r', content: 'heap' });
    const c = as.mmap({ length: MiB2, prot: 'rx', shared: true });
    expect(a).toBe(MMAP_BASE);
    expect(b).toBe(MMAP_BASE + PAGE);
    expect(c % MiB2).toBe(0);
    expect(c).toBe(MMAP_BASE + MiB2);
    expect(as.regions()).toEqual([
      { start: a, end: a + PAGE, length: PAGE, prot: 'rw', content: 'mmap', fork: 'private', huge: true },
      {
        start: b,
        end: b + 3 * PAGE,
        length: 3 * PAGE,
        prot: 'r',
        content: 'heap',
        fork: 'private',
        huge: true,
      },
      { start: c, end: c + MiB2, length: MiB2, prot: 'rx', content: 'mmap', fork: 'shared', huge: false },
    ]);
    // The gap before c is used by the next small region.
    expect(as.mmap({ length: PAGE, prot: '' })).toBe(b + 3 * PAGE);
  });

  it('takes a fixed address and refuses overlaps with regions and raw pages', () => {
    const { pmm, as } = setup();
    expect(as.mmap({ addr: 0x40_0000, length: 2 * PAGE, prot: 'rw', content: 'stack' })).toBe(0x40_0000);
    expect(frameErrorCode(() => as.mmap({ addr: 0x40_1000, length: PAGE, prot: 'r' }))).toBe(
      'INVALID_REQUEST',
    );
    as.map(0x80_0000, pmm.alloc(), Pte.P | Pte.US);
    expect(frameErrorCode(() => as.mmap({ addr: 0x7f_f000, length: 2 * PAGE, prot: 'r' }))).toBe(
      'INVALID_REQUEST',
    );
    expect(frameErrorCode(() => as.map(0x40_0000, pmm.alloc(), Pte.P))).toBe('INVALID_REQUEST');
    expect(as.regions()).toHaveLength(1);
  });

  it('steps over raw mappings when placing', () => {
    const { pmm, as } = setup();
    as.map(MMAP_BASE + PAGE, pmm.alloc(), Pte.P | Pte.US);
    expect(as.mmap({ length: PAGE, prot: 'r' })).toBe(MMAP_BASE);
    expect(as.mmap({ length: 2 * PAGE, prot: 'r' })).toBe(MMAP_BASE + 2 * PAGE);
  });

  it('returns MAP_FAILED when the lower half has no room', () => {
    const { as } = setup();
    const top = 2 ** 47;
    as.mmap({ addr: MMAP_BASE, length: top - MMAP_BASE - PAGE, prot: '' });
    expect(as.mmap({ length: PAGE, prot: 'r' })).toBe(top - PAGE);
    expect(as.mmap({ length: PAGE, prot: 'r' })).toBe(MAP_FAILED);
  });

  const bad: [string, object][] = [
    ['a zero length', { length: 0, prot: 'r' }],
    ['a fractional length', { length: 1.5, prot: 'r' }],
    ['an unknown prot letter', { length: PAGE, prot: 'rwz' }],
    ['a repeated prot letter', { length: PAGE, prot: 'rr' }],
    ['write without read', { length: PAGE, prot: 'w' }],
    ['an unaligned address', { addr: 0x1001, length: PAGE, prot: 'r' }],
    ['a higher-half address', { addr: -(2 ** 47), length: PAGE, prot: 'r' }],
    ['a range past the lower half', { addr: 2 ** 47 - PAGE, length: 2 * PAGE, prot: 'r' }],
    ['an unknown option', { length: PAGE, prot: 'r', populate: true }],
    ['an unknown content', { length: PAGE, prot: 'r', content: 'code' }],
    ['a file region without a file', { length: PAGE, prot: 'r', content: 'file' }],
    ['a private DMA region', { length: PAGE, prot: 'rw', content: 'dma', shared: false }],
    ['an offset without a file', { length: PAGE, prot: 'r', offset: 0 }],
  ];
  for (const [what, options] of bad) {
    it(`refuses ${what} and changes nothing`, () => {
      const { as } = setup();
      expect(frameErrorCode(() => as.mmap(options as never))).toBe('INVALID_REQUEST');
      expect(as.regions()).toEqual([]);
    });
  }

  it('checks file offsets against the file', () => {
    const { pmm, as } = setup();
    const file = MemoryFile.create(pmm, 2 * PAGE)!;
    expect(
      frameErrorCode(() => as.mmap({ length: PAGE, prot: 'r', content: 'file', file, offset: 100 })),
    ).toBe('INVALID_REQUEST');
    expect(
      frameErrorCode(() => as.mmap({ length: 2 * PAGE, prot: 'r', content: 'file', file, offset: PAGE })),
    ).toBe('INVALID_REQUEST');
    expect(frameErrorCode(() => as.mmap({ length: PAGE, prot: 'r', content: 'heap', file }))).toBe(
      'INVALID_REQUEST',
    );
    const elsewhere = setup();
    expect(frameErrorCode(() => elsewhere.as.mmap({ length: PAGE, prot: 'r', content: 'file', file }))).toBe(
      'INVALID_REQUEST',
    );
    const at = as.mmap({ length: PAGE, prot: 'r', content: 'file', file, offset: PAGE });
    expect(as.regions()[0]).toMatchObject({ start: at, content: 'file', file, offset: PAGE });
  });
});

describe('large regions cost nothing until touched', () => {
  it('a 1 TiB shared anonymous region maps one page on one write', () => {
    const { pmm, as, freeAtStart } = setup();
    const a = as.mmap({ length: 2 ** 40, prot: 'rw', shared: true });
    as.write(a + 2 ** 39 + 5, Uint8Array.of(1));
    // The page, its mapping's tables (three) and nothing else.
    expect(used(pmm, freeAtStart)).toBe(1 + 3 + 1);
    expect(as.read(a + 2 ** 39 + 5, 1)[0]).toBe(1);
  });
});

describe('munmap', () => {
  it('refuses an unaligned address or a bad length, and changes nothing', () => {
    const { as } = setup();
    const a = as.mmap({ length: 4 * PAGE, prot: 'rw' });
    touch(as, a, a + 4 * PAGE);
    const before = as.stats();
    expect(frameErrorCode(() => as.munmap(a + 1, PAGE))).toBe('INVALID_REQUEST');
    expect(frameErrorCode(() => as.munmap(a, 0))).toBe('INVALID_REQUEST');
    expect(frameErrorCode(() => as.munmap(a, -PAGE))).toBe('INVALID_REQUEST');
    expect(frameErrorCode(() => as.munmap(2 ** 47, PAGE))).toBe('INVALID_REQUEST');
    expect(as.stats()).toEqual(before);
  });

  it('returns false for a range with no region, twice or never mapped', () => {
    const { as } = setup();
    const a = as.mmap({ length: PAGE, prot: 'rw' });
    expect(as.munmap(a + PAGE, PAGE)).toBe(false);
    expect(as.munmap(a, PAGE)).toBe(true);
    expect(as.munmap(a, PAGE)).toBe(false);
  });

  it('rounds an unaligned length up to whole pages', () => {
    const { as } = setup();
    const a = as.mmap({ length: 4 * PAGE, prot: 'rw' });
    as.munmap(a, PAGE + 1);
    expect(as.regions().map((r) => [r.start, r.end])).toEqual([[a + 2 * PAGE, a + 4 * PAGE]]);
  });

  it('unmapping the middle leaves two regions, and frees just those pages', () => {
    const { pmm, as, freeAtStart } = setup();
    const a = as.mmap({ length: 8 * PAGE, prot: 'rw', content: 'heap', huge: false });
    touch(as, a, a + 8 * PAGE);
    const before = used(pmm, freeAtStart);
    expect(as.munmap(a + 2 * PAGE, 3 * PAGE)).toBe(true);
    expect(used(pmm, freeAtStart)).toBe(before - 3);
    expect(as.regions().map((r) => [r.start - a, r.end - a, r.content, r.prot])).toEqual([
      [0, 2 * PAGE, 'heap', 'rw'],
      [5 * PAGE, 8 * PAGE, 'heap', 'rw'],
    ]);
    for (const p of [0, 1, 5, 6, 7]) expect(as.read(a + p * PAGE, 1)[0]).toBe((a / PAGE + p) & 0xff);
    for (const p of [2, 3, 4]) {
      expect(as.translate(a + p * PAGE)).toBeNull();
      expect(() => as.read(a + p * PAGE, 1)).toThrow(/NOT_MAPPED/);
    }
  });

  it('unmaps across several regions and the holes between them', () => {
    const { pmm, as, freeAtStart } = setup();
    const a = as.mmap({ addr: 0x10_0000, length: 4 * PAGE, prot: 'rw' });
    const b = as.mmap({ addr: 0x10_6000, length: 4 * PAGE, prot: 'r' });
    const c = as.mmap({ addr: 0x10_c000, length: 2 * PAGE, prot: 'rw' });
    touch(as, a, a + 4 * PAGE);
    as.read(b, 4 * PAGE);
    touch(as, c, c + 2 * PAGE);
    expect(as.munmap(a + 2 * PAGE, c + PAGE - (a + 2 * PAGE))).toBe(true);
    expect(as.regions().map((r) => [r.start, r.end])).toEqual([
      [a, a + 2 * PAGE],
      [c + PAGE, c + 2 * PAGE],
    ]);
    as.munmap(0, 2 ** 47);
    expect(as.regions()).toEqual([]);
    // Only the root table and the zero page remain.
    expect(as.stats()).toMatchObject({ tableFrames: 1, pages4K: 0, zeroPage: true });
    expect(used(pmm, freeAtStart)).toBe(2);
  });

  it('splits a 2 MiB page that the range cuts, without allocating', () => {
    const { pmm, as, freeAtStart } = setup();
    const a = as.mmap({ length: 2 * MiB2, prot: 'rw' });
    as.write(a, Uint8Array.of(1));
    as.write(a + MiB2 - 1, Uint8Array.of(2));
    expect(as.stats()).toMatchObject({ pages2M: 1, depositFrames: 1 });
    const before = used(pmm, freeAtStart);
    as.munmap(a + 16 * PAGE, 8 * PAGE);
    // The deposit became the level-1 table; 8 frames went back.
    expect(as.stats()).toMatchObject({ pages2M: 0, pages4K: 504, depositFrames: 0 });
    expect(used(pmm, freeAtStart)).toBe(before - 8);
    expect(as.read(a, 1)[0]).toBe(1);
    expect(as.read(a + MiB2 - 1, 1)[0]).toBe(2);
    expect(as.regions()).toHaveLength(2);
  });
});

describe('mprotect', () => {
  it('splits for the range and rewrites the entries (MOS split-for-range)', () => {
    const { as } = setup();
    const a = as.mmap({ length: 6 * PAGE, prot: 'rw', huge: false });
    touch(as, a, a + 6 * PAGE);
    as.mprotect(a + 2 * PAGE, 2 * PAGE, 'r');
    expect(as.regions().map((r) => [r.start - a, r.end - a, r.prot])).toEqual([
      [0, 2 * PAGE, 'rw'],
      [2 * PAGE, 4 * PAGE, 'r'],
      [4 * PAGE, 6 * PAGE, 'rw'],
    ]);
    expect(as.translate(a + 2 * PAGE)!.flags & Pte.RW).toBe(0);
    expect(as.translate(a + PAGE)!.flags & Pte.RW).toBe(Pte.RW);
    expect(() => as.write(a + 3 * PAGE, Uint8Array.of(1))).toThrow(/PROTECTION/);
    as.write(a + 4 * PAGE, Uint8Array.of(1));
    // Back to rw: write access returns through a fault (sole owner: no copy).
    as.mprotect(a + 2 * PAGE, 2 * PAGE, 'rw');
    const pa = as.translate(a + 3 * PAGE)!.pa;
    as.write(a + 3 * PAGE, Uint8Array.of(9));
    expect(as.translate(a + 3 * PAGE)!.pa).toBe(pa);
    // Regions are split, never merged (MOS).
    expect(as.regions()).toHaveLength(3);
  });

  it("'' keeps the pages but makes them absent; giving access back restores them", () => {
    const { as } = setup();
    const a = as.mmap({ length: 2 * PAGE, prot: 'rwx', huge: false });
    as.write(a, Uint8Array.of(42));
    expect(as.translate(a)!.flags & Pte.NX).toBe(0);
    as.mprotect(a, 2 * PAGE, '');
    expect(as.translate(a)).toBeNull();
    expect(() => as.read(a, 1)).toThrow(/PROTECTION/);
    expect(as.stats().pages4K).toBe(1);
    as.mprotect(a, PAGE, 'r');
    expect(as.read(a, 1)[0]).toBe(42);
    expect(as.translate(a)!.flags >>> 0).toBe((Pte.P | Pte.US | Pte.REF | Pte.NX | Pte.A | Pte.D) >>> 0);
  });

  it('refuses a range with holes, and changes nothing', () => {
    const { as } = setup();
    const a = as.mmap({ addr: 0x10_0000, length: 2 * PAGE, prot: 'rw' });
    as.mmap({ addr: 0x10_3000, length: 2 * PAGE, prot: 'rw' });
    expect(frameErrorCode(() => as.mprotect(a, 5 * PAGE, 'r'))).toBe('INVALID_REQUEST');
    expect(frameErrorCode(() => as.mprotect(a, PAGE, 'wx'))).toBe('INVALID_REQUEST');
    expect(as.regions().map((r) => r.prot)).toEqual(['rw', 'rw']);
    // Same protection: nothing to split.
    as.mprotect(a, PAGE, 'rw');
    expect(as.regions()).toHaveLength(2);
  });

  it('returns when the range ends inside a region that already has the protection (issue 21, bug 4)', () => {
    const { as } = setup();
    const a = as.mmap({ length: 8192, prot: 'rw' });
    const b = as.mmap({ length: 8192, prot: 'r' });
    expect(b).toBe(a + 8192);
    as.mprotect(a, 12288, 'r');
    expect(as.regions().map((r) => [r.start - a, r.end - a, r.prot])).toEqual([
      [0, 8192, 'r'],
      [8192, 16384, 'r'],
    ]);
    // And the other way round: the first region keeps its protection, the range ends inside the next.
    as.mprotect(a + 4096, 8192, 'r');
    as.mprotect(a + 4096, 8192, 'rw');
    expect(as.regions().map((r) => [r.start - a, r.end - a, r.prot])).toEqual([
      [0, 4096, 'r'],
      [4096, 8192, 'rw'],
      [8192, 12288, 'rw'],
      [12288, 16384, 'r'],
    ]);
  });

  it('splits a 2 MiB page it cuts, and protects each part', () => {
    const { as } = setup();
    const a = as.mmap({ length: MiB2, prot: 'rw' });
    as.write(a, Uint8Array.of(5));
    expect(as.stats().pages2M).toBe(1);
    as.mprotect(a + PAGE, PAGE, 'r');
    expect(as.stats()).toMatchObject({ pages2M: 0, pages4K: 512, depositFrames: 0 });
    expect(as.translate(a)!.flags & Pte.RW).toBe(Pte.RW);
    expect(as.translate(a + PAGE)!.flags & Pte.RW).toBe(0);
    expect(as.translate(a + PAGE)!.flags & Pte.PS).toBe(0);
  });
});
