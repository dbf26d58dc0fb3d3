/**
 * The heap conformance kit: random operation sequences (fast-check) against a model of the
 * live objects. After every step: each live object is where the model says, aligned, at least
 * as large as asked, owned by whom it was allocated for, its contents intact (each object is
 * filled with its own byte), no two overlap, and `stats()` agrees with the model. Every misuse
 * must throw the one documented `FrameError` code and change nothing — neither the heap's
 * figures nor the frame allocator's.
 */
import {
  createFrameSpace,
  type FrameAllocator,
  type FrameErrorCode,
  type FrameSpace,
  isFrameError,
} from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';
import fc from 'fast-check';
import { type Heap, NO_ADDRESS } from '../api';

export type HeapFactory = (pmm: FrameAllocator) => Heap;

export interface HeapConformanceOptions {
  /** Frames of the dense space the kit builds (default 1024: small enough to run out). */
  readonly frames?: number;
  /** The frame allocator under the heap (default: core's baseline allocator). */
  readonly pmm?: (space: FrameSpace) => FrameAllocator;
  readonly numRuns?: number;
  readonly maxOps?: number;
  readonly seed?: number;
  /** The largest size the kit asks for (default 3 × 4096, so frame runs are exercised). */
  readonly maxSize?: number;
}

export class HeapConformanceFailure extends Error {}

type Misuse =
  | 'double-free'
  | 'interior'
  | 'foreign'
  | 'bad-address'
  | 'bad-size'
  | 'bad-align'
  | 'bad-owner'
  | 'bytes-too-long';

/** The one code each misuse throws (the table in `api.ts`). */
export const HEAP_MISUSE_CODES: Readonly<Record<Misuse, FrameErrorCode>> = {
  'double-free': 'NOT_ALLOCATED',
  interior: 'NOT_ALLOCATED',
  foreign: 'NOT_ALLOCATED',
  'bad-address': 'INVALID_REQUEST',
  'bad-size': 'INVALID_REQUEST',
  'bad-align': 'INVALID_REQUEST',
  'bad-owner': 'INVALID_REQUEST',
  'bytes-too-long': 'INVALID_REQUEST',
};

type Op =
  | { t: 'malloc'; size: number; alignLog: number; owner: number; zero: boolean }
  | { t: 'free'; k: number }
  | { t: 'realloc'; k: number; size: number }
  | { t: 'release'; owner: number }
  | { t: 'misuse'; kind: Misuse; k: number };

interface Live {
  addr: number;
  size: number;
  owner: number;
  fill: number;
}

/** Runs the kit; throws `HeapConformanceFailure` with the shrunk counterexample. */
export function checkHeapConformance(factory: HeapFactory, options: HeapConformanceOptions = {}): void {
  const maxSize = options.maxSize ?? 3 * 4096;
  const size = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 64 }) },
    { weight: 4, arbitrary: fc.integer({ min: 65, max: 2048 }) },
    { weight: 1, arbitrary: fc.integer({ min: 2049, max: maxSize }) },
  );
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        t: fc.constant('malloc' as const),
        size,
        alignLog: fc.oneof(
          { weight: 5, arbitrary: fc.constant(3) },
          { weight: 1, arbitrary: fc.integer({ min: 0, max: 12 }) },
        ),
        owner: fc.integer({ min: 0, max: 3 }),
        zero: fc.boolean(),
      }),
    },
    { weight: 5, arbitrary: fc.record({ t: fc.constant('free' as const), k: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('realloc' as const), k: fc.nat(), size }) },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant('release' as const), owner: fc.integer({ min: 0, max: 3 }) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('misuse' as const),
        kind: fc.constantFrom<Misuse>(...(Object.keys(HEAP_MISUSE_CODES) as Misuse[])),
        k: fc.nat(),
      }),
    },
  );
  try {
    fc.assert(
      fc.property(fc.array(op, { maxLength: options.maxOps ?? 80 }), (ops) => {
        runSession(factory, options, ops);
      }),
      { numRuns: options.numRuns ?? 60, seed: options.seed, endOnFailure: false },
    );
  } catch (error) {
    throw new HeapConformanceFailure(String(error instanceof Error ? error.message : error));
  }
}

function fail(message: string): never {
  throw new Error(message);
}

function runSession(factory: HeapFactory, options: HeapConformanceOptions, ops: readonly Op[]): void {
  const space = createFrameSpace({ frames: options.frames ?? 1024 }, { backing: 'dense' });
  const pmm = options.pmm ? options.pmm(space) : createBaselineAllocator(space);
  const before = pmm.stats().freeFrames;
  const heap = factory(pmm);
  const live: Live[] = [];
  const freed: number[] = [];
  let fills = 1;

  const fillOf = (l: Live) => heap.bytes(l.addr, l.size).fill(l.fill);
  const verify = (l: Live, where: string) => {
    const view = heap.bytes(l.addr, l.size);
    for (let i = 0; i < view.length; i++) {
      if (view[i] !== l.fill)
        fail(`${where}: object at ${l.addr} (${l.size} B) was overwritten at byte ${i}`);
    }
  };
  const checkNew = (l: Live, align: number) => {
    if (l.addr % align !== 0) fail(`malloc(${l.size}, align ${align}) gave ${l.addr}, not aligned`);
    if (heap.usableSize(l.addr) < l.size) fail(`usableSize(${l.addr}) < ${l.size}`);
    if (heap.ownerOf(l.addr) !== l.owner) fail(`ownerOf(${l.addr}) is not ${l.owner}`);
    for (const other of live) {
      const a = Math.max(l.size, 1);
      const b = Math.max(other.size, 1);
      if (l.addr < other.addr + b && other.addr < l.addr + a) {
        fail(`object at ${l.addr} (${l.size} B) overlaps the live one at ${other.addr} (${other.size} B)`);
      }
    }
  };
  const snapshot = () => {
    const s = heap.stats();
    return `${s.objects}/${s.liveBytes}/${s.framesHeld}/${pmm.stats().freeFrames}`;
  };
  const expectError = (kind: Misuse, fn: () => unknown) => {
    const was = snapshot();
    try {
      fn();
    } catch (error) {
      if (!isFrameError(error)) fail(`${kind}: threw ${String(error)}, not a FrameError`);
      if (error.code !== HEAP_MISUSE_CODES[kind])
        fail(`${kind}: threw ${error.code}, expected ${HEAP_MISUSE_CODES[kind]}`);
      if (snapshot() !== was)
        fail(`${kind}: the heap changed though the call threw (${was} → ${snapshot()})`);
      return;
    }
    fail(`${kind}: did not throw`);
  };
  const isLiveStart = (addr: number) => live.some((l) => l.addr === addr);

  for (const step of ops) {
    switch (step.t) {
      case 'malloc': {
        const align = 2 ** step.alignLog;
        const was = snapshot();
        const addr = step.zero
          ? heap.calloc(1, step.size, { owner: step.owner, align })
          : heap.malloc(step.size, { owner: step.owner, align });
        if (addr === NO_ADDRESS) {
          const now = heap.stats();
          if (`${now.objects}/${now.liveBytes}` !== was.split('/').slice(0, 2).join('/')) {
            fail('malloc returned NO_ADDRESS but the live objects changed');
          }
          break;
        }
        const l = { addr, size: step.size, owner: step.owner, fill: fills++ & 255 || 1 };
        checkNew(l, align);
        if (step.zero && heap.bytes(addr, step.size).some((b) => b !== 0))
          fail(`calloc(${step.size}) is not zeroed`);
        fillOf(l);
        live.push(l);
        break;
      }
      case 'free': {
        if (live.length === 0) break;
        const [l] = live.splice(step.k % live.length, 1);
        verify(l, 'free');
        heap.free(l.addr);
        freed.push(l.addr);
        break;
      }
      case 'realloc': {
        if (live.length === 0) break;
        const i = step.k % live.length;
        const l = live[i];
        verify(l, 'realloc');
        const addr = heap.realloc(l.addr, step.size);
        if (addr === NO_ADDRESS) {
          verify(l, 'realloc that failed');
          break;
        }
        const keep = Math.min(l.size, step.size);
        const view = heap.bytes(addr, keep);
        for (let b = 0; b < keep; b++) if (view[b] !== l.fill) fail(`realloc lost byte ${b}`);
        live.splice(i, 1);
        if (addr !== l.addr) freed.push(l.addr);
        const moved = { addr, size: step.size, owner: l.owner, fill: fills++ & 255 || 1 };
        checkNew(moved, 8);
        fillOf(moved);
        live.push(moved);
        break;
      }
      case 'release': {
        heap.releaseOwner(step.owner);
        for (let i = live.length - 1; i >= 0; i--) {
          if (live[i].owner === step.owner) freed.push(live.splice(i, 1)[0].addr);
        }
        break;
      }
      case 'misuse': {
        const l = live.length > 0 ? live[step.k % live.length] : undefined;
        switch (step.kind) {
          case 'double-free': {
            const addr = freed.length > 0 ? freed[step.k % freed.length] : undefined;
            if (addr !== undefined && !isLiveStart(addr)) expectError('double-free', () => heap.free(addr));
            break;
          }
          case 'interior':
            if (l && l.size > 1 && !isLiveStart(l.addr + 1))
              expectError('interior', () => heap.free(l.addr + 1));
            break;
          case 'foreign': {
            // A frame the heap never held: taken from the frame allocator right now.
            const pfn = pmm.alloc();
            if (pfn >= 0) {
              expectError('foreign', () => heap.free(pfn * 4096 + 16 * (step.k % 8)));
              pmm.free(pfn);
            }
            break;
          }
          case 'bad-address':
            expectError('bad-address', () => heap.free([-4096, 0.5, Number.NaN][step.k % 3]));
            break;
          case 'bad-size':
            expectError('bad-size', () => heap.malloc([-1, 2.5, Number.NaN][step.k % 3]));
            break;
          case 'bad-align':
            expectError('bad-align', () => heap.malloc(16, { align: [3, 0, -8, 12][step.k % 4] }));
            break;
          case 'bad-owner':
            expectError('bad-owner', () => heap.malloc(16, { owner: [-1, 1.5][step.k % 2] }));
            break;
          case 'bytes-too-long':
            if (l) expectError('bytes-too-long', () => heap.bytes(l.addr, heap.usableSize(l.addr) + 1));
            break;
        }
        break;
      }
    }
    const s = heap.stats();
    if (s.objects !== live.length) fail(`stats().objects ${s.objects}, but ${live.length} are live`);
    const bytes = live.reduce((sum, l) => sum + l.size, 0);
    if (s.liveBytes !== bytes) fail(`stats().liveBytes ${s.liveBytes}, but the live objects hold ${bytes}`);
    if (pmm.stats().usedFrames !== s.framesHeld) {
      fail(`the heap holds ${s.framesHeld} frames, the frame allocator has ${pmm.stats().usedFrames} in use`);
    }
  }
  for (const l of live) verify(l, 'end');
  for (const l of live.splice(0)) heap.free(l.addr);
  const end = heap.stats();
  if (end.objects !== 0 || end.liveBytes !== 0) fail('objects remain after freeing every one');
  heap[Symbol.dispose]();
  heap[Symbol.dispose]();
  if (pmm.stats().freeFrames !== before) fail(`dispose left ${before - pmm.stats().freeFrames} frames taken`);
}
