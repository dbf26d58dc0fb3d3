import {
  createFrameSpace,
  type FrameAllocator,
  NO_FRAME,
  type RefCountedAllocator,
  withRefCounts,
} from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AddressSpace, FaultResult, isPageFault, MAP_FAILED, MemoryFile, Pte } from './index';

/*
 * Issue 21's vm tests: mprotect / munmap across adjacent regions with mixed protections
 * against a page-by-page model, and fault injection — an allocator that runs out at the k-th
 * allocation, for every k of a fault, a fork and an mmap — asserting that `NO_MEMORY`
 * (`null`, `MAP_FAILED`) means nothing changed.
 */

const PAGE = 4096;
const MiB2 = 2 * 1024 * 1024;
const PROTS = ['', 'r', 'rw', 'rx', 'rwx'] as const;

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  return undefined;
}

// ---- mprotect / munmap against a model ---------------------------------------------------

/** Per page of the window: undefined when unmapped, else its protection and last byte written. */
interface ModelPage {
  prot: string;
  byte: number;
}

type VmOp =
  | { t: 'mprotect'; page: number; pages: number; prot: number }
  | { t: 'munmap'; page: number; pages: number }
  | { t: 'write'; page: number; byte: number }
  | { t: 'read'; page: number };

const WINDOW = 24;

const vmOp: fc.Arbitrary<VmOp> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('mprotect' as const),
      page: fc.nat(WINDOW - 1),
      pages: fc.integer({ min: 1, max: 10 }),
      prot: fc.nat(PROTS.length - 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('munmap' as const),
      page: fc.nat(WINDOW - 1),
      pages: fc.integer({ min: 1, max: 6 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('write' as const),
      page: fc.nat(WINDOW - 1),
      byte: fc.integer({ min: 1, max: 255 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('read' as const), page: fc.nat(WINDOW - 1) }) },
);

/** Adjacent regions filling the window: page counts and protections. */
const layout = fc.array(
  fc.record({ pages: fc.integer({ min: 1, max: 5 }), prot: fc.nat(PROTS.length - 1) }),
  {
    minLength: 2,
    maxLength: 8,
  },
);

function checkAgainstModel(as: AddressSpace, base: number, model: (ModelPage | undefined)[]): void {
  // Regions cover exactly the model's mapped pages, with their protections.
  const covered: (string | undefined)[] = new Array(WINDOW).fill(undefined);
  for (const r of as.regions()) {
    for (let va = r.start; va < r.end; va += PAGE) covered[(va - base) / PAGE] = r.prot;
  }
  expect(covered).toEqual(model.map((p) => p?.prot));
  for (let i = 0; i < WINDOW; i++) {
    const t = as.translate(base + i * PAGE);
    const page = model[i];
    if (page === undefined || page.prot === '') {
      expect(t, `page ${i}`).toBeNull();
      continue;
    }
    if (t === null) continue; // not touched yet
    if (!page.prot.includes('w')) expect(t.flags & Pte.RW, `page ${i} RW`).toBe(0);
    expect((t.flags & Pte.NX) === 0, `page ${i} NX`).toBe(page.prot.includes('x'));
  }
}

describe('mprotect and munmap across adjacent regions, against a model', () => {
  it('regions, entries and contents follow the model; a range with a hole changes nothing', () => {
    fc.assert(
      fc.property(layout, fc.array(vmOp, { maxLength: 30 }), fc.boolean(), (regions, ops, huge) => {
        const space = createFrameSpace({ frames: 2048 }, { backing: 'dense' });
        const pmm = withRefCounts(createBaselineAllocator(space));
        const freeAtStart = pmm.stats().freeFrames;
        const as = AddressSpace.create(pmm, space)!;
        const base = 0x40_0000;
        const model: (ModelPage | undefined)[] = new Array(WINDOW).fill(undefined);
        let at = 0;
        for (const r of regions) {
          const pages = Math.min(r.pages, WINDOW - at);
          if (pages <= 0) break;
          as.mmap({ addr: base + at * PAGE, length: pages * PAGE, prot: PROTS[r.prot], huge });
          for (let i = at; i < at + pages; i++) model[i] = { prot: PROTS[r.prot], byte: 0 };
          at += pages;
        }
        checkAgainstModel(as, base, model);
        for (const op of ops) {
          if (op.t === 'mprotect') {
            const end = Math.min(WINDOW, op.page + op.pages);
            const prot = PROTS[op.prot];
            const hole = model.slice(op.page, end).some((p) => p === undefined);
            const before = JSON.stringify(as.regions());
            const code = codeOf(() => as.mprotect(base + op.page * PAGE, (end - op.page) * PAGE, prot));
            if (hole) {
              expect(code).toBe('INVALID_REQUEST');
              expect(JSON.stringify(as.regions())).toBe(before);
            } else {
              expect(code).toBeUndefined();
              for (let i = op.page; i < end; i++) (model[i] as ModelPage).prot = prot;
            }
          } else if (op.t === 'munmap') {
            const end = Math.min(WINDOW, op.page + op.pages);
            const touched = model.slice(op.page, end).some((p) => p !== undefined);
            expect(as.munmap(base + op.page * PAGE, (end - op.page) * PAGE)).toBe(touched);
            for (let i = op.page; i < end; i++) model[i] = undefined;
          } else if (op.t === 'write') {
            const page = model[op.page];
            const call = () => as.write(base + op.page * PAGE, Uint8Array.of(op.byte));
            if (page?.prot.includes('w')) {
              call();
              page.byte = op.byte;
            } else {
              let error: unknown;
              try {
                call();
              } catch (e) {
                error = e;
              }
              expect(isPageFault(error)).toBe(true);
            }
          } else {
            const page = model[op.page];
            if (page?.prot.includes('r')) {
              expect(as.read(base + op.page * PAGE, 1)[0]).toBe(page.byte);
            } else {
              let error: unknown;
              try {
                as.read(base + op.page * PAGE, 1);
              } catch (e) {
                error = e;
              }
              expect(isPageFault(error)).toBe(true);
            }
          }
          checkAgainstModel(as, base, model);
        }
        as[Symbol.dispose]();
        expect(pmm.stats().freeFrames).toBe(freeAtStart);
      }),
      { numRuns: 100 },
    );
  });
});

// ---- fault injection -------------------------------------------------------------------

/** An allocator that, once armed, runs out at its k-th allocation call and stays out. */
class Failing {
  calls = 0;
  failAt = 0;
  triggered = false;
  readonly allocator: FrameAllocator;

  constructor(inner: FrameAllocator) {
    const hit = () => {
      if (this.failAt === 0) return false;
      this.calls++;
      if (this.calls < this.failAt) return false;
      this.triggered = true;
      return true;
    };
    this.allocator = {
      ...inner,
      name: inner.name,
      capabilities: inner.capabilities,
      space: inner.space,
      ranges: inner.ranges,
      alloc: () => (hit() ? NO_FRAME : inner.alloc()),
      allocMany: (out, count) => (hit() ? false : inner.allocMany(out, count)),
      allocRun: (count, options) => (hit() ? NO_FRAME : inner.allocRun(count, options)),
      free: (pfn) => inner.free(pfn),
      freeMany: (pfns, count) => inner.freeMany(pfns, count),
      freeRun: (pfn, count) => inner.freeRun(pfn, count),
      isFree: (pfn) => inner.isFree(pfn),
      stats: () => inner.stats(),
    };
  }

  arm(k: number): void {
    this.calls = 0;
    this.failAt = k;
    this.triggered = false;
  }
}

interface Env {
  pmm: RefCountedAllocator;
  failing: Failing;
  spaces: AddressSpace[];
}

/** Everything `NO_MEMORY` must leave alone: regions, every mapped page's translation, counts. */
function snapshot(env: Env): string {
  // Frame counts; metadataBytes may grow (a refcount chunk, once made, is kept) without any frame changing hands.
  const { totalFrames, freeFrames, usedFrames } = env.pmm.stats();
  const parts: unknown[] = [totalFrames, freeFrames, usedFrames];
  for (const as of env.spaces) {
    const regions = as
      .regions()
      .map(({ start, end, prot, content, fork, huge }) => ({ start, end, prot, content, fork, huge }));
    const pages: string[] = [];
    for (const r of regions) {
      for (let va = r.start; va < r.end; va += PAGE) {
        const t = as.translate(va);
        pages.push(t === null ? '-' : `${t.pa}/${t.flags}`);
      }
    }
    parts.push(regions, pages, as.stats());
  }
  return JSON.stringify(parts);
}

function makeEnv(): Env {
  const space = createFrameSpace({ frames: 4096 }, { backing: 'dense' });
  const failing = new Failing(createBaselineAllocator(space));
  const pmm = withRefCounts(failing.allocator);
  return { pmm, failing, spaces: [AddressSpace.create(pmm, space)!] };
}

/**
 * For k = 1, 2, …: a fresh `prepare()`d state, exhaustion at the operation's k-th allocation,
 * and when the operation reports running out, a state identical to before. Stops at the first
 * k the operation never reaches; returns how many k ran out.
 */
function everyAllocationPoint(prepare: () => Env, operate: (env: Env) => boolean): number {
  let outOfMemory = 0;
  for (let k = 1; k <= 64; k++) {
    const env = prepare();
    const before = snapshot(env);
    env.failing.arm(k);
    const ok = operate(env);
    const reached = env.failing.triggered;
    env.failing.arm(0);
    if (!ok) {
      outOfMemory++;
      expect(snapshot(env), `exhaustion at allocation ${k}`).toBe(before);
    }
    if (!reached) {
      expect(ok, `the operation made fewer than ${k} allocations yet ran out`).toBe(true);
      return outOfMemory;
    }
  }
  throw new Error('more than 64 allocations in one operation');
}

describe('fault injection: NO_MEMORY changes nothing', () => {
  it('a first write to a 2 MiB block far from any table (huge page, deposit, new tables)', () => {
    const failures = everyAllocationPoint(
      () => {
        const env = makeEnv();
        env.spaces[0].mmap({ addr: 0x80_0000_0000, length: MiB2, prot: 'rw' });
        return env;
      },
      (env) => env.spaces[0].handleFault(0x80_0000_0000 + 5 * PAGE, 'write') !== FaultResult.NO_MEMORY,
    );
    expect(failures).toBeGreaterThan(0);
  });

  it('a read and a write of a 4 KiB page needing new tables', () => {
    for (const access of ['read', 'write'] as const) {
      const failures = everyAllocationPoint(
        () => {
          const env = makeEnv();
          env.spaces[0].mmap({ addr: 0x7_0000_1000, length: 3 * PAGE, prot: 'rw', huge: false });
          return env;
        },
        (env) => env.spaces[0].handleFault(0x7_0000_2000, access) !== FaultResult.NO_MEMORY,
      );
      expect(failures).toBeGreaterThan(0);
    }
  });

  it('copy-on-write of a shared 2 MiB page and of a 4 KiB page after fork (issue 21, bug 5)', () => {
    for (const [length, huge] of [
      [MiB2, true],
      [4 * PAGE, false],
    ] as const) {
      const failures = everyAllocationPoint(
        () => {
          const env = makeEnv();
          const a = env.spaces[0].mmap({ length, prot: 'rw', huge });
          env.spaces[0].write(a, Uint8Array.of(1));
          env.spaces[0].write(a + PAGE, Uint8Array.of(2));
          env.spaces.push(env.spaces[0].fork()!);
          return env;
        },
        (env) => {
          const a = env.spaces[1].regions()[0].start;
          return env.spaces[1].handleFault(a + PAGE, 'write') !== FaultResult.NO_MEMORY;
        },
      );
      expect(failures).toBeGreaterThan(0);
    }
  });

  it('a private write to a file page (a copy)', () => {
    const failures = everyAllocationPoint(
      () => {
        const env = makeEnv();
        const file = MemoryFile.create(env.pmm, Uint8Array.of(7, 8, 9))!;
        env.spaces[0].mmap({ length: PAGE, prot: 'rw', content: 'file', file });
        file[Symbol.dispose]?.();
        return env;
      },
      (env) => env.spaces[0].handleFault(env.spaces[0].regions()[0].start, 'write') !== FaultResult.NO_MEMORY,
    );
    expect(failures).toBeGreaterThan(0);
  });

  it('fork of a space with 4 KiB and 2 MiB pages', () => {
    const failures = everyAllocationPoint(
      () => {
        const env = makeEnv();
        const as = env.spaces[0];
        const a = as.mmap({ length: MiB2, prot: 'rw' });
        const b = as.mmap({ length: 3 * PAGE, prot: 'rw', huge: false });
        as.write(a, Uint8Array.of(1));
        as.write(b + PAGE, Uint8Array.of(2));
        as.read(b + 2 * PAGE, 1);
        return env;
      },
      (env) => {
        const child = env.spaces[0].fork();
        if (child === null) return false;
        env.spaces.push(child);
        return true;
      },
    );
    expect(failures).toBeGreaterThan(0);
  });

  it('mmap of a DMA buffer (a run, deposits and tables)', () => {
    for (const length of [MiB2 + 3 * PAGE, 5 * PAGE]) {
      const failures = everyAllocationPoint(
        () => {
          const env = makeEnv();
          env.spaces[0].mmap({ length: PAGE, prot: 'r' });
          return env;
        },
        (env) => env.spaces[0].mmap({ length, prot: 'rw', content: 'dma' }) !== MAP_FAILED,
      );
      expect(failures).toBeGreaterThan(0);
    }
  });
});
