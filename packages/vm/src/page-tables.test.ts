import { createFrameSpace, isFrameError, withRefCounts } from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import { decode, rawEntry, setup, used, walkByHand } from './__fixtures__/setup';
import { AddressSpace, formatVa, Pte, vaFromBigInt, vaToBigInt } from './index';

const USER_RW = Pte.P | Pte.RW | Pte.US;

describe('map writes real x86-64 entries', () => {
  it('lays out a 4 KiB mapping across four levels, byte by byte', () => {
    const { space, pmm, as } = setup();
    const frame = pmm.alloc();
    // 0x0000_1234_5678_9000: indices 0x24 / 0x0d1 / 0x0b3 / 0x189
    const va = 0x1234_5678_9000;
    expect(as.map(va, frame, USER_RW | Pte.NX | Pte.G | Pte.PCD)).toBe(true);

    const l4 = decode(rawEntry(space, as.rootPfn, 0x24));
    expect(l4).toMatchObject({ p: true, rw: true, us: true, ps: false, nx: false, high: 0 });
    const l3 = decode(rawEntry(space, l4.pfn, 0x0d1));
    expect(l3).toMatchObject({ p: true, rw: true, us: true, ps: false });
    const l2 = decode(rawEntry(space, l3.pfn, 0x0b3));
    expect(l2).toMatchObject({ p: true, rw: true, us: true, ps: false });
    const leafEntry = rawEntry(space, l2.pfn, 0x189);
    const leaf = decode(leafEntry);
    expect(leaf).toEqual({
      p: true,
      rw: true,
      us: true,
      pwt: false,
      pcd: true,
      a: false,
      d: false,
      ps: false,
      g: true,
      ref: true,
      nx: true,
      pfn: frame,
      high: 0,
    });
    // The raw 64 bits: NX | frame address | G PCD US RW P | software bit 9.
    expect(leafEntry).toBe((1n << 63n) | (BigInt(frame) << 12n) | 0x317n);
    // Every other entry of those four tables is zero.
    for (const [table, index] of [
      [as.rootPfn, 0x24],
      [l4.pfn, 0x0d1],
      [l3.pfn, 0x0b3],
      [l2.pfn, 0x189],
    ]) {
      for (let i = 0; i < 512; i++) if (i !== index) expect(rawEntry(space, table, i)).toBe(0n);
    }
  });

  it('translate walks the same bytes and reports the leaf flags', () => {
    const { pmm, as } = setup();
    const frame = pmm.alloc();
    as.map(0x40_0000, frame, USER_RW | Pte.NX);
    expect(as.translate(0x40_0abc)).toEqual({
      pa: frame * 4096 + 0xabc,
      flags: (USER_RW | Pte.NX | Pte.REF) >>> 0,
    });
    expect(as.translate(0x40_1000)).toBeNull();
    expect(as.translate(0x7fff_ffff_f000)).toBeNull();
    const out = { pa: 0, flags: 0 };
    expect(as.translate(0x40_0001, out)).toBe(out);
    expect(out.pa).toBe(frame * 4096 + 1);
  });

  it('encodes frame numbers above 2^20 across both words', () => {
    // A sparse 8 GiB space: frames past 2^20 need the high word's address bits.
    const space = createFrameSpace({ frames: 2 ** 21 }, { backing: 'sparse' });
    const pmm = withRefCounts(createBaselineAllocator(space, [{ start: 2 ** 21 - 64, count: 64 }]));
    const as = AddressSpace.create(pmm, space)!;
    const frame = pmm.alloc();
    expect(frame).toBeGreaterThan(2 ** 20);
    as.map(0x1000, frame, USER_RW);
    const path = walkByHand(space, as.rootPfn, 0x1000n);
    expect(path).toHaveLength(4);
    expect(path[3].pfn).toBe(frame);
    expect(as.translate(0x1000)!.pa).toBe(frame * 4096);
  });

  it('maps a 2 MiB page with PS at level 2', () => {
    const { space, pmm, as } = setup();
    const run = pmm.allocRun(512, { align: 512 });
    expect(as.map(0x20_0000, run, USER_RW | Pte.PS)).toBe(true);
    const path = walkByHand(space, as.rootPfn, 0x20_0000n);
    expect(path).toHaveLength(3);
    expect(path[2]).toMatchObject({ p: true, ps: true, rw: true, us: true, ref: true, pfn: run });
    expect(as.translate(0x3f_f123)).toEqual({
      pa: run * 4096 + 0x1f_f123,
      flags: USER_RW | Pte.PS | Pte.REF,
    });
    // All 512 frames gained a reference.
    expect(pmm.refCount(run)).toBe(2);
    expect(pmm.refCount(run + 511)).toBe(2);
    expect(as.stats()).toMatchObject({ pages2M: 1, pages4K: 0, tableFrames: 3 });
    expect(as.unmap(0x20_0000)).toBe(true);
    expect(pmm.refCount(run + 300)).toBe(1);
  });

  it('reaches the higher half through signed addresses', () => {
    const { space, pmm, as } = setup();
    const kernel = vaFromBigInt(0xffff_8000_0010_0000n);
    expect(kernel).toBe(-(2 ** 47) + 0x10_0000);
    expect(formatVa(kernel)).toBe('0xffff800000100000');
    expect(vaToBigInt(kernel)).toBe(0xffff_8000_0010_0000n);
    const frame = pmm.alloc();
    as.map(kernel, frame, Pte.P | Pte.RW | Pte.G);
    // Root index 256: the first higher-half slot.
    expect(decode(rawEntry(space, as.rootPfn, 256)).p).toBe(true);
    const path = walkByHand(space, as.rootPfn, 0xffff_8000_0010_0000n);
    expect(path[3]).toMatchObject({ p: true, us: false, g: true, pfn: frame });
    expect(as.translate(kernel + 5)!.pa).toBe(frame * 4096 + 5);
    const top = vaFromBigInt(0xffff_ffff_ffff_f000n);
    expect(top).toBe(-4096);
    as.map(top, frame, Pte.P);
    expect(decode(rawEntry(space, as.rootPfn, 511)).p).toBe(true);
    expect(as.translate(-1)!.pa).toBe(frame * 4096 + 4095);
  });
});

describe('tables come and go with their entries', () => {
  it('allocates intermediate tables on demand and frees them when empty', () => {
    const { pmm, as, freeAtStart } = setup();
    const frame = pmm.alloc();
    const base = used(pmm, freeAtStart); // root + the data frame
    as.map(0x1000, frame, USER_RW);
    expect(used(pmm, freeAtStart) - base).toBe(3);
    as.map(0x2000, frame, USER_RW); // same tables
    expect(used(pmm, freeAtStart) - base).toBe(3);
    as.map(0x40_0000, frame, USER_RW); // another level-1 table
    expect(used(pmm, freeAtStart) - base).toBe(4);
    as.map(0x80_0000_0000, frame, USER_RW); // another level-3 table and below
    expect(used(pmm, freeAtStart) - base).toBe(7);
    expect(pmm.refCount(frame)).toBe(5);
    expect(as.unmap(0x1000)).toBe(true);
    expect(used(pmm, freeAtStart) - base).toBe(7);
    expect(as.unmap(0x2000)).toBe(true);
    expect(used(pmm, freeAtStart) - base).toBe(6);
    expect(as.unmap(0x80_0000_0000)).toBe(true);
    expect(used(pmm, freeAtStart) - base).toBe(3);
    expect(as.unmap(0x40_0000)).toBe(true);
    expect(used(pmm, freeAtStart) - base).toBe(0);
    expect(as.stats().tableFrames).toBe(1);
    expect(pmm.refCount(frame)).toBe(1);
    expect(as.unmap(0x40_0000)).toBe(false);
  });

  it('returns false and changes nothing when a table cannot be allocated', () => {
    const space = createFrameSpace({ frames: 3 }, { backing: 'dense' });
    const pmm = withRefCounts(createBaselineAllocator(space));
    const as = AddressSpace.create(pmm, space)!;
    const frame = pmm.alloc();
    // One frame left: the level-3 table fits, the level-2 table does not.
    expect(as.map(0x1000, frame, USER_RW)).toBe(false);
    expect(pmm.stats().freeFrames).toBe(1);
    expect(pmm.refCount(frame)).toBe(1);
    expect(as.stats().tableFrames).toBe(1);
    for (let i = 0; i < 512; i++) expect(rawEntry(space, as.rootPfn, i)).toBe(0n);
  });

  it('maps device frames without a reference', () => {
    const space = createFrameSpace({ frames: 64, ranges: [{ start: 0, count: 32 }] }, { backing: 'dense' });
    const pmm = withRefCounts(createBaselineAllocator(space));
    const as = AddressSpace.create(pmm, space)!;
    // Frame 40 is a hole in the map (say, MMIO); 0xfee00 (the local APIC) is past the space.
    expect(as.map(0x1000, 40, USER_RW | Pte.PCD)).toBe(true);
    expect(as.map(0x2000, 0xfee00, Pte.P | Pte.RW | Pte.PCD)).toBe(true);
    expect(decode(rawEntry(space, walkByHand(space, as.rootPfn, 0x1000n)[2].pfn, 1)).ref).toBe(false);
    expect(as.translate(0x2000)!.pa).toBe(0xfee0_0000);
    as[Symbol.dispose]();
    expect(pmm.stats().freeFrames).toBe(32);
  });
});

describe('map refuses misuse and changes nothing', () => {
  const { pmm, as } = setup();
  const frame = pmm.alloc();
  const cases: [string, () => unknown, string][] = [
    ['a non-canonical address', () => as.map(2 ** 47, frame, USER_RW), 'INVALID_REQUEST'],
    [
      'an unsigned higher-half number',
      () => as.map(0xffff_8000_0000_0000, frame, USER_RW),
      'INVALID_REQUEST',
    ],
    ['an unaligned address', () => as.map(0x1001, frame, USER_RW), 'INVALID_REQUEST'],
    ['flags without P', () => as.map(0x1000, frame, Pte.RW), 'INVALID_REQUEST'],
    ['the software REF bit', () => as.map(0x1000, frame, USER_RW | Pte.REF), 'INVALID_REQUEST'],
    ['address bits in flags', () => as.map(0x1000, frame, USER_RW | 0x1000), 'INVALID_REQUEST'],
    ['a fractional frame', () => as.map(0x1000, 1.5, USER_RW), 'INVALID_REQUEST'],
    ['a frame past 2^40', () => as.map(0x1000, 2 ** 40, USER_RW), 'INVALID_REQUEST'],
    ['a free usable frame', () => as.map(0x1000, 4000, USER_RW), 'NOT_ALLOCATED'],
    ['an unaligned 2 MiB frame', () => as.map(0x20_0000, 1, USER_RW | Pte.PS), 'INVALID_REQUEST'],
    ['an unaligned 2 MiB address', () => as.map(0x1000, 0, USER_RW | Pte.PS), 'INVALID_REQUEST'],
  ];
  for (const [what, call, code] of cases) {
    it(`throws ${code} for ${what}`, () => {
      const before = as.stats();
      const free = pmm.stats().freeFrames;
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(isFrameError(error, code as never), String(error)).toBe(true);
      expect(as.stats()).toEqual(before);
      expect(pmm.stats().freeFrames).toBe(free);
      expect(pmm.refCount(frame)).toBe(1);
    });
  }

  it('refuses to overwrite a mapping, or to unmap the middle of a 2 MiB page', () => {
    as.map(0x1000, frame, USER_RW);
    expect(() => as.map(0x1000, frame, USER_RW)).toThrow(/already mapped/);
    expect(() => as.map(0, 0, USER_RW | Pte.PS)).toThrow(/4 KiB pages/);
    const run = pmm.allocRun(512, { align: 512 });
    as.map(0x4000_0000, run, USER_RW | Pte.PS);
    expect(() => as.map(0x4000_1000, frame, USER_RW)).toThrow(/already mapped/);
    expect(() => as.unmap(0x4000_1000)).toThrow(/inside the 2 MiB page/);
    expect(as.unmap(0x4000_0000)).toBe(true);
    expect(as.unmap(0x1000)).toBe(true);
    pmm.freeRun(run, 512);
  });
});
