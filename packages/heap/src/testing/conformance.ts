import {
  type Backing,
  createFrameSpace,
  type FrameAllocator,
  FrameError,
  type FrameErrorCode,
  type FrameRange,
  isFrameError,
  NO_FRAME,
} from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';
import fc from 'fast-check';
import { FRAME_BYTES, type Heap, type MallocOptions, MIN_ALIGN, NO_ADDRESS } from '../api';

/** Makes the heap under test over `pmm` (e.g. `(pmm) => createHeap(pmm, { strategy: 'tlsf' })`). */
export type HeapFactory = (pmm: FrameAllocator) => Heap;

/** A frame space and frame allocator the kit runs a heap on. */
export interface HeapSetup {
  readonly name: string;
  readonly frames: number;
  readonly ranges: readonly FrameRange[];
  readonly backing: Exclude<Backing, 'none'>;
  /** The frame allocator hands out single frames only (`runs: 'none'`). */
  readonly noRuns?: boolean;
}

/** Where every heap is tried: roomy, tight (exhaustion), high addresses past 2^32 on a sparse space, holes, no runs. */
export const HEAP_SETUPS: Readonly<Record<string, HeapSetup>> = Object.freeze({
  dense: { name: 'dense', frames: 1024, ranges: [{ start: 0, count: 1024 }], backing: 'dense' },
  tight: { name: 'tight', frames: 40, ranges: [{ start: 0, count: 40 }], backing: 'dense' },
  'sparse-high': {
    name: 'sparse-high',
    frames: 2 ** 21 + 2048,
    ranges: [
      { start: 3, count: 21 },
      { start: 2 ** 21 + 5, count: 1500 },
    ],
    backing: 'sparse',
  },
  'shared-holes': {
    name: 'shared-holes',
    frames: 1200,
    ranges: [
      { start: 1, count: 158 },
      { start: 256, count: 1 },
      { start: 300, count: 200 },
      { start: 513, count: 600 },
    ],
    backing: 'shared',
  },
  'no-runs': {
    name: 'no-runs',
    frames: 600,
    ranges: [{ start: 0, count: 600 }],
    backing: 'dense',
    noRuns: true,
  },
});

export interface HeapConformanceOptions {
  /** Setups to run (default: all of `HEAP_SETUPS`). */
  readonly setups?: readonly string[];
  /** Random operation sequences per setup (default 25). */
  readonly runs?: number;
  /** Longest sequence (default 60). */
  readonly maxOps?: number;
  readonly seed?: number;
}

/** Thrown when a heap breaks the contract: says which setup, what went wrong, and the operations. */
export class HeapConformanceFailure extends Error {
  override readonly name = 'HeapConformanceFailure';
}

const OWNERS = 4;
const ALIGNS = [1, 8, 16, 32, 64, 256, 1024, 2048, 4096, 8192];

type Op =
  | {
      op: 'malloc';
      size: number;
      owner: number;
      align?: number;
      via: 'malloc' | 'calloc' | 'mallocAs';
      /** With owner 0: no options at all (`malloc(size)`) or `null` options, and no align. */
      plain?: 'none' | 'null';
    }
  | { op: 'free'; pick: number }
  | { op: 'realloc'; pick: number; size: number }
  | { op: 'query'; pick: number }
  | { op: 'releaseOwner'; owner: number }
  | { op: 'trim' }
  | { op: 'dispose' }
  | { op: 'misuse'; kind: MisuseKind; pick: number };

const MISUSE_KINDS = [
  'size-zero',
  'size-negative',
  'size-fraction',
  'size-nan',
  'size-infinite',
  'size-unsafe',
  'align-three',
  'align-zero',
  'align-fraction',
  'owner-negative',
  'owner-fraction',
  'owner-too-big',
  'calloc-overflow',
  'view-type',
  'free-fraction',
  'free-nan',
  'free-interior',
  'free-double',
  'free-no-address',
  'free-beyond',
  'free-foreign-frame',
  'realloc-interior',
  'usable-double',
  'owner-of-interior',
  'bytes-too-long',
  'bytes-length-zero',
  'release-owner-negative',
  // Bad sizes, counts and aligns of every allocating call, not only malloc's.
  'calloc-count-zero',
  'calloc-count-fraction',
  'calloc-size-zero',
  'calloc-size-nan',
  'calloc-align-three',
  'realloc-size-zero',
  'realloc-size-fraction',
  'realloc-size-unsafe',
  'realloc-align-three',
  'mallocas-count-zero',
  'mallocas-count-fraction',
  'mallocas-count-overflow',
  'mallocas-align-three',
  'callocas-count-negative',
  // Numbers given as strings: never coerced (a string '16' is no size, and no address).
  'size-string',
  'calloc-count-string',
  'realloc-size-string',
  'mallocas-count-string',
  'align-string',
  'owner-string',
  'free-string',
  'usable-string',
  'bytes-length-string',
  'release-owner-string',
  // Every query of an address that is not a live allocation's start.
  'realloc-double',
  'usable-interior',
  'owner-of-double',
  'bytes-interior',
  'bytes-double',
  'bytes-length-fraction',
  'release-owner-too-big',
  // An allocation of another heap over the same frame allocator.
  'free-other-heap',
  'query-other-heap',
] as const;
type MisuseKind = (typeof MISUSE_KINDS)[number];

const sizeArb = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 128 }) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 2048 }) },
  { weight: 2, arbitrary: fc.integer({ min: 2049, max: FRAME_BYTES }) },
  { weight: 2, arbitrary: fc.integer({ min: FRAME_BYTES + 1, max: 3 * FRAME_BYTES }) },
  { weight: 1, arbitrary: fc.integer({ min: 400 * FRAME_BYTES, max: 700 * FRAME_BYTES }) },
  { weight: 1, arbitrary: fc.constant(2 ** 45) },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        op: fc.constant('malloc' as const),
        size: sizeArb,
        owner: fc.integer({ min: 0, max: OWNERS - 1 }),
        align: fc.constantFrom(...ALIGNS),
        via: fc.constantFrom('malloc' as const, 'malloc' as const, 'calloc' as const, 'mallocAs' as const),
        plain: fc.constantFrom('none' as const, 'null' as const),
      },
      { requiredKeys: ['op', 'size', 'owner', 'via'] },
    ),
  },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('free' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('realloc' as const), pick: fc.nat(), size: sizeArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('query' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('releaseOwner' as const),
      owner: fc.integer({ min: 0, max: OWNERS }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'trim' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'dispose' as const }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('misuse' as const),
      kind: fc.constantFrom(...MISUSE_KINDS),
      pick: fc.nat(),
    }),
  },
);

interface Live {
  readonly size: number;
  readonly owner: number;
  readonly align: number;
  readonly usable: number;
  readonly fill: number;
}

/** A frame allocator that hands out single frames only, as a free-page stack does. */
function withoutRuns(pmm: FrameAllocator): FrameAllocator {
  return Object.assign(Object.create(pmm) as FrameAllocator, {
    name: `${pmm.name}[no runs]`,
    capabilities: { runs: 'none', below: false, freeRunPiecewise: false } as const,
    allocRun(): number {
      throw new FrameError('UNSUPPORTED', 'allocRun: this allocator has no runs', { op: 'allocRun' });
    },
    alloc: () => pmm.alloc(),
    free: (pfn: number) => pmm.free(pfn),
    freeRun: (pfn: number, count: number) => pmm.freeRun(pfn, count),
    stats: () => pmm.stats(),
    isFree: (pfn: number) => pmm.isFree(pfn),
  });
}

/**
 * Runs random operation sequences on a fresh heap per sequence, against a model of what it
 * must hold, on each setup; throws `HeapConformanceFailure` (with the shrunk sequence) on the
 * first break. Checked after every operation: every live object keeps its contents and its
 * alignment, no two overlap, no frame holds objects of two owners, `usableSize` ≥ the size asked,
 * `ownerOf` is the owner, `stats()` counts objects and live bytes as the model does per owner,
 * frames held equal the frames the frame allocator lost, live + free + overhead = held. Every
 * misuse the heap documents (bad sizes, counts, lengths, aligns and owners of every call, numbers
 * given as strings, addresses that are interior, freed, foreign or live in a second heap over the
 * same frame allocator; drawn at random, and each once more at the end of every sequence) throws
 * the documented code and changes nothing: the stats of the heap and the frame allocator,
 * `blocks()`, and every live object's owner, usable size and bytes are as before. Exhaustion
 * (`NO_ADDRESS`) hands out nothing. Releasing every owner, and dispose, give every frame back.
 * Needs fast-check, never vitest (`describeHeapConformance` in `@framekit/heap/testing/vitest`
 * registers it as vitest tests).
 */
export function checkHeapConformance(factory: HeapFactory, options: HeapConformanceOptions = {}): void {
  const names = options.setups ?? Object.keys(HEAP_SETUPS);
  for (const name of names) checkHeapSetup(factory, name, options);
}

/** One setup of `checkHeapConformance`. */
export function checkHeapSetup(
  factory: HeapFactory,
  setupName: string,
  options: HeapConformanceOptions = {},
): void {
  const setup = HEAP_SETUPS[setupName];
  if (!setup)
    throw new Error(`unknown heap setup '${setupName}' (known: ${Object.keys(HEAP_SETUPS).join(', ')})`);
  const property = fc.property(
    fc.array(opArb, { minLength: 1, maxLength: options.maxOps ?? 60, size: 'max' }),
    (ops) => {
      runSequence(factory, setup, ops);
    },
  );
  const result = fc.check(property, { numRuns: options.runs ?? 25, seed: options.seed, endOnFailure: false });
  if (result.failed) {
    const error = result.errorInstance as Error | undefined;
    throw new HeapConformanceFailure(
      `heap conformance on '${setup.name}' (${setup.backing}${setup.noRuns ? ', no runs' : ''}): ${error?.message ?? 'failed'}\n` +
        `seed ${result.seed}, path ${result.counterexamplePath}\n` +
        `operations: ${JSON.stringify(result.counterexample?.[0])}`,
    );
  }
}

function runSequence(factory: HeapFactory, setup: HeapSetup, ops: readonly Op[]): void {
  const space = createFrameSpace({ frames: setup.frames, ranges: setup.ranges }, { backing: setup.backing });
  const base = createBaselineAllocator(space);
  const pmm = setup.noRuns ? withoutRuns(base) : base;
  const usedAtStart = pmm.stats().usedFrames;
  const heap = factory(pmm);
  const live = new Map<number, Live>();
  const freed = new Set<number>();
  let fills = 0;

  const fail = (message: string): never => {
    throw new Error(message);
  };
  const pick = (n: number): number | undefined => {
    if (live.size === 0) return undefined;
    const keys = [...live.keys()];
    return keys[n % keys.length];
  };
  const sparse = setup.backing === 'sparse';

  /** What a valid request must do when it needs frame runs the pmm cannot give in that shape. */
  const unsupported = (size: number, align: number): boolean => {
    const frames = Math.ceil(size / FRAME_BYTES);
    const alignFrames = align > FRAME_BYTES ? align / FRAME_BYTES : 1;
    if (frames <= 1 && alignFrames <= 1) return false;
    return Boolean(setup.noRuns) || (sparse && frames > 512);
  };

  const expectError = (code: FrameErrorCode, what: string, call: () => unknown) => {
    const before = snapshot(heap, pmm, live);
    try {
      call();
    } catch (error) {
      if (!isFrameError(error, code)) {
        fail(`${what}: threw ${(error as Error)?.message ?? error}, expected a FrameError ${code}`);
      }
      const after = snapshot(heap, pmm, live);
      const change = compareSnapshots(before, after);
      if (change !== undefined) fail(`${what}: threw ${code} but changed the heap: ${change}`);
      return;
    }
    fail(`${what}: did not throw (expected ${code})`);
  };

  const add = (address: number, size: number, owner: number, align: number, zeroed: boolean) => {
    const effective = Math.max(align, MIN_ALIGN);
    if (address % effective !== 0)
      fail(`malloc(${size}, align ${align}) = ${address}: not aligned to ${effective}`);
    if ((size >= FRAME_BYTES || align >= FRAME_BYTES) && address % FRAME_BYTES !== 0) {
      fail(`malloc(${size}, align ${align}) = ${address}: a frame run must be frame-aligned`);
    }
    if (live.has(address)) fail(`malloc returned the live address ${address} again`);
    const usable = heap.usableSize(address);
    if (usable < size) fail(`usableSize(${address}) = ${usable} < ${size}`);
    const view = heap.bytes(address, size);
    if (zeroed && view.some((b) => b !== 0)) fail(`calloc'd ${address} is not zeroed`);
    const fill = (fills++ % 251) + 1;
    view.fill(fill);
    freed.delete(address);
    live.set(address, { size, owner, align, usable, fill });
  };

  for (const [step, op] of ops.entries()) {
    const where = `op ${step + 1} ${JSON.stringify(op)}`;
    switch (op.op) {
      case 'malloc': {
        // The kernel's requests (owner 0) sometimes come with no options, or `null` options (no
        // options too: the Errors table's "bad options" are bad fields).
        const plain = op.owner === 0 ? op.plain : undefined;
        const align = plain ? MIN_ALIGN : (op.align ?? MIN_ALIGN);
        const options: MallocOptions | undefined =
          plain === 'none'
            ? undefined
            : plain === 'null'
              ? (null as unknown as undefined)
              : op.align === undefined
                ? { owner: op.owner }
                : { owner: op.owner, align: op.align };
        if (unsupported(op.size, align)) {
          expectError('UNSUPPORTED', `${where}`, () => heap.malloc(op.size, options));
          break;
        }
        const before = heap.stats();
        let address: number;
        if (op.via === 'calloc') address = heap.calloc(1, op.size, options);
        else if (op.via === 'mallocAs') {
          const count = Math.ceil(op.size / 8);
          const view = heap.mallocAs('f64', count, options);
          if (view !== undefined && view.length !== count)
            fail(`${where}: mallocAs gave ${view.length} elements`);
          address = view === undefined ? NO_ADDRESS : heap.addressOf(view);
          if (view !== undefined && (address === NO_ADDRESS || heap.usableSize(address) < count * 8)) {
            fail(`${where}: addressOf(mallocAs view) = ${address}`);
          }
          if (address !== NO_ADDRESS) {
            add(address, count * 8, op.owner, Math.max(align, 8), false);
            break;
          }
        } else address = heap.malloc(op.size, options);
        if (address === NO_ADDRESS) {
          const after = heap.stats();
          if (after.objects !== before.objects || after.liveBytes !== before.liveBytes) {
            fail(`${where}: NO_ADDRESS but the objects changed`);
          }
          if (after.framesHeld > before.framesHeld) fail(`${where}: NO_ADDRESS but took frames`);
          break;
        }
        add(address, op.size, op.owner, align, op.via === 'calloc');
        break;
      }
      case 'free': {
        const address = pick(op.pick);
        if (address === undefined) break;
        checkContents(heap, address, live.get(address)!, where);
        heap.free(address);
        live.delete(address);
        freed.add(address);
        break;
      }
      case 'realloc': {
        const address = pick(op.pick);
        if (address === undefined) break;
        const old = live.get(address)!;
        if (unsupported(op.size, MIN_ALIGN) && op.size > old.usable) {
          expectError('UNSUPPORTED', where, () => heap.realloc(address, op.size));
          break;
        }
        const moved = heap.realloc(address, op.size);
        if (moved === NO_ADDRESS) {
          checkContents(heap, address, old, where);
          break;
        }
        const kept = Math.min(old.size, op.size);
        const view = heap.bytes(moved, kept);
        if (view.some((b) => b !== old.fill)) fail(`${where}: realloc lost the contents`);
        if (heap.ownerOf(moved) !== old.owner) fail(`${where}: realloc changed the owner`);
        live.delete(address);
        if (moved !== address) freed.add(address);
        add(moved, op.size, old.owner, MIN_ALIGN, false);
        break;
      }
      case 'query': {
        const address = pick(op.pick);
        if (address === undefined) break;
        const o = live.get(address)!;
        if (heap.ownerOf(address) !== o.owner)
          fail(`${where}: ownerOf(${address}) = ${heap.ownerOf(address)}`);
        if (heap.usableSize(address) !== o.usable) fail(`${where}: usableSize changed`);
        checkContents(heap, address, o, where);
        break;
      }
      case 'releaseOwner': {
        let expected = 0;
        for (const [address, o] of live) {
          if (o.owner !== op.owner) continue;
          expected++;
          live.delete(address);
          freed.add(address);
        }
        const released = heap.releaseOwner(op.owner);
        if (released !== expected)
          fail(`${where}: releaseOwner returned ${released}, the owner had ${expected}`);
        const owner = heap.stats().owners.find((u) => u.owner === op.owner);
        if (owner) fail(`${where}: the owner still holds ${owner.framesHeld} frames`);
        break;
      }
      case 'trim':
        heap.trim();
        break;
      case 'dispose': {
        heap[Symbol.dispose]();
        heap[Symbol.dispose]();
        for (const address of live.keys()) freed.add(address);
        live.clear();
        if (pmm.stats().usedFrames !== usedAtStart) fail(`${where}: dispose left frames taken`);
        break;
      }
      case 'misuse':
        misuse(op.kind, op.pick, where);
        break;
    }
    checkInvariants(heap, pmm, usedAtStart, live, where);
  }

  function misuse(kind: MisuseKind, n: number, where: string): void {
    const a = pick(n);
    const o = a === undefined ? undefined : live.get(a);
    const w = `${where} (${kind})`;
    const bad = 'INVALID_REQUEST';
    const gone = 'NOT_ALLOCATED';
    switch (kind) {
      case 'size-zero':
        return expectError(bad, w, () => heap.malloc(0));
      case 'size-negative':
        return expectError(bad, w, () => heap.malloc(-16));
      case 'size-fraction':
        return expectError(bad, w, () => heap.malloc(10.5));
      case 'size-nan':
        return expectError(bad, w, () => heap.malloc(Number.NaN));
      case 'size-infinite':
        return expectError(bad, w, () => heap.malloc(Number.POSITIVE_INFINITY));
      case 'size-unsafe':
        return expectError(bad, w, () => heap.malloc(2 ** 53));
      case 'align-three':
        return expectError(bad, w, () => heap.malloc(16, { align: 3 }));
      case 'align-zero':
        return expectError(bad, w, () => heap.malloc(16, { align: 0 }));
      case 'align-fraction':
        return expectError(bad, w, () => heap.malloc(16, { align: 0.5 }));
      case 'owner-negative':
        return expectError(bad, w, () => heap.malloc(16, { owner: -1 }));
      case 'owner-fraction':
        return expectError(bad, w, () => heap.malloc(16, { owner: 1.5 }));
      case 'owner-too-big':
        return expectError(bad, w, () => heap.malloc(16, { owner: 2 ** 32 }));
      case 'calloc-overflow':
        return expectError(bad, w, () => heap.calloc(2 ** 30, 2 ** 30));
      case 'view-type':
        return expectError(bad, w, () => heap.mallocAs('f16' as 'f32', 4));
      case 'free-fraction':
        return expectError(bad, w, () => heap.free(a === undefined ? 4096.5 : a + 0.5));
      case 'free-nan':
        return expectError(bad, w, () => heap.free(Number.NaN));
      case 'free-interior':
        if (a === undefined || o === undefined) return;
        return expectError(gone, w, () => heap.free(a + (o.usable > 16 ? 16 : 1)));
      case 'free-double': {
        const f = [...freed][n % Math.max(1, freed.size)];
        if (f === undefined) return;
        return expectError(gone, w, () => heap.free(f));
      }
      case 'free-no-address':
        return expectError(gone, w, () => heap.free(NO_ADDRESS));
      case 'free-beyond':
        return expectError(gone, w, () => heap.free(setup.frames * FRAME_BYTES + 4096 * 3 + 16));
      case 'free-foreign-frame': {
        const pfn = pmm.alloc();
        if (pfn === NO_FRAME) return;
        try {
          expectError(gone, w, () => heap.free(pfn * FRAME_BYTES + 16));
          expectError(gone, w, () => heap.free(pfn * FRAME_BYTES));
        } finally {
          pmm.free(pfn);
        }
        return;
      }
      case 'realloc-interior':
        if (a === undefined || o === undefined) return;
        return expectError(gone, w, () => heap.realloc(a + (o.usable > 16 ? 16 : 1), 8));
      case 'usable-double': {
        const f = [...freed][n % Math.max(1, freed.size)];
        if (f === undefined) return;
        return expectError(gone, w, () => heap.usableSize(f));
      }
      case 'owner-of-interior':
        if (a === undefined || o === undefined) return;
        return expectError(gone, w, () => heap.ownerOf(a + (o.usable > 16 ? 16 : 1)));
      case 'bytes-too-long':
        if (a === undefined || o === undefined) return;
        return expectError(bad, w, () => heap.bytes(a, o.usable + 1));
      case 'bytes-length-zero':
        if (a === undefined) return;
        return expectError(bad, w, () => heap.bytes(a, 0));
      case 'release-owner-negative':
        return expectError(bad, w, () => heap.releaseOwner(-1));
      case 'calloc-count-zero':
        return expectError(bad, w, () => heap.calloc(0, 16));
      case 'calloc-count-fraction':
        return expectError(bad, w, () => heap.calloc(1.5, 16));
      case 'calloc-size-zero':
        return expectError(bad, w, () => heap.calloc(4, 0));
      case 'calloc-size-nan':
        return expectError(bad, w, () => heap.calloc(4, Number.NaN));
      case 'calloc-align-three':
        return expectError(bad, w, () => heap.calloc(2, 16, { align: 3 }));
      case 'realloc-size-zero':
        if (a === undefined) return;
        return expectError(bad, w, () => heap.realloc(a, 0));
      case 'realloc-size-fraction':
        if (a === undefined) return;
        return expectError(bad, w, () => heap.realloc(a, 24.5));
      case 'realloc-size-unsafe':
        if (a === undefined) return;
        return expectError(bad, w, () => heap.realloc(a, 2 ** 53));
      case 'realloc-align-three':
        if (a === undefined) return;
        return expectError(bad, w, () => heap.realloc(a, 32, { align: 3 }));
      case 'mallocas-count-zero':
        return expectError(bad, w, () => heap.mallocAs('u32', 0));
      case 'mallocas-count-fraction':
        return expectError(bad, w, () => heap.mallocAs('f64', 2.5));
      case 'mallocas-count-overflow':
        // 2^51 elements of 8 bytes: 2^54 bytes, past the safe integers.
        return expectError(bad, w, () => heap.mallocAs('f64', 2 ** 51));
      case 'mallocas-align-three':
        return expectError(bad, w, () => heap.mallocAs('u8', 16, { align: 3 }));
      case 'callocas-count-negative':
        return expectError(bad, w, () => heap.callocAs('i32', -4));
      case 'size-string':
        return expectError(bad, w, () => heap.malloc('16' as unknown as number));
      case 'calloc-count-string':
        return expectError(bad, w, () => heap.calloc('2' as unknown as number, 16));
      case 'realloc-size-string':
        if (a === undefined) return;
        return expectError(bad, w, () => heap.realloc(a, '8' as unknown as number));
      case 'mallocas-count-string':
        return expectError(bad, w, () => heap.mallocAs('u8', '16' as unknown as number));
      case 'align-string':
        return expectError(bad, w, () => heap.malloc(16, { align: '32' as unknown as number }));
      case 'owner-string':
        return expectError(bad, w, () => heap.malloc(16, { owner: String(n % OWNERS) as unknown as number }));
      case 'free-string':
        // The address of a live object, as a string: it must not free that object.
        if (a === undefined) return;
        return expectError(bad, w, () => heap.free(String(a) as unknown as number));
      case 'usable-string':
        if (a === undefined) return;
        return expectError(bad, w, () => heap.usableSize(String(a) as unknown as number));
      case 'bytes-length-string':
        if (a === undefined) return;
        return expectError(bad, w, () => heap.bytes(a, '1' as unknown as number));
      case 'release-owner-string':
        return expectError(bad, w, () => heap.releaseOwner(String(n % OWNERS) as unknown as number));
      case 'realloc-double': {
        const f = [...freed][n % Math.max(1, freed.size)];
        if (f === undefined) return;
        return expectError(gone, w, () => heap.realloc(f, 16));
      }
      case 'usable-interior':
        if (a === undefined || o === undefined) return;
        return expectError(gone, w, () => heap.usableSize(a + (o.usable > 16 ? 16 : 1)));
      case 'owner-of-double': {
        const f = [...freed][n % Math.max(1, freed.size)];
        if (f === undefined) return;
        return expectError(gone, w, () => heap.ownerOf(f));
      }
      case 'bytes-interior':
        if (a === undefined || o === undefined) return;
        return expectError(gone, w, () => heap.bytes(a + (o.usable > 16 ? 16 : 1), 1));
      case 'bytes-double': {
        const f = [...freed][n % Math.max(1, freed.size)];
        if (f === undefined) return;
        return expectError(gone, w, () => heap.bytes(f));
      }
      case 'bytes-length-fraction':
        if (a === undefined) return;
        return expectError(bad, w, () => heap.bytes(a, 1.5));
      case 'release-owner-too-big':
        // One past the largest owner (2^32 - 2).
        return expectError(bad, w, () => heap.releaseOwner(2 ** 32 - 1));
      case 'free-other-heap':
      case 'query-other-heap':
        return otherHeap(kind, n, w);
    }
  }

  /** An allocation live in a second heap over the same frame allocator is foreign here. */
  function otherHeap(kind: 'free-other-heap' | 'query-other-heap', n: number, w: string): void {
    const other = factory(pmm);
    try {
      const size = [16, 100, 1000, FRAME_BYTES][n % 4];
      const address = other.malloc(size, { owner: n % OWNERS });
      if (address === NO_ADDRESS) return;
      if (live.has(address)) fail(`${w}: two heaps over one frame allocator both hand out ${address}`);
      if (kind === 'free-other-heap') {
        expectError('NOT_ALLOCATED', `${w} free`, () => heap.free(address));
      } else {
        expectError('NOT_ALLOCATED', `${w} realloc`, () => heap.realloc(address, 8));
        expectError('NOT_ALLOCATED', `${w} usableSize`, () => heap.usableSize(address));
        expectError('NOT_ALLOCATED', `${w} ownerOf`, () => heap.ownerOf(address));
        expectError('NOT_ALLOCATED', `${w} bytes`, () => heap.bytes(address));
      }
      other.free(address);
    } finally {
      other[Symbol.dispose]();
    }
  }

  // Every misuse kind once more on what the sequence left, so that each is tried in every run
  // (a random sequence draws only a few of them).
  const after = `after op ${ops.length}`;
  for (const [i, kind] of MISUSE_KINDS.entries()) misuse(kind, ops.length + i, after);
  checkInvariants(heap, pmm, usedAtStart, live, `${after}, every misuse kind`);

  // The end: every owner released gives every frame back.
  for (let owner = 0; owner <= OWNERS; owner++) heap.releaseOwner(owner);
  if (pmm.stats().usedFrames !== usedAtStart) {
    fail(`after releasing every owner, ${pmm.stats().usedFrames - usedAtStart} frames are still taken`);
  }
  if (heap.stats().framesHeld !== 0) fail(`after releasing every owner, the heap says it holds frames`);
}

function checkContents(heap: Heap, address: number, o: Live, where: string): void {
  const view = heap.bytes(address, o.size);
  for (let i = 0; i < view.length; i++) {
    if (view[i] !== o.fill) throw new Error(`${where}: the contents of ${address} changed at byte ${i}`);
  }
}

function checkInvariants(
  heap: Heap,
  pmm: FrameAllocator,
  usedAtStart: number,
  live: ReadonlyMap<number, Live>,
  where: string,
): void {
  const stats = heap.stats();
  const fail = (message: string): never => {
    throw new Error(`${where}: ${message}`);
  };
  if (stats.objects !== live.size) fail(`stats().objects ${stats.objects}, the model has ${live.size}`);
  let liveBytes = 0;
  const perOwner = new Map<number, { objects: number; bytes: number }>();
  for (const o of live.values()) {
    liveBytes += o.usable;
    const p = perOwner.get(o.owner) ?? { objects: 0, bytes: 0 };
    p.objects++;
    p.bytes += o.usable;
    perOwner.set(o.owner, p);
  }
  if (stats.liveBytes !== liveBytes) fail(`stats().liveBytes ${stats.liveBytes}, the model has ${liveBytes}`);
  for (const [owner, p] of perOwner) {
    const u = stats.owners.find((x) => x.owner === owner);
    if (!u || u.objects !== p.objects || u.liveBytes !== p.bytes) {
      fail(`owner ${owner}: stats say ${JSON.stringify(u)}, the model has ${JSON.stringify(p)}`);
    }
  }
  const taken = pmm.stats().usedFrames - usedAtStart;
  if (stats.framesHeld !== taken)
    fail(`stats().framesHeld ${stats.framesHeld}, but the heap took ${taken} frames`);
  if (stats.heldBytes !== stats.framesHeld * FRAME_BYTES) fail('heldBytes is not framesHeld * 4096');
  // Overhead is what is left of held bytes: negative means live or free bytes are overcounted.
  if (stats.freeBytes < 0 || stats.overheadBytes < 0)
    fail(`negative free or overhead: ${JSON.stringify(stats)}`);
  const classObjects = stats.sizeClasses.reduce((n, c) => n + c.objects, 0) + stats.frameRuns.objects;
  if (classObjects !== stats.objects) fail(`size classes and frame runs count ${classObjects} objects`);
  // No overlap, and no frame shared by two owners.
  const sorted = [...live.entries()].sort((x, y) => x[0] - y[0]);
  const frameOwner = new Map<number, number>();
  for (let i = 0; i < sorted.length; i++) {
    const [address, o] = sorted[i];
    const next = sorted[i + 1];
    if (next && address + o.usable > next[0])
      fail(`objects at ${address} (+${o.usable}) and ${next[0]} overlap`);
    const first = Math.floor(address / FRAME_BYTES);
    const last = Math.floor((address + o.usable - 1) / FRAME_BYTES);
    for (let pfn = first; pfn <= last; pfn++) {
      const other = frameOwner.get(pfn);
      if (other !== undefined && other !== o.owner)
        fail(`frame ${pfn} holds objects of owners ${other} and ${o.owner}`);
      frameOwner.set(pfn, o.owner);
    }
  }
}

/** The heap's and the frame allocator's observable state: counts, blocks, and every live object's bytes. */
interface Snapshot {
  /** `stats()` of both, `blocks()`, and each live object's address, owner and usable size, as text. */
  readonly state: string;
  /** A copy of every live object's usable bytes, in the model's order. */
  readonly contents: readonly (readonly [address: number, bytes: Uint8Array])[];
}

function snapshot(heap: Heap, pmm: FrameAllocator, live: ReadonlyMap<number, Live>): Snapshot {
  const objects: (readonly [number, number, number] | string)[] = [];
  const contents: [number, Uint8Array][] = [];
  for (const [address, o] of live) {
    try {
      objects.push([address, heap.ownerOf(address), heap.usableSize(address)]);
      contents.push([address, heap.bytes(address, o.usable).slice()]);
    } catch (error) {
      // Not the heap as it was: the live object is gone.
      objects.push(`${address} lost: ${(error as Error)?.message ?? error}`);
      contents.push([address, new Uint8Array(0)]);
    }
  }
  const state = JSON.stringify({ heap: heap.stats(), pmm: pmm.stats(), blocks: heap.blocks(), objects });
  return { state, contents };
}

/** What changed between two snapshots (undefined when nothing did). */
function compareSnapshots(before: Snapshot, after: Snapshot): string | undefined {
  if (after.state !== before.state) return `\nbefore ${before.state}\nafter  ${after.state}`;
  for (let i = 0; i < before.contents.length; i++) {
    const [address, was] = before.contents[i];
    const now = after.contents[i][1];
    if (sameBytes(was, now)) continue;
    for (let j = 0; j < was.length; j++) {
      if (now[j] !== was[j]) {
        return `the contents of the live object at ${address} changed at byte ${j} (${was[j]} → ${now[j]})`;
      }
    }
  }
  return undefined;
}

/** True when two copies (each at the start of its own buffer) hold the same bytes; 4 at a time. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  const words = a.length >>> 2;
  const wa = new Int32Array(a.buffer, a.byteOffset, words);
  const wb = new Int32Array(b.buffer, b.byteOffset, words);
  for (let i = 0; i < words; i++) if (wa[i] !== wb[i]) return false;
  for (let i = words << 2; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
