import {
  createFrameSpace,
  type FrameAllocator,
  FrameError,
  isFrameError,
  withRefCounts,
} from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import { decode, rawEntry, setup, used, walkByHand } from './__fixtures__/setup';
import { AddressSpace, FaultResult, isPageFault, MemoryFile, PageFault, Pte } from './index';

const PAGE = 4096;
const MiB2 = 2 * 1024 * 1024;

/** The leaf for `va`, decoded from the frames' bytes. */
function leafOf(env: ReturnType<typeof setup>, va: number) {
  const path = walkByHand(env.space, env.as.rootPfn, BigInt(va));
  return path[path.length - 1];
}

/** Leaves frames full of 0xee behind, so that a frame that is not zeroed shows. */
function dirtyFreeFrames(env: ReturnType<typeof setup>, count: number) {
  const frames: number[] = [];
  for (let i = 0; i < count; i++) frames.push(env.pmm.alloc());
  for (const f of frames) {
    env.space.bytes(f).fill(0xee);
    env.pmm.free(f);
  }
}

function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

describe('anonymous private memory', () => {
  it('a read fault maps the shared zero page read-only', () => {
    const env = setup();
    const { as, pmm } = env;
    dirtyFreeFrames(env, 8);
    const a = as.mmap({ length: 4 * PAGE, prot: 'rw' });
    expect(as.handleFault(a, 'read')).toBe(FaultResult.MAP_BACKING_PAGE_RO);
    expect(as.handleFault(a + 2 * PAGE + 7, 'read')).toBe(FaultResult.MAP_BACKING_PAGE_RO);
    const first = leafOf(env, a);
    const third = leafOf(env, a + 2 * PAGE);
    expect(first).toMatchObject({ p: true, rw: false, us: true, ref: false, nx: true });
    expect(third.pfn).toBe(first.pfn);
    expect(pmm.refCount(first.pfn)).toBe(1);
    expect(Array.from(as.read(a, 16))).toEqual(new Array(16).fill(0));
    expect(as.stats().zeroPage).toBe(true);
  });

  it('a write fault gives a fresh zeroed frame', () => {
    const env = setup();
    const { as } = env;
    dirtyFreeFrames(env, 8);
    const a = as.mmap({ length: PAGE, prot: 'rw' });
    expect(as.handleFault(a + 5, 'write')).toBe(FaultResult.COPY_BACKING_PAGE);
    const leaf = leafOf(env, a);
    expect(leaf).toMatchObject({ p: true, rw: true, us: true, ref: true, nx: true });
    expect(env.space.bytes(leaf.pfn).every((b) => b === 0)).toBe(true);
    expect(as.handleFault(a, 'write')).toBe(FaultResult.COMPLETE);
    expect(as.handleFault(a, 'read')).toBe(FaultResult.COMPLETE);
  });

  it('writing over the zero page replaces it with a zeroed frame (MOS: resolve the CoW, complete)', () => {
    const env = setup();
    const { as } = env;
    dirtyFreeFrames(env, 8);
    const a = as.mmap({ length: PAGE, prot: 'rw' });
    as.read(a, 1);
    const zero = leafOf(env, a).pfn;
    expect(as.handleFault(a, 'write')).toBe(FaultResult.COMPLETE);
    const leaf = leafOf(env, a);
    expect(leaf.pfn).not.toBe(zero);
    expect(leaf).toMatchObject({ rw: true, ref: true });
    expect(env.space.bytes(leaf.pfn).every((b) => b === 0)).toBe(true);
    expect(env.space.bytes(zero).every((b) => b === 0)).toBe(true);
  });

  it('cannot handle addresses outside regions or accesses the region forbids', () => {
    const { as } = setup();
    const r = as.mmap({ length: PAGE, prot: 'r' });
    const rx = as.mmap({ length: PAGE, prot: 'rx' });
    const none = as.mmap({ length: PAGE, prot: '' });
    expect(as.handleFault(r + PAGE * 100, 'read')).toBe(FaultResult.CANNOT_HANDLE);
    expect(as.handleFault(r, 'write')).toBe(FaultResult.CANNOT_HANDLE);
    expect(as.handleFault(r, 'exec')).toBe(FaultResult.CANNOT_HANDLE);
    expect(as.handleFault(none, 'read')).toBe(FaultResult.CANNOT_HANDLE);
    expect(as.handleFault(rx, 'exec')).toBe(FaultResult.MAP_BACKING_PAGE_RO);
    expect(as.translate(rx)!.flags & Pte.NX).toBe(0);
    expect(as.handleFault(rx, 'exec')).toBe(FaultResult.COMPLETE);
    expect(as.stats().pages4K).toBe(1);
  });

  it('rejects a bad address or access kind', () => {
    const { as } = setup();
    expect(
      isFrameError(
        thrown(() => as.handleFault(2 ** 47, 'read')),
        'INVALID_REQUEST',
      ),
    ).toBe(true);
    expect(
      isFrameError(
        thrown(() => as.handleFault(0, 'fetch' as never)),
        'INVALID_REQUEST',
      ),
    ).toBe(true);
  });
});

describe('2 MiB pages', () => {
  it('a first write to a whole aligned block maps a zeroed 2 MiB page', () => {
    const env = setup();
    const { as, pmm } = env;
    const a = as.mmap({ length: 2 * MiB2, prot: 'rw' });
    expect(as.handleFault(a + MiB2 + 123, 'write')).toBe(FaultResult.COPY_BACKING_PAGE);
    const path = walkByHand(env.space, as.rootPfn, BigInt(a + MiB2));
    expect(path).toHaveLength(3);
    expect(path[2]).toMatchObject({ p: true, ps: true, rw: true, ref: true, nx: true });
    expect(path[2].pfn % 512).toBe(0);
    expect(pmm.refCount(path[2].pfn + 511)).toBe(1);
    expect(as.stats()).toMatchObject({ pages2M: 1, depositFrames: 1 });
    as.write(a + MiB2 + 4096 * 300, Uint8Array.of(1, 2));
    expect(as.translate(a + MiB2 + 4096 * 300)!.pa).toBe(path[2].pfn * 4096 + 4096 * 300);
  });

  it('falls back to 4 KiB pages when the block was read first, is not covered, or the region says no', () => {
    const { as } = setup();
    const a = as.mmap({ length: MiB2, prot: 'rw' });
    as.read(a + PAGE, 1);
    as.write(a, Uint8Array.of(1));
    const b = as.mmap({ addr: 0x10_1000, length: MiB2, prot: 'rw' });
    as.write(b + PAGE, Uint8Array.of(1));
    const c = as.mmap({ length: MiB2, prot: 'rw', huge: false });
    as.write(c, Uint8Array.of(1));
    expect(as.stats()).toMatchObject({ pages2M: 0, pages4K: 4, depositFrames: 0 });
  });

  it('falls back to 4 KiB pages when no aligned run is free', () => {
    const env = setup(1024);
    const { as, pmm } = env;
    // Keep one frame of each 2 MiB block allocated: no aligned 512-frame run is free.
    const all: number[] = [];
    for (let f = pmm.alloc(); f !== -1; f = pmm.alloc()) all.push(f);
    for (const f of all) if (f % 512 !== 300) pmm.free(f);
    const a = as.mmap({ length: MiB2, prot: 'rw' });
    expect(as.handleFault(a, 'write')).toBe(FaultResult.COPY_BACKING_PAGE);
    expect(as.stats()).toMatchObject({ pages2M: 0, pages4K: 1 });
  });
});

describe('file-backed regions', () => {
  it('private: reads map the file page read-only, writes copy it', () => {
    const env = setup();
    const { as, pmm } = env;
    const data = new Uint8Array(2 * PAGE).map((_, i) => i & 0xff);
    const file = MemoryFile.create(pmm, data)!;
    const a = as.mmap({ length: 2 * PAGE, prot: 'rw', content: 'file', file });
    expect(as.handleFault(a, 'read')).toBe(FaultResult.MAP_BACKING_PAGE_RO);
    const filePage = leafOf(env, a).pfn;
    expect(leafOf(env, a)).toMatchObject({ rw: false, ref: true });
    expect(pmm.refCount(filePage)).toBe(2);
    expect(as.handleFault(a + PAGE, 'write')).toBe(FaultResult.COPY_BACKING_PAGE);
    expect(as.read(a + PAGE, 4)).toEqual(data.subarray(PAGE, PAGE + 4));
    as.write(a + PAGE, Uint8Array.of(0xaa));
    // The write to the read-only file page copies it; the file never changes.
    as.write(a + 1, Uint8Array.of(0xbb));
    expect(leafOf(env, a).pfn).not.toBe(filePage);
    expect(pmm.refCount(filePage)).toBe(1);
    expect(file.read(0, 2)).toEqual(Uint8Array.of(0, 1));
    expect(file.read(PAGE, 1)).toEqual(Uint8Array.of(0));
    expect(as.read(a, 2)).toEqual(Uint8Array.of(0, 0xbb));
  });

  it('shared: faults map the file page itself, writes reach the file both ways', () => {
    const env = setup();
    const { as, pmm } = env;
    const file = MemoryFile.create(pmm, 3 * PAGE)!;
    const a = as.mmap({ length: 2 * PAGE, prot: 'rw', content: 'file', file, offset: PAGE, shared: true });
    expect(as.handleFault(a, 'read')).toBe(FaultResult.MAP_BACKING_PAGE);
    expect(leafOf(env, a)).toMatchObject({ rw: true, ref: true });
    as.write(a + 10, Uint8Array.of(7));
    expect(file.read(PAGE + 10, 1)[0]).toBe(7);
    file.write(2 * PAGE, Uint8Array.of(9));
    expect(as.read(a + PAGE, 1)[0]).toBe(9);
  });

  it('the file outlives its creator while mapped, then returns its frames', () => {
    const env = setup();
    const { as, pmm, freeAtStart } = env;
    const file = MemoryFile.create(pmm, Uint8Array.of(1, 2, 3))!;
    const a = as.mmap({ length: PAGE, prot: 'r', content: 'file', file });
    file[Symbol.dispose]();
    expect(() => file.read(0, 1)).toThrow(/disposed/);
    expect(as.read(a, 3)).toEqual(Uint8Array.of(1, 2, 3));
    as.munmap(a, PAGE);
    expect(used(pmm, freeAtStart)).toBe(1); // the root table
  });
});

describe('DMA regions', () => {
  it('are one zeroed contiguous run, mapped at once, 2 MiB pages where aligned', () => {
    const env = setup();
    const { as } = env;
    const a = as.mmap({ length: MiB2 + 3 * PAGE, prot: 'rw', content: 'dma' });
    const region = as.regions()[0];
    expect(region).toMatchObject({ content: 'dma', fork: 'shared' });
    expect(region.physical! % MiB2).toBe(0);
    expect(as.stats()).toMatchObject({ pages2M: 1, pages4K: 3 });
    for (const offset of [0, PAGE, MiB2 - 1, MiB2, MiB2 + 2 * PAGE + 5]) {
      expect(as.translate(a + offset)!.pa).toBe(region.physical! + offset);
    }
    expect(as.handleFault(a + MiB2, 'write')).toBe(FaultResult.COMPLETE);
    expect(as.read(a + MiB2, 4)).toEqual(new Uint8Array(4));
  });

  it('return MAP_FAILED and change nothing when no run is free', () => {
    const env = setup(64);
    const before = env.pmm.stats().freeFrames;
    expect(env.as.mmap({ length: 64 * PAGE, prot: 'rw', content: 'dma' })).toBe(-1);
    expect(env.pmm.stats().freeFrames).toBe(before);
    expect(env.as.regions()).toEqual([]);
  });
});

describe('shared anonymous memory', () => {
  it('faults map a page of its own anonymous backing', () => {
    const env = setup();
    const a = env.as.mmap({ length: PAGE, prot: 'rw', shared: true });
    expect(env.as.handleFault(a, 'read')).toBe(FaultResult.MAP_BACKING_PAGE);
    expect(env.as.regions()[0].file).toBeUndefined();
  });
});

describe('running out of frames', () => {
  it('NO_MEMORY changes nothing, and read/write report it as a PageFault', () => {
    const env = setup(6);
    const { as, pmm } = env;
    const a = as.mmap({ length: 4 * PAGE, prot: 'rw' });
    // root + 3 tables + first page = 5 frames; one left.
    as.write(a, Uint8Array.of(1));
    as.write(a + PAGE, Uint8Array.of(1));
    expect(pmm.stats().freeFrames).toBe(0);
    const before = as.stats();
    expect(as.handleFault(a + 2 * PAGE, 'write')).toBe(FaultResult.NO_MEMORY);
    expect(as.handleFault(a + 2 * PAGE, 'read')).toBe(FaultResult.NO_MEMORY);
    expect(as.stats()).toEqual(before);
    const error = thrown(() => as.write(a + 3 * PAGE, Uint8Array.of(1)));
    expect(isPageFault(error, 'NO_MEMORY')).toBe(true);
    expect((error as PageFault).address).toBe(a + 3 * PAGE);
    // A table that must be made first is given back when the page cannot be had.
    const far = as.mmap({ addr: 0x40_0000_0000, length: PAGE, prot: 'rw' });
    as.munmap(a + PAGE, PAGE);
    expect(pmm.stats().freeFrames).toBe(1);
    expect(as.handleFault(far, 'write')).toBe(FaultResult.NO_MEMORY);
    expect(pmm.stats().freeFrames).toBe(1);
    expect(as.stats()).toEqual({ ...before, pages4K: 1, regions: 3 });
  });
});

describe('read and write behave like a user-mode CPU', () => {
  it('name the faulting address; pages before it are done', () => {
    const { as } = setup();
    const a = as.mmap({ addr: 0x10_0000, length: PAGE, prot: 'rw' });
    as.mmap({ addr: 0x10_1000, length: PAGE, prot: 'r' });
    const error = thrown(() => as.write(a + PAGE - 2, Uint8Array.of(1, 2, 3, 4)));
    expect(error).toBeInstanceOf(PageFault);
    expect(error).toMatchObject({ code: 'PROTECTION', address: a + PAGE, access: 'write' });
    expect((error as Error).message).toMatch(/write at 0x0000000000101000/);
    expect(as.read(a + PAGE - 2, 4)).toEqual(Uint8Array.of(1, 2, 0, 0));
    expect(
      isPageFault(
        thrown(() => as.read(0x20_0000, 1)),
        'NOT_MAPPED',
      ),
    ).toBe(true);
  });

  it('honour the bits of raw mappings: US, RW, and frames without contents', () => {
    const { as, pmm } = setup();
    as.map(0x1000, pmm.alloc(), Pte.P | Pte.RW);
    as.map(0x2000, pmm.alloc(), Pte.P | Pte.US);
    as.map(0x3000, 0xfee00, Pte.P | Pte.US | Pte.RW);
    expect(
      isPageFault(
        thrown(() => as.read(0x1000, 1)),
        'PROTECTION',
      ),
    ).toBe(true);
    expect(as.read(0x2000, 1)).toEqual(new Uint8Array(1));
    expect(
      isPageFault(
        thrown(() => as.write(0x2000, new Uint8Array(1))),
        'PROTECTION',
      ),
    ).toBe(true);
    expect(
      isPageFault(
        thrown(() => as.read(0x3000, 1)),
        'BUS_ERROR',
      ),
    ).toBe(true);
  });

  it('set the accessed bit on every level and the dirty bit on a written leaf', () => {
    const env = setup();
    const { as } = env;
    const a = as.mmap({ length: 2 * PAGE, prot: 'rw' });
    as.write(a, Uint8Array.of(1));
    as.mprotect(a, PAGE, 'r');
    let path = walkByHand(env.space, as.rootPfn, BigInt(a));
    expect(path.map((e) => e.a)).toEqual([true, true, true, true]);
    expect(path[3].d).toBe(true);
    as.read(a + PAGE, 1);
    path = walkByHand(env.space, as.rootPfn, BigInt(a + PAGE));
    expect(path[3]).toMatchObject({ a: true, d: false });
    // translate does not touch the bits.
    const table = walkByHand(env.space, as.rootPfn, BigInt(a))[2].pfn;
    const index = (a / PAGE) % 512;
    const before = rawEntry(env.space, table, index);
    as.translate(a);
    expect(rawEntry(env.space, table, index)).toBe(before);
    expect(decode(before).a).toBe(true);
  });

  it('refuse ranges that leave their half of the address space', () => {
    const { as } = setup();
    expect(
      isFrameError(
        thrown(() => as.read(2 ** 47 - 1, 2)),
        'INVALID_REQUEST',
      ),
    ).toBe(true);
    expect(
      isFrameError(
        thrown(() => as.read(-1, 2)),
        'INVALID_REQUEST',
      ),
    ).toBe(true);
    expect(
      isFrameError(
        thrown(() => as.read(0, -1)),
        'INVALID_REQUEST',
      ),
    ).toBe(true);
    expect(as.read(0, 0)).toEqual(new Uint8Array(0));
  });
});

describe('AddressSpace.create and dispose', () => {
  it('needs a frame space with contents and a refcounted allocator over it', () => {
    const none = createFrameSpace({ frames: 16 });
    expect(
      isFrameError(
        thrown(() => AddressSpace.create(withRefCounts(createBaselineAllocator(none)), none)),
        'UNSUPPORTED',
      ),
    ).toBe(true);
    const space = createFrameSpace({ frames: 16 }, { backing: 'dense' });
    const plain = createBaselineAllocator(space);
    expect(
      isFrameError(
        thrown(() => AddressSpace.create(plain as never, space)),
        'INVALID_REQUEST',
      ),
    ).toBe(true);
    const other = createFrameSpace({ frames: 16 }, { backing: 'dense' });
    expect(
      isFrameError(
        thrown(() => AddressSpace.create(withRefCounts(plain), other)),
        'INVALID_REQUEST',
      ),
    ).toBe(true);
  });

  it('returns null when there is no frame for the root table', () => {
    const space = createFrameSpace({ frames: 1 }, { backing: 'shared' });
    const pmm = withRefCounts(createBaselineAllocator(space));
    pmm.alloc();
    expect(AddressSpace.create(pmm, space)).toBeNull();
  });

  it('returns every frame and refuses use afterwards', () => {
    const { as, pmm, freeAtStart } = setup();
    const a = as.mmap({ length: 3 * MiB2, prot: 'rw' });
    as.write(a, new Uint8Array(3 * MiB2).fill(1));
    as.read(as.mmap({ length: PAGE, prot: 'r' }), 1);
    as.mmap({ length: PAGE, prot: 'rw', content: 'dma' });
    const raw = pmm.alloc();
    as.map(-PAGE, raw, Pte.P);
    as[Symbol.dispose]();
    as[Symbol.dispose]();
    expect(used(pmm, freeAtStart)).toBe(1); // the raw frame, still ours
    expect(pmm.refCount(raw)).toBe(1);
    expect(as.disposed).toBe(true);
    const error = thrown(() => as.read(a, 1));
    expect(error).toBeInstanceOf(FrameError);
    expect((error as FrameError).message).toMatch(/disposed/);
  });
});

describe('DMA regions without 2 MiB pages', () => {
  it('map 4 KiB pages when the region says so', () => {
    const { as } = setup();
    as.mmap({ length: 2 * MiB2, prot: 'rw', content: 'dma', huge: false });
    expect(as.stats()).toMatchObject({ pages2M: 0, pages4K: 1024, depositFrames: 0 });
  });
});

describe('allocators without piecewise runs', () => {
  it('get 4 KiB pages only, and no DMA regions', () => {
    const space = createFrameSpace({ frames: 2048 }, { backing: 'sparse' });
    const baseline = createBaselineAllocator(space);
    // The same frames, offered as a stack-like allocator: no runs at all.
    const stackLike: FrameAllocator = {
      name: 'stack-like',
      capabilities: { runs: 'none', below: false, freeRunPiecewise: false },
      space,
      ranges: baseline.ranges,
      alloc: () => baseline.alloc(),
      allocMany: (out, count) => baseline.allocMany(out, count),
      allocRun: () => {
        throw new FrameError('UNSUPPORTED', 'no runs');
      },
      free: (pfn) => baseline.free(pfn),
      freeMany: (pfns, count) => baseline.freeMany(pfns, count),
      freeRun: (pfn, count) => baseline.freeRun(pfn, count),
      isFree: (pfn) => baseline.isFree(pfn),
      stats: () => baseline.stats(),
    };
    const pmm = withRefCounts(stackLike);
    const free = pmm.stats().freeFrames;
    const as = AddressSpace.create(pmm, space)!;
    const a = as.mmap({ length: MiB2, prot: 'rw' });
    as.write(a, Uint8Array.of(1));
    expect(as.stats()).toMatchObject({ pages2M: 0, pages4K: 1 });
    expect(
      isFrameError(
        thrown(() => as.mmap({ length: PAGE, prot: 'rw', content: 'dma' })),
        'UNSUPPORTED',
      ),
    ).toBe(true);
    const child = as.fork()!;
    child.write(a, Uint8Array.of(2));
    expect(as.read(a, 1)[0]).toBe(1);
    child[Symbol.dispose]();
    as[Symbol.dispose]();
    expect(pmm.stats().freeFrames).toBe(free);
  });
});

describe('the null page and the address-space edges', () => {
  it('fault as NOT_MAPPED without changing anything', () => {
    const { as } = setup();
    const before = as.stats();
    for (const va of [0, 8, 2 ** 47 - 1, -(2 ** 47)]) {
      expect(
        isPageFault(
          thrown(() => as.read(va, 1)),
          'NOT_MAPPED',
        ),
      ).toBe(true);
      expect(
        isPageFault(
          thrown(() => as.write(va, Uint8Array.of(1))),
          'NOT_MAPPED',
        ),
      ).toBe(true);
      expect(as.handleFault(va, 'read')).toBe(FaultResult.CANNOT_HANDLE);
    }
    expect(as.stats()).toEqual(before);
  });
});
