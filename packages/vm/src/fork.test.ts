import { isFrameError, MAX_REFCOUNT } from '@framekit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rawEntry, setup, used, walkByHand } from './__fixtures__/setup';
import { type AddressSpace, FaultResult, isPageFault, MemoryFile, Pte } from './index';

const PAGE = 4096;
const MiB2 = 2 * 1024 * 1024;

function leafOf(env: ReturnType<typeof setup>, as: AddressSpace, va: number) {
  const path = walkByHand(env.space, as.rootPfn, BigInt(va));
  return path[path.length - 1];
}

describe('fork: copy-on-write', () => {
  it('private writable pages become read-only in both, with their count raised', () => {
    const env = setup();
    const { as: parent, pmm } = env;
    const a = parent.mmap({ length: 2 * PAGE, prot: 'rw' });
    parent.write(a, Uint8Array.of(1));
    parent.write(a + PAGE, Uint8Array.of(2));
    const frame = leafOf(env, parent, a).pfn;
    expect(leafOf(env, parent, a).rw).toBe(true);
    const child = parent.fork()!;
    for (const as of [parent, child]) {
      expect(leafOf(env, as, a)).toMatchObject({ p: true, rw: false, ref: true, pfn: frame });
    }
    expect(pmm.refCount(frame)).toBe(2);
    expect(child.regions()).toEqual(parent.regions());
    expect(child.read(a, 1)[0]).toBe(1);
  });

  it('the first write copies; the last owner then regains write access without a copy', () => {
    const env = setup();
    const { as: parent, pmm, freeAtStart } = env;
    const a = parent.mmap({ length: PAGE, prot: 'rw' });
    parent.write(a, Uint8Array.of(1, 2, 3));
    const original = leafOf(env, parent, a).pfn;
    const child = parent.fork()!;
    child.write(a + 1, Uint8Array.of(9));
    const copy = leafOf(env, child, a).pfn;
    expect(copy).not.toBe(original);
    expect(leafOf(env, child, a)).toMatchObject({ rw: true, ref: true });
    expect(child.read(a, 3)).toEqual(Uint8Array.of(1, 9, 3));
    expect(parent.read(a, 3)).toEqual(Uint8Array.of(1, 2, 3));
    expect(pmm.refCount(original)).toBe(1);
    expect(pmm.refCount(copy)).toBe(1);
    // The parent is now the only owner: write access comes back, no frame is used.
    const before = used(pmm, freeAtStart);
    parent.write(a, Uint8Array.of(7));
    expect(used(pmm, freeAtStart)).toBe(before);
    expect(leafOf(env, parent, a)).toMatchObject({ rw: true, pfn: original });
    expect(child.read(a, 1)[0]).toBe(1);
  });

  it('read-only regions and zero-page mappings are shared without copies', () => {
    const env = setup();
    const { as: parent, pmm } = env;
    const r = parent.mmap({ length: PAGE, prot: 'r' });
    const rw = parent.mmap({ length: PAGE, prot: 'rw' });
    parent.read(r, 1);
    parent.read(rw, 1);
    const zero = leafOf(env, parent, r).pfn;
    const child = parent.fork()!;
    const grandchild = child.fork()!;
    expect(pmm.refCount(zero)).toBe(3);
    expect(leafOf(env, grandchild, rw)).toMatchObject({ pfn: zero, rw: false, ref: false });
    grandchild.write(rw, Uint8Array.of(5));
    expect(leafOf(env, grandchild, rw).pfn).not.toBe(zero);
    expect(parent.read(rw, 1)[0]).toBe(0);
    child[Symbol.dispose]();
    grandchild[Symbol.dispose]();
    expect(pmm.refCount(zero)).toBe(1);
    parent[Symbol.dispose]();
    expect(pmm.refCount(zero)).toBe(0);
    expect(pmm.isFree(zero)).toBe(true);
  });

  it('shared regions stay shared, even pages first touched after the fork', () => {
    const env = setup();
    const { as: parent, pmm } = env;
    const s = parent.mmap({ length: 3 * PAGE, prot: 'rw', shared: true });
    parent.write(s, Uint8Array.of(1));
    const child = parent.fork()!;
    expect(leafOf(env, child, s)).toMatchObject({ rw: true, pfn: leafOf(env, parent, s).pfn });
    child.write(s, Uint8Array.of(2));
    expect(parent.read(s, 1)[0]).toBe(2);
    child.write(s + 2 * PAGE, Uint8Array.of(3));
    expect(parent.read(s + 2 * PAGE, 1)[0]).toBe(3);
    parent.write(s + PAGE, Uint8Array.of(4));
    expect(child.read(s + PAGE, 1)[0]).toBe(4);
    expect(pmm.refCount(leafOf(env, parent, s + PAGE).pfn)).toBe(3); // backing + two mappings
  });

  it('shared file mappings stay shared; private ones are copied on write', () => {
    const env = setup();
    const { as: parent, pmm } = env;
    const file = MemoryFile.create(pmm, Uint8Array.of(10, 20))!;
    const shared = parent.mmap({ length: PAGE, prot: 'rw', content: 'file', file, shared: true });
    const priv = parent.mmap({ length: PAGE, prot: 'rw', content: 'file', file });
    parent.read(priv, 1);
    const child = parent.fork()!;
    child.write(shared, Uint8Array.of(11));
    child.write(priv + 1, Uint8Array.of(21));
    expect(file.read(0, 2)).toEqual(Uint8Array.of(11, 20));
    expect(parent.read(priv, 2)).toEqual(Uint8Array.of(11, 20));
    expect(child.read(priv, 2)).toEqual(Uint8Array.of(11, 21));
  });

  it('a 2 MiB page is split by the first copying write; a sole owner keeps it whole', () => {
    const env = setup();
    const { as: parent, pmm } = env;
    const a = parent.mmap({ length: MiB2, prot: 'rw' });
    parent.write(a + 5, Uint8Array.of(1));
    const run = leafOf(env, parent, a).pfn;
    const child = parent.fork()!;
    expect(pmm.refCount(run + 100)).toBe(2);
    expect(child.stats()).toMatchObject({ pages2M: 1, depositFrames: 1 });
    child.write(a + 5 + 100 * PAGE, Uint8Array.of(2));
    expect(child.stats()).toMatchObject({ pages2M: 0, pages4K: 512, depositFrames: 0 });
    expect(pmm.refCount(run + 100)).toBe(1);
    expect(pmm.refCount(run + 99)).toBe(2);
    expect(parent.read(a + 5 + 100 * PAGE, 1)[0]).toBe(0);
    expect(child.read(a + 5, 1)[0]).toBe(1);
    child[Symbol.dispose]();
    parent.write(a, Uint8Array.of(3));
    expect(parent.stats()).toMatchObject({ pages2M: 1 });
    expect(leafOf(env, parent, a)).toMatchObject({ ps: true, rw: true, pfn: run });
  });

  it('a copying write to a shared 2 MiB page that gets NO_MEMORY changes nothing (issue 21, bug 5)', () => {
    const env = setup();
    const { as: parent, pmm } = env;
    const a = parent.mmap({ length: MiB2, prot: 'rw' });
    parent.write(a, Uint8Array.of(1));
    const child = parent.fork()!;
    const hog: number[] = [];
    for (let f = pmm.alloc(); f !== -1; f = pmm.alloc()) hog.push(f);
    const before = { stats: child.stats(), leaf: leafOf(env, child, a + PAGE), free: pmm.stats() };
    expect(before.stats).toMatchObject({ pages2M: 1, pages4K: 0, depositFrames: 1 });
    expect(child.handleFault(a + PAGE, 'write')).toBe(FaultResult.NO_MEMORY);
    expect(child.stats()).toEqual(before.stats);
    expect(leafOf(env, child, a + PAGE)).toEqual(before.leaf);
    expect(pmm.stats()).toEqual(before.free);
    expect(child.translate(a + PAGE)).toMatchObject({ flags: expect.any(Number) });
    expect(child.translate(a + PAGE)!.flags & Pte.PS).toBe(Pte.PS);
    // With one frame back the same fault splits and copies.
    pmm.free(hog.pop()!);
    expect(child.handleFault(a + PAGE, 'write')).toBe(FaultResult.COMPLETE);
    expect(child.stats()).toMatchObject({ pages2M: 0, pages4K: 512, depositFrames: 0 });
    expect(parent.read(a, 1)[0]).toBe(1);
    for (const f of hog) pmm.free(f);
  });

  it('a split 2 MiB page whose piece lost its other owner takes no copy (the frame taken first goes back)', () => {
    const env = setup();
    const { as: parent, pmm } = env;
    const a = parent.mmap({ length: MiB2, prot: 'rw' });
    parent.write(a, Uint8Array.of(1));
    const run = leafOf(env, parent, a).pfn;
    const child = parent.fork()!;
    // The parent copies page 7; the child's huge page still has other owners for the rest.
    parent.write(a + 7 * PAGE, Uint8Array.of(2));
    expect(pmm.refCount(run + 7)).toBe(1);
    const free = pmm.stats().freeFrames;
    expect(child.handleFault(a + 7 * PAGE, 'write')).toBe(FaultResult.COMPLETE);
    // Split: the deposit became the child's new table; no copy of page 7 was kept.
    expect(pmm.stats().freeFrames).toBe(free);
    expect(leafOf(env, child, a + 7 * PAGE)).toMatchObject({ pfn: run + 7, rw: true });
  });

  it('returns null and changes nothing when the child tables cannot be had', () => {
    const env = setup(16);
    const { as: parent, pmm } = env;
    const a = parent.mmap({ length: 4 * PAGE, prot: 'rw' });
    parent.write(a, new Uint8Array(4 * PAGE).fill(1));
    const table = walkByHand(env.space, parent.rootPfn, BigInt(a))[2].pfn;
    const bytes = Array.from({ length: 4 }, (_, i) => rawEntry(env.space, table, ((a / PAGE) % 512) + i));
    const hog: number[] = [];
    while (pmm.stats().freeFrames > 3) hog.push(pmm.alloc());
    const free = pmm.stats().freeFrames;
    expect(parent.fork()).toBeNull();
    expect(pmm.stats().freeFrames).toBe(free);
    expect(Array.from({ length: 4 }, (_, i) => rawEntry(env.space, table, ((a / PAGE) % 512) + i))).toEqual(
      bytes,
    );
    pmm.free(hog.pop()!);
    const child = parent.fork()!;
    expect(child.read(a, 1)[0]).toBe(1);
  });

  it('throws REFCOUNT_OVERFLOW and leaves the parent as it was', () => {
    const env = setup();
    const { as: parent, pmm, freeAtStart } = env;
    const a = parent.mmap({ length: 2 * PAGE, prot: 'rw' });
    parent.write(a, Uint8Array.of(1));
    parent.write(a + PAGE, Uint8Array.of(1));
    const second = leafOf(env, parent, a + PAGE).pfn;
    for (let i = 1; i < MAX_REFCOUNT; i++) pmm.ref(second);
    const before = used(pmm, freeAtStart);
    let error: unknown;
    try {
      parent.fork();
    } catch (e) {
      error = e;
    }
    expect(isFrameError(error, 'REFCOUNT_OVERFLOW')).toBe(true);
    expect(used(pmm, freeAtStart)).toBe(before);
    expect(pmm.refCount(leafOf(env, parent, a).pfn)).toBe(1);
    expect(leafOf(env, parent, a).rw).toBe(true);
  });

  it('keeps raw map() pages mapped in the child, with a reference', () => {
    const env = setup();
    const { as: parent, pmm } = env;
    const frame = pmm.alloc();
    parent.map(0x1000, frame, Pte.P | Pte.RW | Pte.US);
    const child = parent.fork()!;
    expect(pmm.refCount(frame)).toBe(3);
    child.write(0x1000, Uint8Array.of(8));
    expect(parent.read(0x1000, 1)[0]).toBe(8);
  });
});

/*
 * A fork tree against a reference model of memory contents: each space sees its own private
 * bytes (inherited at fork, then independent) and the one shared region everyone shares.
 */
describe('fork trees against a reference model', () => {
  const PRIVATE = 0x4000_0000;
  const PRIVATE_PAGES = 512 + 16; // one 2 MiB block (a 2 MiB page when written first) and 4 KiB pages
  const SHARED = 0x8000_0000;
  const SHARED_PAGES = 2;

  type Op =
    | { kind: 'fork' | 'exit'; who: number }
    | { kind: 'write'; who: number; page: number; offset: number; value: number }
    | { kind: 'share'; who: number; page: number; offset: number; value: number }
    | { kind: 'unmap'; who: number; page: number }
    | { kind: 'protect'; who: number; page: number; writable: boolean };

  const who = fc.nat(7);
  const page = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: PRIVATE_PAGES - 1 }));
  const offset = fc.oneof(fc.constantFrom(0, 1, PAGE - 1), fc.integer({ min: 0, max: PAGE - 1 }));
  const value = fc.integer({ min: 1, max: 255 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('fork' as const), who }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('exit' as const), who }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('write' as const), who, page, offset, value }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('share' as const),
        who,
        page: fc.nat(SHARED_PAGES - 1),
        offset,
        value,
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('unmap' as const), who, page }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('protect' as const), who, page, writable: fc.boolean() }),
    },
  );

  interface Proc {
    as: AddressSpace;
    bytes: Map<number, number>;
    unmapped: Set<number>;
    readOnly: Set<number>;
  }

  /** Every private byte any space ever wrote: a space must see its own value there, or zero. */
  function check(proc: Proc, shared: Map<number, number>, written: Set<number>) {
    for (const va of written) {
      if (proc.unmapped.has(Math.floor((va - PRIVATE) / PAGE))) continue;
      expect(proc.as.read(va, 1)[0]).toBe(proc.bytes.get(va) ?? 0);
    }
    for (const [va, v] of shared) expect(proc.as.read(va, 1)[0]).toBe(v);
    for (const p of proc.unmapped) {
      let error: unknown;
      try {
        proc.as.read(PRIVATE + p * PAGE, 1);
      } catch (e) {
        error = e;
      }
      expect(isPageFault(error, 'NOT_MAPPED')).toBe(true);
    }
  }

  it('every space reads what the model says, and all frames come back', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), fc.boolean(), (ops, sparse) => {
        const env = setup(8192, sparse ? 'sparse' : 'dense');
        const { pmm, freeAtStart } = env;
        env.as.mmap({ addr: PRIVATE, length: PRIVATE_PAGES * PAGE, prot: 'rw', content: 'heap' });
        env.as.mmap({ addr: SHARED, length: SHARED_PAGES * PAGE, prot: 'rw', shared: true });
        const procs: Proc[] = [{ as: env.as, bytes: new Map(), unmapped: new Set(), readOnly: new Set() }];
        const shared = new Map<number, number>();
        const written = new Set<number>();
        for (const o of ops) {
          if (procs.length === 0) break;
          const proc = procs[o.who % procs.length];
          switch (o.kind) {
            case 'fork': {
              if (procs.length >= 8) break;
              const child = proc.as.fork()!;
              procs.push({
                as: child,
                bytes: new Map(proc.bytes),
                unmapped: new Set(proc.unmapped),
                readOnly: new Set(proc.readOnly),
              });
              break;
            }
            case 'exit':
              proc.as[Symbol.dispose]();
              procs.splice(procs.indexOf(proc), 1);
              break;
            case 'write': {
              const va = PRIVATE + o.page * PAGE + o.offset;
              let error: unknown;
              try {
                proc.as.write(va, Uint8Array.of(o.value));
              } catch (e) {
                error = e;
              }
              if (proc.unmapped.has(o.page)) expect(isPageFault(error, 'NOT_MAPPED')).toBe(true);
              else if (proc.readOnly.has(o.page)) expect(isPageFault(error, 'PROTECTION')).toBe(true);
              else {
                expect(error).toBeUndefined();
                proc.bytes.set(va, o.value);
                written.add(va);
              }
              break;
            }
            case 'share': {
              const va = SHARED + o.page * PAGE + o.offset;
              proc.as.write(va, Uint8Array.of(o.value));
              shared.set(va, o.value);
              break;
            }
            case 'unmap': {
              proc.as.munmap(PRIVATE + o.page * PAGE, PAGE);
              proc.unmapped.add(o.page);
              proc.readOnly.delete(o.page);
              for (const va of proc.bytes.keys()) {
                if (Math.floor((va - PRIVATE) / PAGE) === o.page) proc.bytes.delete(va);
              }
              break;
            }
            case 'protect': {
              if (proc.unmapped.has(o.page)) break;
              proc.as.mprotect(PRIVATE + o.page * PAGE, PAGE, o.writable ? 'rw' : 'r');
              if (o.writable) proc.readOnly.delete(o.page);
              else proc.readOnly.add(o.page);
              break;
            }
          }
          for (const p of procs) check(p, shared, written);
        }
        for (const p of procs) p.as[Symbol.dispose]();
        expect(used(pmm, freeAtStart)).toBe(0);
        for (let f = 0; f < env.space.frameCount; f++)
          if (pmm.refCount(f) !== 0) expect(pmm.refCount(f)).toBe(0);
      }),
      { numRuns: 60 },
    );
  });
});
