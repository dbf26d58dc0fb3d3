import fc from 'fast-check';
import type { Backing, FrameAllocator, FrameSpace, Pfn } from '../api';
import { NO_FRAME } from '../api';
import { type FrameErrorCode, isFrameError } from '../errors';
import { createFrameSpace } from '../frame-space';
import { FreeRunList } from '../free-runs';
import { backingsFor, DEFAULT_SHAPES, SPACE_SHAPES, type SpaceShape, type SpaceShapeName } from './shapes';

/** Makes a fresh allocator over all usable frames of `space`. */
export type AllocatorFactory = (space: FrameSpace) => FrameAllocator;

export interface ConformanceOptions {
  /** Frame-space layouts to run on (default: all of `SPACE_SHAPES`). */
  readonly shapes?: readonly SpaceShapeName[];
  /** Frame-space backings to run with (default `['none']`); large shapes use 'sparse' for contents. */
  readonly backings?: readonly Backing[];
  /** Random operation sequences per shape and backing (default 40). */
  readonly numRuns?: number;
  /** Longest sequence (default 60 operations). */
  readonly maxOps?: number;
  readonly seed?: number;
  /**
   * The allocator finds a frame or run whenever one fits (default true): `NO_FRAME` while
   * the model has room is a failure. Turn off only for deliberately lossy strategies.
   */
  readonly complete?: boolean;
}

export type MisuseKind =
  | 'double-free'
  | 'free-reserved'
  | 'free-out-of-range'
  | 'free-negative'
  | 'free-non-integer'
  | 'bad-run-count'
  | 'bad-align'
  | 'bad-below'
  | 'run-unsupported'
  | 'free-run-partly-free'
  | 'free-many-duplicate'
  | 'free-many-with-free'
  | 'free-inside-whole-run'
  | 'free-run-of-singles'
  | 'alloc-many-too-many'
  | 'free-many-too-many'
  | 'alloc-at-reserved';

const MISUSES: readonly MisuseKind[] = [
  'double-free',
  'free-reserved',
  'free-out-of-range',
  'free-negative',
  'free-non-integer',
  'bad-run-count',
  'bad-align',
  'bad-below',
  'run-unsupported',
  'free-run-partly-free',
  'free-many-duplicate',
  'free-many-with-free',
  'free-inside-whole-run',
  'free-run-of-singles',
  'alloc-many-too-many',
  'free-many-too-many',
  'alloc-at-reserved',
];

/**
 * The one code each misuse kind must throw: the contract table of `FrameAllocator` (api.ts),
 * checked in its order (`INVALID_REQUEST`, `OUT_OF_RANGE`, `NOT_USABLE`, `DOUBLE_FREE`,
 * `NOT_ALLOCATED`, `UNSUPPORTED`), so a bad count on an allocator without runs is still
 * `INVALID_REQUEST`. The kit accepts exactly this code and no other.
 */
export const MISUSE_CODES: Readonly<Record<MisuseKind, FrameErrorCode>> = {
  /** `free` of a free frame. */
  'double-free': 'DOUBLE_FREE',
  /** `free` of a hole or reserved frame. */
  'free-reserved': 'NOT_USABLE',
  /** `free(frameCount + k)`. */
  'free-out-of-range': 'OUT_OF_RANGE',
  /** `free(-1)`: a safe integer outside `[0, frameCount)`. */
  'free-negative': 'OUT_OF_RANGE',
  /** `free(0.5 | NaN | 1e300 | Infinity)`: not a safe integer. */
  'free-non-integer': 'INVALID_REQUEST',
  /** `allocRun(0 | -3 | 2.5 | NaN)`, even where runs are unsupported. */
  'bad-run-count': 'INVALID_REQUEST',
  /** `align` not a power of two. */
  'bad-align': 'INVALID_REQUEST',
  /** `below` negative or not an integer. */
  'bad-below': 'INVALID_REQUEST',
  /** A run shape outside `capabilities.runs` with valid arguments. */
  'run-unsupported': 'UNSUPPORTED',
  /** `freeRun` over a run with a free frame in it. */
  'free-run-partly-free': 'NOT_ALLOCATED',
  /** `freeMany` listing a frame twice. */
  'free-many-duplicate': 'DOUBLE_FREE',
  /** `freeMany` with a free frame among allocated ones. */
  'free-many-with-free': 'DOUBLE_FREE',
  /** `free` inside a run handed out whole, where runs are not freed piecewise. */
  'free-inside-whole-run': 'NOT_ALLOCATED',
  /** `freeRun` (or a refcounting wrapper's `unref`) of two single frames as one run, where runs are not piecewise. */
  'free-run-of-singles': 'NOT_ALLOCATED',
  /** `allocMany` with a count past the array. */
  'alloc-many-too-many': 'INVALID_REQUEST',
  /** `freeMany` with a count past the array. */
  'free-many-too-many': 'INVALID_REQUEST',
  /** `allocAt` of a hole or reserved frame, where the allocator offers `allocAt`. */
  'alloc-at-reserved': 'NOT_USABLE',
};

/** Past this many usable frames the kit samples frames instead of visiting each one. */
const EXHAUSTIVE_FRAMES = 1 << 16;
/** Frames sampled from each range of a large space (each end and strided through it). */
const SAMPLE_PER_RANGE = 64;

/** What a wrapper adds that the kit also keeps unchanged on misuse (refcounts, owners). */
interface WrapperView {
  refCount?(pfn: Pfn): number;
  ownerOf?(pfn: Pfn): number;
  owners?(): readonly { owner: number; frames: number }[];
  unref?(pfn: Pfn, count?: number): number;
}

/** One step of a random sequence. `k` picks a live allocation or a frame, modulo what exists. */
export type Op =
  | { readonly t: 'alloc' }
  | { readonly t: 'allocMany'; readonly n: number; readonly typed: boolean }
  /** A batch of about as many frames as are free: the all-or-nothing edge. */
  | { readonly t: 'allocManyAroundFree'; readonly delta: number }
  | { readonly t: 'allocRun'; readonly n: number; readonly alignLog: number; readonly below?: BelowPick }
  | { readonly t: 'allocHuge'; readonly below?: BelowPick }
  | { readonly t: 'release'; readonly k: number }
  | { readonly t: 'freeMany'; readonly k: number; readonly n: number; readonly typed: boolean }
  | { readonly t: 'freePart'; readonly k: number; readonly a: number; readonly b: number }
  | { readonly t: 'misuse'; readonly kind: MisuseKind; readonly k: number }
  /** `allocAt` of the run at the `k`-th usable frame (where `capabilities.allocAt`). */
  | { readonly t: 'allocAt'; readonly k: number; readonly n: number };

/** A `below` bound near a range edge, where the interesting cases are. */
interface BelowPick {
  readonly range: number;
  readonly offset: number;
}

/** A live allocation in the model. */
interface Unit {
  start: Pfn;
  count: number;
  run: boolean;
}

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ t: 'alloc' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('allocMany' as const),
      n: fc.integer({ min: 0, max: 80 }),
      typed: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('allocManyAroundFree' as const),
      delta: fc.integer({ min: -2, max: 2 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        t: fc.constant('allocRun' as const),
        n: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 700 })),
        alignLog: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10 })),
        below: fc.record({ range: fc.nat(), offset: fc.integer({ min: -16, max: 1600 }) }),
      },
      { requiredKeys: ['t', 'n', 'alignLog'] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        t: fc.constant('allocHuge' as const),
        below: fc.record({ range: fc.nat(), offset: fc.integer({ min: -16, max: 1600 }) }),
      },
      { requiredKeys: ['t'] },
    ),
  },
  { weight: 8, arbitrary: fc.record({ t: fc.constant('release' as const), k: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('freeMany' as const),
      k: fc.nat(),
      n: fc.integer({ min: 0, max: 70 }),
      typed: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('freePart' as const), k: fc.nat(), a: fc.nat(), b: fc.nat() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('allocAt' as const),
      k: fc.nat(),
      n: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('misuse' as const),
      kind: fc.constantFrom(...MISUSES),
      k: fc.nat(),
    }),
  },
);

/** A failed expectation, with the step that broke it. */
export class ConformanceFailure extends Error {
  override readonly name = 'ConformanceFailure';
}

/**
 * Runs the conformance checks and throws a `ConformanceFailure` (with fast-check's shrunk
 * counterexample) on the first broken invariant. `describeAllocatorConformance` wraps this
 * in vitest; use this directly to assert that a broken allocator fails.
 */
export function checkAllocatorConformance(factory: AllocatorFactory, options: ConformanceOptions = {}): void {
  const shapes = (options.shapes ?? DEFAULT_SHAPES).map((n) => SPACE_SHAPES[n]);
  for (const shape of shapes) {
    for (const backing of backingsFor(shape, options.backings ?? ['none'])) {
      checkShape(factory, shape, backing, options);
    }
  }
}

/** Runs the sequences on one shape and backing. */
export function checkShape(
  factory: AllocatorFactory,
  shape: SpaceShape,
  backing: Backing,
  options: ConformanceOptions = {},
): void {
  const run = (ops: readonly Op[]) => new Session(factory, shape, backing, options.complete ?? true).run(ops);
  // First a fixed sequence that touches every misuse, so no run depends on luck for coverage.
  run(
    MISUSES.flatMap((kind, k) => [
      { t: 'alloc' },
      { t: 'allocRun', n: 3, alignLog: 1 },
      // Two singles in a row, so 'free-run-of-singles' has its adjacent pair.
      ...(kind === 'free-run-of-singles' ? [{ t: 'alloc' } as const, { t: 'alloc' } as const] : []),
      { t: 'misuse', kind, k },
    ]),
  );
  fc.assert(
    fc.property(fc.array(opArbitrary, { maxLength: options.maxOps ?? 60 }), (ops) => {
      run(ops);
    }),
    {
      numRuns: Math.min(options.numRuns ?? 40, shape.maxRuns ?? Number.POSITIVE_INFINITY),
      seed: options.seed,
      endOnFailure: false,
    },
  );
}

/** One allocator, its reference model, and the checks after every step. */
class Session {
  readonly space: FrameSpace;
  readonly alloc: FrameAllocator;
  readonly usable: FreeRunList;
  readonly allocated = new Set<number>();
  readonly units: Unit[] = [];
  readonly caps: FrameAllocator['capabilities'];
  step = -1;
  op: Op | undefined;

  constructor(
    factory: AllocatorFactory,
    readonly shape: SpaceShape,
    backing: Backing,
    readonly complete: boolean,
  ) {
    this.space = createFrameSpace({ frames: shape.frames, ranges: shape.ranges }, { backing });
    this.alloc = factory(this.space);
    this.caps = this.alloc.capabilities;
    this.usable = new FreeRunList(this.space.ranges);
  }

  run(ops: readonly Op[]): void {
    this.checkAccounting();
    ops.forEach((op, i) => {
      this.step = i;
      this.op = op;
      this.apply(op);
      this.checkAccounting();
      if (i % 8 === 7) this.checkEveryFrame();
    });
    this.step = ops.length;
    this.op = undefined;
    this.checkEveryFrame();
    this.releaseEverything();
    this.checkFullRecovery();
  }

  fail(message: string): never {
    const where = this.op ? `step ${this.step} ${JSON.stringify(this.op)}` : `after step ${this.step}`;
    throw new ConformanceFailure(
      `${this.alloc.name} on ${this.shape.name} (${this.space.backing}), ${where}: ${message}`,
    );
  }

  expect(condition: boolean, message: string): void {
    if (!condition) this.fail(message);
  }

  // ---- operations ---------------------------------------------------------------------

  apply(op: Op): void {
    switch (op.t) {
      case 'alloc':
        return this.doAlloc();
      case 'allocMany':
        return this.doAllocMany(op.n, op.typed);
      case 'allocManyAroundFree':
        // The all-or-nothing edge of a whole space; large spaces have their edges elsewhere.
        if (this.freeCount() > EXHAUSTIVE_FRAMES) return;
        return this.doAllocMany(Math.max(0, this.freeCount() + op.delta), true);
      case 'allocRun':
        if (this.caps.runs !== 'any') return;
        return this.doAllocRun(op.n, 2 ** op.alignLog, this.belowOf(op.below));
      case 'allocHuge':
        if (this.caps.runs === 'none') return;
        return this.doAllocRun(512, 512, this.belowOf(op.below));
      case 'release':
        return this.doRelease(op.k);
      case 'freeMany':
        return this.doFreeMany(op.k, op.n, op.typed);
      case 'freePart':
        return this.doFreePart(op.k, op.a, op.b);
      case 'misuse':
        return this.doMisuse(op.kind, op.k);
      case 'allocAt':
        return this.doAllocAt(op.k, op.n);
    }
  }

  belowOf(pick: BelowPick | undefined): number | undefined {
    if (pick === undefined || !this.caps.below) return undefined;
    const ranges = this.space.ranges;
    const r = ranges[pick.range % ranges.length];
    return Math.max(0, r.start + pick.offset);
  }

  doAlloc(): void {
    const pfn = this.alloc.alloc();
    if (pfn === NO_FRAME) {
      if (this.complete)
        this.expect(this.freeCount() === 0, `alloc() gave NO_FRAME with ${this.freeCount()} frames free`);
      return;
    }
    this.takeFrames(pfn, 1, 'alloc()');
    this.units.push({ start: pfn, count: 1, run: false });
  }

  doAllocMany(n: number, typed: boolean): void {
    const out: number[] | Float64Array = typed
      ? new Float64Array(n + 2).fill(-7)
      : new Array<number>(n + 2).fill(-7);
    const ok = this.alloc.allocMany(out, n);
    if (!ok) {
      this.expect(
        out.every((v) => v === -7),
        'allocMany() returned false but wrote frame numbers',
      );
      if (this.complete)
        this.expect(this.freeCount() < n, `allocMany(${n}) failed with ${this.freeCount()} frames free`);
      return;
    }
    this.expect(out[n] === -7 && out[n + 1] === -7, `allocMany(${n}) wrote past count`);
    for (let i = 0; i < n; i++) {
      this.takeFrames(out[i], 1, `allocMany(${n})[${i}]`);
      this.units.push({ start: out[i], count: 1, run: false });
    }
  }

  doAllocRun(count: number, align: number, below: number | undefined): void {
    const options = below === undefined ? { align } : { align, below };
    const pfn = this.alloc.allocRun(count, options);
    const what = `allocRun(${count}, ${JSON.stringify(options)})`;
    if (pfn === NO_FRAME) {
      if (this.complete) {
        const fit = this.modelFit(count, align, below ?? Number.POSITIVE_INFINITY);
        this.expect(
          fit === NO_FRAME,
          `${what} gave NO_FRAME but frames [${fit}, ${fit + count}) are free and fit`,
        );
      }
      return;
    }
    this.expect(pfn % align === 0, `${what} returned ${pfn}, not aligned to ${align}`);
    if (below !== undefined)
      this.expect(pfn + count <= below, `${what} returned ${pfn}: the run passes below`);
    this.takeFrames(pfn, count, what);
    this.units.push({ start: pfn, count, run: true });
  }

  doRelease(k: number): void {
    if (this.units.length === 0) return;
    const [unit] = this.units.splice(k % this.units.length, 1);
    if (unit.run) this.alloc.freeRun(unit.start, unit.count);
    else this.alloc.free(unit.start);
    this.returnFrames(unit.start, unit.count);
  }

  doFreeMany(k: number, n: number, typed: boolean): void {
    const picked: Unit[] = [];
    for (let i = 0; i < this.units.length && picked.length < n; i++) {
      const unit = this.units[(k + i) % this.units.length];
      if (!unit.run) picked.push(unit);
    }
    // A Uint32Array holds frames below 2^32 only; past that a typed batch is a Float64Array.
    const wide = picked.some((u) => u.start >= 2 ** 32);
    const pfns = !typed
      ? picked.map((u) => u.start)
      : wide
        ? Float64Array.from(picked, (u) => u.start)
        : Uint32Array.from(picked, (u) => u.start);
    this.alloc.freeMany(pfns, pfns.length);
    for (const unit of picked) {
      this.units.splice(this.units.indexOf(unit), 1);
      this.returnFrames(unit.start, 1);
    }
  }

  doFreePart(k: number, a: number, b: number): void {
    if (!this.caps.freeRunPiecewise) return;
    const runs = this.units.filter((u) => u.run);
    if (runs.length === 0) return;
    const unit = runs[k % runs.length];
    const from = a % unit.count;
    const count = 1 + (b % (unit.count - from));
    if (count === 1 && b % 2 === 0) this.alloc.free(unit.start + from);
    else this.alloc.freeRun(unit.start + from, count);
    this.returnFrames(unit.start + from, count);
    this.units.splice(this.units.indexOf(unit), 1);
    const tail = unit.start + unit.count - (unit.start + from + count);
    if (from > 0) this.units.push({ start: unit.start, count: from, run: true });
    if (tail > 0) this.units.push({ start: unit.start + from + count, count: tail, run: true });
  }

  /** `allocAt` claims the run exactly when the model has every frame of it free, else gives NO_FRAME. */
  doAllocAt(k: number, n: number): void {
    if (this.caps.allocAt !== true || this.alloc.allocAt === undefined) return;
    const ranges = this.space.ranges;
    const r = ranges[k % ranges.length];
    const pfn = r.start + (Math.floor(k / ranges.length) % r.count);
    const count = Math.min(n, r.start + r.count - pfn);
    const what = `allocAt(${pfn}, ${count})`;
    let free = true;
    for (let i = pfn; i < pfn + count; i++) if (this.allocated.has(i)) free = false;
    const got = this.alloc.allocAt(pfn, count);
    if (!free) {
      this.expect(got === NO_FRAME, `${what} returned ${got} though a frame of the run is allocated`);
      return;
    }
    this.expect(got === pfn, `${what} returned ${got} though every frame of the run is free`);
    this.takeFrames(pfn, count, what);
    this.units.push({ start: pfn, count, run: true });
  }

  // ---- misuse: the right error, and nothing changed -----------------------------------

  doMisuse(kind: MisuseKind, k: number): void {
    const a = this.alloc;
    const singles = this.units.filter((u) => !u.run);
    const wholeRuns = this.units.filter((u) => u.run && u.count > 1);
    const single = singles.length > 0 ? singles[k % singles.length] : undefined;
    switch (kind) {
      case 'double-free': {
        const pfn = this.freeFrameNear(k);
        if (pfn !== NO_FRAME) this.expectError(kind, [pfn], () => a.free(pfn));
        return;
      }
      case 'free-reserved': {
        const pfn = this.holeNear(k);
        if (pfn !== NO_FRAME) this.expectError(kind, [pfn], () => a.free(pfn));
        return;
      }
      case 'free-out-of-range': {
        const pfn = this.space.frameCount + (k % 5);
        return this.expectError(kind, [], () => a.free(pfn));
      }
      case 'free-negative':
        return this.expectError(kind, [], () => a.free(-1 - (k % 3)));
      case 'free-non-integer': {
        const bad = [0.5, Number.NaN, 1e300, Number.POSITIVE_INFINITY][k % 4];
        return this.expectError(kind, [], () => a.free(bad));
      }
      case 'bad-run-count': {
        const count = [0, -3, 2.5, Number.NaN][k % 4];
        return this.expectError(kind, [], () => a.allocRun(count));
      }
      case 'bad-align': {
        const align = [3, 0, -2, 1.5, 768][k % 5];
        return this.expectError(kind, [], () => a.allocRun(this.caps.runs === 'huge' ? 512 : 1, { align }));
      }
      case 'bad-below': {
        if (!this.caps.below) return;
        const below = [-1, 2.5, Number.NaN][k % 3];
        const count = this.caps.runs === 'huge' ? 512 : 1;
        return this.expectError(kind, [], () => a.allocRun(count, { align: count, below }));
      }
      case 'run-unsupported': {
        if (this.caps.runs === 'any') return;
        return this.expectError(kind, [], () => a.allocRun(3));
      }
      case 'free-run-partly-free': {
        // The first unit from the k-th on whose next frame is usable and free, so the fixed
        // sequence covers this misuse whatever the layout.
        for (let i = 0; i < this.units.length; i++) {
          const unit = this.units[(k + i) % this.units.length];
          const next = unit.start + unit.count;
          if (!this.usable.has(next) || this.allocated.has(next)) continue;
          return this.expectError(kind, [unit.start, next], () => a.freeRun(unit.start, unit.count + 1));
        }
        return;
      }
      case 'free-many-duplicate': {
        if (!single) return;
        const pfns = [single.start, single.start];
        return this.expectError(kind, [single.start], () => a.freeMany(pfns, 2));
      }
      case 'free-many-with-free': {
        const free = this.freeFrameNear(k);
        if (!single || free === NO_FRAME) return;
        const pfns = [single.start, free];
        return this.expectError(kind, [single.start, free], () => a.freeMany(pfns, 2));
      }
      case 'free-inside-whole-run': {
        if (this.caps.freeRunPiecewise || wholeRuns.length === 0) return;
        const unit = wholeRuns[k % wholeRuns.length];
        const inside = unit.start + 1 + (k % (unit.count - 1));
        return this.expectError(kind, [unit.start, inside], () => a.free(inside));
      }
      case 'free-run-of-singles': {
        // Two frames handed out one by one, given back as one run (issue 21's lost frames).
        const byStart = new Map(singles.map((u) => [u.start, u]));
        const first = singles.find((u) => byStart.has(u.start + 1));
        if (first === undefined) return;
        const second = byStart.get(first.start + 1) as Unit;
        const unref = (a as WrapperView).unref;
        const viaUnref = typeof unref === 'function' && k % 2 === 1;
        const call = viaUnref ? () => unref.call(a, first.start, 2) : () => a.freeRun(first.start, 2);
        if (!this.caps.freeRunPiecewise) {
          // "Where the allocator cannot" (hier2m cannot; a router whose singles come from a
          // bitmap can): either it takes both frames back, or it refuses with the one code
          // and changes nothing.
          const before = this.snapshot([first.start, second.start]);
          let thrown: unknown;
          try {
            call();
          } catch (error) {
            thrown = error;
          }
          if (thrown !== undefined) {
            if (!isFrameError(thrown))
              this.fail(`misuse '${kind}' threw ${String(thrown)}, not a FrameError`);
            this.expect(
              thrown.code === MISUSE_CODES[kind],
              `misuse '${kind}' threw ${thrown.code}, expected ${MISUSE_CODES[kind]}`,
            );
            const after = this.snapshot([first.start, second.start]);
            this.expect(
              before === after,
              `misuse '${kind}' changed the allocator:\n  before ${before}\n  after  ${after}`,
            );
            return;
          }
        } else {
          // Piecewise allocators take any run of allocated frames back.
          call();
        }
        for (const unit of [first, second]) this.units.splice(this.units.indexOf(unit), 1);
        this.returnFrames(first.start, 2);
        return;
      }
      case 'alloc-many-too-many':
        return this.expectError(kind, [], () => a.allocMany([0, 0], 3));
      case 'alloc-at-reserved': {
        const at = a.allocAt;
        const pfn = this.holeNear(k);
        if (this.caps.allocAt !== true || at === undefined || pfn === NO_FRAME) return;
        return this.expectError(kind, [pfn], () => at.call(a, pfn, 1));
      }
      case 'free-many-too-many': {
        if (!single) return;
        return this.expectError(kind, [single.start], () => a.freeMany([single.start], 2));
      }
    }
  }

  /**
   * `fn` must throw a FrameError with the one code of `MISUSE_CODES[kind]`, and change nothing
   * the kit can see: stats, `isFree`, and where the allocator has them (refcounting and owner
   * wrappers) every `refCount` and owner entry of the frames it watches.
   */
  expectError(kind: MisuseKind, frames: readonly number[], fn: () => unknown): void {
    const code = MISUSE_CODES[kind];
    const before = this.snapshot(frames);
    let thrown: unknown;
    try {
      fn();
    } catch (error) {
      thrown = error;
    }
    if (thrown === undefined) this.fail(`misuse '${kind}' did not throw (expected ${code})`);
    if (!isFrameError(thrown)) this.fail(`misuse '${kind}' threw ${String(thrown)}, not a FrameError`);
    this.expect(thrown.code === code, `misuse '${kind}' threw ${thrown.code}, expected ${code}`);
    const after = this.snapshot(frames);
    this.expect(
      before === after,
      `misuse '${kind}' changed the allocator:\n  before ${before}\n  after  ${after}`,
    );
  }

  /**
   * Stats, the free/used state and (through wrappers) the refcount and owner of the frames
   * that matter, as text: every frame of a small space; else the frames the model holds, the
   * call's own, the range edges and a sample. Owner totals come from `owners()`.
   */
  snapshot(extra: readonly number[]): string {
    const s = this.alloc.stats();
    const frames =
      this.space.frameCount <= 4096
        ? this.allFrames()
        : [...this.allocated, ...extra, ...this.edgeFrames(), ...this.sampleFrames()];
    const view = this.alloc as WrapperView;
    const refCount = typeof view.refCount === 'function' ? view.refCount.bind(this.alloc) : undefined;
    const ownerOf = typeof view.ownerOf === 'function' ? view.ownerOf.bind(this.alloc) : undefined;
    let bits = '';
    const counts: string[] = [];
    for (const pfn of frames) {
      bits += this.alloc.isFree(pfn) ? '1' : '0';
      if (refCount) counts.push(`${pfn}:${attempt(() => refCount(pfn))}`);
      if (ownerOf) counts.push(`${pfn}@${attempt(() => ownerOf(pfn))}`);
    }
    const owners = typeof view.owners === 'function' ? JSON.stringify(view.owners.call(this.alloc)) : '';
    return `free=${s.freeFrames} used=${s.usedFrames} total=${s.totalFrames} frames=${bits} ${counts.join(',')} ${owners}`;
  }

  // ---- invariants ---------------------------------------------------------------------

  /** Invariants 1–3 on a frame being handed out, then record it. */
  takeFrames(pfn: number, count: number, what: string): void {
    this.expect(Number.isSafeInteger(pfn), `${what} returned ${pfn}, not a frame number`);
    for (let i = pfn; i < pfn + count; i++) {
      this.expect(this.usable.has(i), `${what} handed out frame ${i}, which is not usable`);
      this.expect(!this.allocated.has(i), `${what} handed out frame ${i}, which is already allocated`);
      this.allocated.add(i);
      this.expect(!this.alloc.isFree(i), `isFree(${i}) is true right after ${what} handed it out`);
    }
  }

  returnFrames(pfn: number, count: number): void {
    for (let i = pfn; i < pfn + count; i++) {
      this.allocated.delete(i);
      this.expect(this.alloc.isFree(i), `isFree(${i}) is false after it was freed`);
    }
  }

  freeCount(): number {
    return this.usable.frames - this.allocated.size;
  }

  checkAccounting(): void {
    const s = this.alloc.stats();
    this.expect(
      s.totalFrames === this.usable.frames,
      `stats().totalFrames ${s.totalFrames} != ${this.usable.frames} usable`,
    );
    this.expect(
      s.freeFrames + s.usedFrames === s.totalFrames,
      `free ${s.freeFrames} + used ${s.usedFrames} != total`,
    );
    this.expect(
      s.usedFrames === this.allocated.size,
      `stats().usedFrames ${s.usedFrames} != ${this.allocated.size} allocated`,
    );
    this.expect(
      Number.isFinite(s.metadataBytes) && s.metadataBytes >= 0,
      'metadataBytes is not a byte count',
    );
  }

  /** `isFree` agrees with the model on every frame that matters. */
  checkEveryFrame(): void {
    const frames =
      this.space.frameCount <= 4096
        ? this.allFrames()
        : this.usable.frames <= EXHAUSTIVE_FRAMES
          ? [...this.usableFrames(), ...this.edgeFrames()]
          : [...this.allocated, ...this.edgeFrames(), ...this.sampleFrames()];
    for (const pfn of frames) {
      const expected = this.usable.has(pfn) && !this.allocated.has(pfn);
      this.expect(
        this.alloc.isFree(pfn) === expected,
        `isFree(${pfn}) is ${!expected}, expected ${expected}`,
      );
    }
    this.checkFirstNotAllocated();
  }

  /**
   * Where the allocator offers `firstNotAllocated`, it agrees with the model over every live
   * allocation, alone and one frame wider on each side (a free frame, a hole, a neighbour).
   */
  checkFirstNotAllocated(): void {
    const first = this.alloc.firstNotAllocated;
    if (first === undefined) return;
    const frames = this.space.frameCount;
    for (const u of this.units) {
      const from = Math.max(0, u.start - 1);
      for (const [pfn, count] of [
        [u.start, u.count],
        [from, Math.min(frames, u.start + u.count + 1) - from],
      ]) {
        let expected = NO_FRAME;
        for (let i = pfn; i < pfn + count; i++) {
          if (!this.allocated.has(i)) {
            expected = i;
            break;
          }
        }
        const got = first.call(this.alloc, pfn, count);
        this.expect(got === expected, `firstNotAllocated(${pfn}, ${count}) is ${got}, expected ${expected}`);
      }
    }
  }

  releaseEverything(): void {
    this.op = { t: 'release', k: 0 };
    while (this.units.length > 0) this.doRelease(this.units.length - 1);
    this.op = undefined;
    this.checkAccounting();
  }

  /** Invariant 6: with everything free, the largest possible request succeeds again. */
  checkFullRecovery(): void {
    const s = this.alloc.stats();
    this.expect(
      s.freeFrames === s.totalFrames,
      `after freeing everything, ${s.usedFrames} frames are still used`,
    );
    // A large space is checked on a bounded part: the kit's cost follows the operations, not the space.
    const bounded = this.usable.frames > EXHAUSTIVE_FRAMES;
    if (this.caps.runs === 'any') {
      const largest = Math.min(this.usable.largest(), EXHAUSTIVE_FRAMES);
      const pfn = this.alloc.allocRun(largest);
      this.expect(
        pfn !== NO_FRAME,
        `allocRun(${largest}) (the largest range) fails after freeing everything`,
      );
      this.alloc.freeRun(pfn, largest);
    } else if (this.caps.runs === 'huge') {
      const blocks = bounded ? Math.min(this.hugeBlocks(), 64) : this.hugeBlocks();
      const got: number[] = [];
      for (let i = 0; i < blocks; i++) {
        const pfn = this.alloc.allocRun(512, { align: 512 });
        this.expect(
          pfn !== NO_FRAME,
          `only ${i} of ${blocks} 2 MiB blocks come back after freeing everything`,
        );
        got.push(pfn);
      }
      for (const pfn of got) this.alloc.freeRun(pfn, 512);
    }
    const all = new Float64Array(Math.min(this.usable.frames, EXHAUSTIVE_FRAMES));
    this.expect(
      this.alloc.allocMany(all, all.length),
      `allocMany(${bounded ? all.length : 'every frame'}) fails after freeing everything`,
    );
    this.alloc.freeMany(all, all.length);
    const end = this.alloc.stats();
    this.expect(end.freeFrames === end.totalFrames, 'frames were lost in the full-recovery check');
  }

  // ---- model queries ------------------------------------------------------------------

  /** The lowest fitting run in the model, or NO_FRAME. */
  modelFit(count: number, align: number, below: number): number {
    for (const r of this.space.ranges) {
      let start = Math.ceil(r.start / align) * align;
      while (start + count <= r.start + r.count && start + count <= below) {
        let clash = -1;
        for (let i = start + count - 1; i >= start; i--) {
          if (this.allocated.has(i)) {
            clash = i;
            break;
          }
        }
        if (clash < 0) return start;
        start = Math.ceil((clash + 1) / align) * align;
      }
    }
    return NO_FRAME;
  }

  /** 512-aligned blocks of 512 usable frames. */
  hugeBlocks(): number {
    let n = 0;
    for (const r of this.space.ranges) {
      const first = Math.ceil(r.start / 512) * 512;
      const end = Math.floor((r.start + r.count) / 512) * 512;
      if (end > first) n += (end - first) / 512;
    }
    return n;
  }

  freeFrameNear(k: number): number {
    const frames = this.usable.frames <= EXHAUSTIVE_FRAMES ? this.usableFrames() : this.sampleFrames();
    for (let i = 0; i < frames.length; i++) {
      const pfn = frames[(k + i) % frames.length];
      if (!this.allocated.has(pfn)) return pfn;
    }
    return NO_FRAME;
  }

  holeNear(k: number): number {
    const holes: number[] = [];
    let previousEnd = 0;
    for (const r of this.space.ranges) {
      if (r.start > previousEnd) holes.push(previousEnd, r.start - 1);
      previousEnd = r.start + r.count;
    }
    if (previousEnd < this.space.frameCount) holes.push(previousEnd, this.space.frameCount - 1);
    return holes.length === 0 ? NO_FRAME : holes[k % holes.length];
  }

  allFrames(): number[] {
    return Array.from({ length: this.space.frameCount }, (_, i) => i);
  }

  usableFrames(): number[] {
    const out: number[] = [];
    for (const r of this.space.ranges) for (let i = r.start; i < r.start + r.count; i++) out.push(i);
    return out;
  }

  #sample: number[] | undefined;

  /** A fixed sample of usable frames of a large space: each range's ends and strided points. */
  sampleFrames(): number[] {
    if (this.#sample !== undefined) return this.#sample;
    const out = new Set<number>();
    for (const r of this.space.ranges) {
      const n = Math.min(r.count, SAMPLE_PER_RANGE);
      const stride = Math.max(1, Math.floor(r.count / SAMPLE_PER_RANGE));
      for (let i = 0; i < n; i++) {
        out.add(r.start + i);
        out.add(r.start + r.count - 1 - i);
        out.add(r.start + Math.min(r.count - 1, i * stride + (i % 7)));
      }
    }
    this.#sample = [...out];
    return this.#sample;
  }

  /** Frames at and just outside each range's edges. */
  edgeFrames(): number[] {
    const out: number[] = [];
    for (const r of this.space.ranges) {
      for (const pfn of [r.start - 1, r.start, r.start + r.count - 1, r.start + r.count]) {
        if (pfn >= 0 && pfn < this.space.frameCount) out.push(pfn);
      }
    }
    return out;
  }
}

/** `fn()`'s value, or the code of the error it throws (a snapshot records both alike). */
function attempt(fn: () => number): string | number {
  try {
    return fn();
  } catch (error) {
    return isFrameError(error) ? error.code : 'error';
  }
}
