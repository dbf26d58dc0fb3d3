import type {
  AllocatorCapabilities,
  AllocatorStats,
  FrameAllocator,
  FrameRange,
  FrameSpace,
  Pfn,
  PfnArray,
  RunOptions,
} from '../api';
import { NO_FRAME as IMPORTED_NO_FRAME } from '../api';
import { checkBatch, checkCount, checkRun, freeError, readAlign, readBelow, unsupported } from '../checks';
import { setConstant } from '../constant';
import { FrameError } from '../errors';
import { type FlatBits, FrameBits } from '../per-frame/bits';
import type { WholeRunTracker } from '../per-frame/whole-runs';
import type { AllocatorPlugin } from '../plugin';
import { FRAMES_PER_2MIB as IMPORTED_FRAMES_PER_2MIB } from '../units';
import type { RouteKey, RouterConfig } from './config';
import { type Explanation, explainRequest, type RouterRequest } from './explain';
import { type ResolvedRouterConfig, resolveRouterConfig } from './resolve';
import {
  flatFramesFor,
  HUGE_OPTIONS as IMPORTED_HUGE_OPTIONS,
  type RouterStrategy,
  type RouterZone,
  type StrategyNode,
  usableEnd,
  Zone,
} from './zone';

// Imported constants read once, here, into this module's own: V8 reads an imported binding
// through its module's cell and checks it at every use, even inlined into a caller's loop (about
// 0.3 ns a read), and folds a module's own `const` into the code.
const NO_FRAME = IMPORTED_NO_FRAME;
const FRAMES_PER_2MIB = IMPORTED_FRAMES_PER_2MIB;
const HUGE_OPTIONS = IMPORTED_HUGE_OPTIONS;

/**
 * Runs up to this many frames that a zone whose owner takes frames back alone hands out are
 * kept as per-frame handed-out bits (at most three words) rather than recorded whole.
 */
const BIT_RUN_FRAMES = 64;

/** A router: a `FrameAllocator` over zones of strategies, with a look inside. */
export interface FrameRouter extends FrameAllocator {
  /** The config after checks and defaults. */
  readonly config: ResolvedRouterConfig;
  /** The zones from the lowest address up, each with its strategy instances. */
  readonly zones: readonly RouterZone[];
  /** For each request shape, the strategies it tries, in order (null: no such route). */
  readonly routes: Readonly<Record<RouteKey, readonly RouterStrategy[] | null>>;
  /** Which zone, route and strategy would serve `request`, and why. Changes nothing. */
  explain(request: RouterRequest): Explanation;
  /** Frames parked in caches now (they count as free). */
  cachedFrames(): number;
  /** Returns every cached frame to what its cache sits over (what a failed request does first). */
  drainCaches(): number;
  forEachFreeRun(visit: (start: Pfn, count: number) => void): void;
}

/**
 * A `FrameAllocator` that sends each request to a strategy by its shape and address limit.
 *
 * `config` splits the frames into zones by address, gives each zone an owner strategy and,
 * optionally, caches layered over it, and routes single frames, batches, runs, 2 MiB runs and
 * `below` requests to strategies in order of preference; `plugins` supply the strategies
 * (`stack.plugin`, `bitmap.plugin`, `hier2m.plugin`, …). Bad configs throw one
 * `INVALID_REQUEST` naming every problem.
 */
export function createRouter(
  space: FrameSpace,
  config: RouterConfig,
  plugins: readonly AllocatorPlugin[],
): FrameRouter {
  return new Router(space, resolveRouterConfig(config, plugins));
}

/** The strategies a route tries: zone by zone in the route's zone order, its ids in order within each. */
function stepsOf(
  zones: readonly Zone[],
  route: ResolvedRouterConfig['routes'][RouteKey],
): StrategyNode[] | null {
  if (route === null) return null;
  const steps: StrategyNode[] = [];
  for (const z of route.zones) {
    for (const id of route.use) {
      const node = zones[z].node(id);
      if (node !== undefined) steps.push(node);
    }
  }
  return steps;
}

class Router implements FrameRouter {
  readonly name: string;
  readonly capabilities: AllocatorCapabilities;
  readonly space: FrameSpace;
  readonly ranges: readonly FrameRange[];
  readonly config: ResolvedRouterConfig;
  readonly zones: readonly Zone[];
  readonly routes: Readonly<Record<RouteKey, readonly StrategyNode[] | null>>;
  /** Each zone's exclusive end, for the frame → zone lookup. */
  readonly #ends: Float64Array = new Float64Array(0);
  readonly #single: readonly StrategyNode[];
  readonly #batch: readonly StrategyNode[];
  readonly #run: readonly StrategyNode[] | null;
  readonly #huge: readonly StrategyNode[] | null;
  readonly #below: readonly StrategyNode[] | null;
  readonly #total: number = 0;
  readonly #hasCaches: boolean = false;
  readonly #tracksRuns: boolean = false;
  /** Some zone, or every zone with frames, is its owner alone (`Zone.direct`). */
  readonly #anyDirect: boolean = false;
  readonly #allDirect: boolean = false;
  /** The strategy that served the last single frame. */
  #served: StrategyNode | null = null;
  /** The strategy that served the last batch whole, or null when several did. */
  #batchFrom: StrategyNode | null = null;
  // The fields named `_…` are read by the fast paths and each is set exactly once with
  // `setConstant`: in the constructor, or (`_handedFlat`) at the first single frame off the
  // cache. A `#private` field is written twice, and V8 then checks it at every load (15.5 →
  // 13.2 ns per alloc+free through the kernel preset).

  /** The single route's first step when it is a frame cache (in a zone with caches, so never direct). */
  declare private readonly _singleCache: StrategyNode | null;
  /**
   * `_singleCache` when every frame of its zone lies in `_handedFlat` (`alloc`'s fast path
   * marks them there, with no test of its own), else null (`#allocGeneral` serves it then).
   */
  declare private readonly _allocCache: StrategyNode | null;
  /**
   * The zone of `_singleCache` when frees there go to that cache (`Zone.frameTarget`), else an
   * empty range, and that zone's whole-run tracker (null where its owner takes frames back
   * alone): `free`'s fast path.
   */
  declare private readonly _cacheStart: number;
  declare private readonly _cacheEnd: number;
  declare private readonly _cacheRuns: WholeRunTracker | null;
  /** The single route's first step when it is a direct zone's owner. */
  readonly #singleDirect: FrameAllocator | null;
  /**
   * The owner of the one zone with frames, when that zone is direct (z903): every free goes
   * to it as it is, and its checks classify anything else (a frame outside its ranges is
   * `NOT_USABLE` to it, as to the router).
   */
  declare private readonly _sole: FrameAllocator | null;
  /**
   * The lowest zone's owner when that zone is direct, serves `below` runs and is a step of
   * every route a `below` request may take (patchwork's bitmap zone), and that zone's end: a
   * `below` run within the zone, or a run freed within it, goes straight to the owner, which
   * checks the arguments as the router would (no other strategy holds frames there).
   */
  readonly #lowDirect: FrameAllocator | null = null;
  readonly #lowDirectEnd: number = 0;
  /**
   * The lowest zone's owner when that zone has caches and the owner is the first step of that
   * zone a `below` run takes (kernel's bitmap, linux's buddy), and the zone's end: a run below
   * the end (not a plain 2 MiB page, which takes the huge route) is asked of it at once, which
   * checks the arguments as the router would, and recorded as `#allocRunVia` records it.
   */
  readonly #lowOwner: StrategyNode | null = null;
  readonly #lowOwnerEnd: number = 0;
  /** The sole owner when the huge route is that owner alone: a plain 2 MiB request goes straight to it. */
  readonly #soleHuge: FrameAllocator | null;
  /**
   * The huge route's first choice, with its zone's bounds and tracker, when freed 2 MiB pages of
   * that zone (whose owner takes runs back piecewise, behind caches) go back to it: a 2 MiB
   * block cache that is the zone's `hugeTarget` (kernel's hier2m), or the zone's owner itself
   * when no cache takes freed runs (linux's buddy). Plain 2 MiB requests and their frees go
   * straight to it, not through the route.
   */
  readonly #hugeFirst: StrategyNode | null = null;
  readonly #hugeStart: number = 0;
  readonly #hugeEnd: number = 0;
  readonly #hugeRuns: WholeRunTracker | null = null;
  /**
   * Frames out of the owners' hands: handed out, plus held by caches. A frame that moves
   * between a cache and the caller leaves it as it is, so the single-frame fast paths update
   * one counter (the cache's), not two; frames handed out are this less what the caches hold.
   */
  #inFlight = 0;
  /** Every zone's caches (`Zone.fronts`), for `#usedFrames`. */
  readonly #caches: readonly StrategyNode[];
  #scratch = new Float64Array(64);
  /**
   * One bit per frame the router has handed out from a zone with caches, except the frames
   * of runs longer than one that the zone's whole-run tracker records (those are checked
   * there, in O(1) per run): the one validity check of every free there (the trusted caches
   * and the owner behind them are not asked `isFree` frame by frame), and `isFree` itself.
   * A direct zone's frames have no bits: its owner checks its own frees.
   */
  declare private readonly _handed: FrameBits;
  /**
   * `_handed`'s flat words, made whole (they never grow after) and set by the first `alloc`
   * that finds `_allocCache` with frames, so start-up costs none of them: the single-frame fast
   * paths set and clear a frame's bit through it (`FlatBits`: no imported binding to read).
   * Undefined until then (the fast paths step aside).
   */
  declare private readonly _handedFlat: FlatBits | undefined;
  /** `_singleCache`'s allocator, for the fast paths (one load fewer). */
  declare private readonly _cacheAllocator: FrameAllocator | null;

  constructor(space: FrameSpace, config: ResolvedRouterConfig) {
    this.space = space;
    this.ranges = space.ranges;
    this.config = config;
    this.name = `router(${config.name})`;
    this.zones = config.zones.map((_, i) => new Zone(space, config, i));
    this.capabilities = withAllocAt(config.capabilities, this.zones);
    this.#ends = Float64Array.from(this.zones, (z) => z.end);
    const routes = {} as Record<RouteKey, StrategyNode[] | null>;
    for (const key of ['single', 'batch', 'run', 'huge', 'below'] as const) {
      routes[key] = stepsOf(this.zones, config.routes[key]);
    }
    this.routes = routes;
    this.#single = routes.single ?? [];
    this.#batch = routes.batch ?? this.#single;
    this.#run = routes.run;
    this.#huge = routes.huge;
    this.#below = routes.below;
    this.#total = space.usableFrames;
    const flatFrames = Math.min(flatFramesFor(space), 2 ** 32);
    setConstant(this, '_handed', new FrameBits(flatFrames));
    this.#caches = this.zones.flatMap((z) => z.fronts);
    this.#hasCaches = this.zones.some((z) => z.fronts.length > 0);
    this.#tracksRuns = this.zones.some((z) => z.wholeRuns !== null);
    this.#anyDirect = this.zones.some((z) => z.direct !== null);
    this.#allDirect = this.zones.every((z) => z.frames === 0 || z.direct !== null);
    const first = this.#single[0];
    setConstant(
      this,
      '_singleCache',
      first !== undefined && first.back !== null && !first.holdsBlocks ? first : null,
    );
    setConstant(
      this,
      '_allocCache',
      this._singleCache !== null && Math.min(this._singleCache.zoneRef.end, usableEnd(space)) <= flatFrames
        ? this._singleCache
        : null,
    );
    setConstant(this, '_cacheAllocator', this._singleCache?.allocator ?? null);
    const cacheZone = this._singleCache?.zoneRef;
    const fast = cacheZone !== undefined && cacheZone.frameTarget === this._singleCache;
    setConstant(this, '_cacheStart', fast ? cacheZone.start : 0);
    setConstant(this, '_cacheEnd', fast ? cacheZone.end : 0);
    // Where the owner takes frames back alone, a frame with a handed-out bit lies in no run
    // recorded whole (those have none), so `free` need not ask the tracker.
    setConstant(this, '_cacheRuns', fast ? (cacheZone.piecewise ? null : cacheZone.wholeRuns) : null);
    this.#singleDirect =
      first !== undefined && first.zoneRef.direct === first.allocator ? first.allocator : null;
    const withFrames = this.zones.filter((z) => z.frames > 0);
    setConstant(this, '_sole', withFrames.length === 1 ? withFrames[0].direct : null);
    const huge = this.#huge;
    this.#soleHuge =
      this._sole !== null && huge !== null && huge.length === 1 && huge[0].allocator === this._sole
        ? this._sole
        : null;
    const low = this.zones[0];
    const lowOwner = low?.direct ?? null;
    const inRoute = (steps: readonly StrategyNode[] | null) =>
      steps?.some((node) => node.allocator === lowOwner) === true;
    if (
      lowOwner?.capabilities.below &&
      this.capabilities.runs === 'any' &&
      inRoute(this.#below ?? this.#run) &&
      inRoute(this.#below ?? this.#huge)
    ) {
      this.#lowDirect = lowOwner;
      this.#lowDirectEnd = low.end;
    }
    const lowFirst = (this.#below ?? this.#run)?.find((node) => node.zoneRef === low);
    if (
      low !== undefined &&
      low.direct === null &&
      low.wholeRuns !== null &&
      this.capabilities.runs === 'any' &&
      lowFirst !== undefined &&
      lowFirst === low.nodes[0] &&
      lowFirst.back === null &&
      lowFirst.caps.below &&
      !lowFirst.onlyHuge
    ) {
      this.#lowOwner = lowFirst;
      this.#lowOwnerEnd = low.end;
    }
    const firstHuge = huge?.[0];
    const hugeZone = firstHuge?.zoneRef;
    // Where `#allocRunVia` records a 2 MiB page (whole in the tracker: it is longer than
    // `BIT_RUN_FRAMES`) and where `#releasePiece` sends it back, written out.
    if (
      firstHuge !== undefined &&
      hugeZone?.piecewise === true &&
      hugeZone.wholeRuns !== null &&
      ((firstHuge.holdsBlocks && hugeZone.hugeTarget === firstHuge) ||
        (firstHuge === hugeZone.nodes[0] && hugeZone.hugeTarget === null && !hugeZone.frameTarget!.takesRuns))
    ) {
      this.#hugeFirst = firstHuge;
      this.#hugeStart = hugeZone.start;
      this.#hugeEnd = hugeZone.end;
      this.#hugeRuns = hugeZone.wholeRuns;
    }
  }

  // ---- allocation ------------------------------------------------------------------------

  alloc(): Pfn {
    // The common case: the route's first choice is a cache with frames in it (it cannot fail).
    const cache = this._allocCache;
    if (cache !== null && cache.cached > 0) {
      const handed = this._handedFlat;
      if (handed === undefined) return this.#allocFirst();
      // A frame moves from the cache to the caller: `#inFlight` stays as it is.
      const pfn = this._cacheAllocator!.alloc();
      handed.set(pfn);
      // Emptied: refilled now rather than at the next request, so a cache whose frames come and
      // go one at a time does not swing between empty and one frame (for a stack, a node made
      // in every frame freed to it).
      if (--cache.cached === 0) this.#refill(cache);
      return pfn;
    }
    return this.#allocGeneral();
  }

  /** The first frame through the fast path: `_handedFlat` made first (once; see there). */
  #allocFirst(): Pfn {
    setConstant(this, '_handedFlat', this._handed.wholeFlat());
    return this.alloc();
  }

  #allocGeneral(): Pfn {
    // Or that cache's frames lie past the flat handed-out bits (a sparse space, or frames past
    // 2^32): the same, marked through `_handed`.
    const cache = this._singleCache;
    if (cache !== null && cache !== this._allocCache && cache.cached > 0) {
      const pfn = cache.allocator.alloc();
      this._handed.set(pfn);
      if (--cache.cached === 0) this.#refill(cache);
      return pfn;
    }
    // Or the route's first choice is a direct zone's owner: it answers alone.
    const direct = this.#singleDirect;
    if (direct !== null) {
      const pfn = direct.alloc();
      if (pfn !== NO_FRAME) {
        this.#inFlight++;
        return pfn;
      }
    }
    if (this.#usedFrames() === this.#total) return NO_FRAME;
    // The direct owner asked above has nothing: the route goes on from its second step.
    let pfn = this.#allocSingle(this.#single, direct !== null ? 1 : 0);
    if (pfn === NO_FRAME && this.#drain(Number.POSITIVE_INFINITY, 1)) pfn = this.#allocSingle(this.#single);
    if (pfn !== NO_FRAME) {
      this.#inFlight++;
      if (this.#served!.zoneRef.direct === null) this._handed.set(pfn);
    }
    return pfn;
  }

  allocMany(out: PfnArray, count: number): boolean {
    checkBatch('allocMany', out, count);
    if (count === 0) return true;
    if (!this.#hasFree(count)) return false;
    // The common case: the route's first step serves the whole batch, straight into `out` (an
    // allocator's allocMany leaves `out` untouched when it fails: the conformance kit checks it).
    const first = this.#batch[0];
    if (first !== undefined && this.#takeMany(first, out, count)) {
      if (first.zoneRef.direct === null) this._handed.setEach(out, count);
      this.#inFlight += count;
      return true;
    }
    // Else gather from several steps into scratch, so that a failure leaves `out` untouched.
    const buf = count <= this.#scratch.length ? this.#scratch : new Float64Array(count);
    if (count <= 65536 && buf !== this.#scratch) this.#scratch = buf;
    let k = this.#fill(buf, 0, count, this.#batch);
    if (k < count && this.#drain(Number.POSITIVE_INFINITY, 1)) k = this.#fill(buf, k, count, this.#batch);
    if (k < count) {
      for (let i = 0; i < k; i++) this.#releaseFrame(this.zones[this.#zoneOf(buf[i])], buf[i]);
      return false;
    }
    const handed = this._handed;
    // Served whole by one strategy (the common case): its zone says whether to mark the frames.
    const from = this.#batchFrom;
    const mark = from !== null ? from.zoneRef.direct === null : true;
    for (let i = 0; i < count; i++) {
      const pfn = buf[i];
      out[i] = pfn;
      if (from !== null ? mark : this.zones[this.#zoneOf(pfn)].direct === null) handed.set(pfn);
    }
    this.#inFlight += count;
    return true;
  }

  allocRun(count: number, options?: RunOptions): Pfn {
    let align: number;
    let below: number;
    // The route's first step to ask (1 when the owner asked first had nothing).
    let from = 0;
    if (count === FRAMES_PER_2MIB && options?.align === FRAMES_PER_2MIB && options.below === undefined) {
      // A 2 MiB page asked plainly: the argument checks would all pass.
      const sole = this.#soleHuge;
      if (sole !== null) {
        const pfn = sole.allocRun(count, options);
        if (pfn !== NO_FRAME) this.#inFlight += count;
        return pfn;
      }
      const first = this.#hugeFirst;
      if (first !== null) {
        if (first.back === null) {
          // Or from the zone's owner the route asks first; when it has no 2 MiB block, the
          // route goes on from its second step.
          const pfn = first.allocator.allocRun(FRAMES_PER_2MIB, HUGE_OPTIONS);
          if (pfn !== NO_FRAME) {
            this.#inFlight += FRAMES_PER_2MIB;
            this.#hugeRuns!.add2m(pfn, first.index);
            return pfn;
          }
          from = 1;
        } else if (first.cached >= FRAMES_PER_2MIB) {
          // Or from the block cache the route asks first, while it holds a block (it cannot
          // fail): the block moves from the cache to the caller, so `#inFlight` stays as it is.
          const pfn = first.allocator.allocRun(FRAMES_PER_2MIB, HUGE_OPTIONS);
          if (pfn !== NO_FRAME) {
            first.cached -= FRAMES_PER_2MIB;
            this.#hugeRuns!.add2m(pfn, first.index);
            return pfn;
          }
        }
      }
      align = FRAMES_PER_2MIB;
      below = Number.POSITIVE_INFINITY;
    } else {
      // A run below the end of a direct lowest zone: only its owner holds frames there.
      const low = this.#lowDirect;
      if (low !== null && options !== undefined) {
        const bound = options.below;
        if (typeof bound === 'number' && bound <= this.#lowDirectEnd) {
          const pfn = low.allocRun(count, options);
          if (pfn !== NO_FRAME) this.#inFlight += count;
          return pfn;
        }
      }
      // A run below the end of a lowest zone with caches: its owner first (when it has no such
      // run, the route below drains the caches and asks again).
      const owner = this.#lowOwner;
      if (owner !== null && options !== undefined) {
        const bound = options.below;
        if (
          typeof bound === 'number' &&
          bound <= this.#lowOwnerEnd &&
          !(count === FRAMES_PER_2MIB && options.align === FRAMES_PER_2MIB)
        ) {
          const pfn = owner.allocator.allocRun(count, options);
          if (pfn !== NO_FRAME) {
            this.#record(owner.zoneRef, owner, pfn, count);
            this.#inFlight += count;
            return pfn;
          }
        }
      }
      checkCount('allocRun', count);
      align = readAlign('allocRun', options);
      below = readBelow('allocRun', options);
    }
    const huge = count === FRAMES_PER_2MIB && align === FRAMES_PER_2MIB;
    if (!huge && this.capabilities.runs !== 'any') {
      throw unsupported(
        this.name,
        'allocRun',
        this.capabilities.runs === 'none'
          ? 'no route serves runs'
          : 'it serves only 2 MiB runs (count 512, align 512)',
      );
    }
    const steps =
      (below !== Number.POSITIVE_INFINITY ? this.#below : null) ?? (huge ? this.#huge : this.#run);
    if (steps === null || !this.#hasFree(count)) return NO_FRAME;
    let pfn = this.#allocRunVia(steps, count, align, below, huge, options, from);
    if (pfn === NO_FRAME && this.#drain(below, count)) {
      pfn = this.#allocRunVia(steps, count, align, below, huge, options);
    }
    if (pfn !== NO_FRAME) this.#inFlight += count;
    return pfn;
  }

  #allocSingle(steps: readonly StrategyNode[], from = 0): Pfn {
    for (let i = from; i < steps.length; i++) {
      const pfn = this.#takeOne(steps[i]);
      if (pfn !== NO_FRAME) {
        this.#served = steps[i];
        return pfn;
      }
    }
    return NO_FRAME;
  }

  #fill(buf: Float64Array, k: number, count: number, steps: readonly StrategyNode[]): number {
    this.#batchFrom = null;
    for (let i = 0; i < steps.length && k < count; i++) {
      const node = steps[i];
      if (k === 0 && this.#takeMany(node, buf, count)) {
        this.#batchFrom = node;
        return count;
      }
      while (k < count) {
        const pfn = this.#takeOne(node);
        if (pfn === NO_FRAME) break;
        buf[k++] = pfn;
      }
    }
    return k;
  }

  /** The whole batch from `node` in one `allocMany` (a cache first refills up to it); false changes nothing. */
  #takeMany(node: StrategyNode, buf: PfnArray, count: number): boolean {
    if (node.back === null) return node.allocator.allocMany(buf, count);
    while (node.cached < count) if (this.#refill(node) === 0) return false;
    if (!node.allocator.allocMany(buf, count)) return false;
    this.#addCached(node, -count);
    return true;
  }

  /** One frame from `node`; an empty cache first refills a batch from what it sits over. */
  #takeOne(node: StrategyNode): Pfn {
    let pfn = node.allocator.alloc();
    if (node.back !== null) {
      if (pfn === NO_FRAME) {
        if (this.#refill(node) === 0) return NO_FRAME;
        pfn = node.allocator.alloc();
      }
      if (pfn !== NO_FRAME) this.#addCached(node, -1);
    }
    return pfn;
  }

  /** Up to a batch of frames from the back into the cache `node`; how many came. */
  #refill(node: StrategyNode): number {
    const back = node.back!;
    const buf = node.buffer;
    const want = buf.length;
    let k = 0;
    if (back.back === null && back.allocator.allocMany(buf, want)) k = want;
    else {
      while (k < want) {
        const pfn = this.#takeOne(back);
        if (pfn === NO_FRAME) break;
        buf[k++] = pfn;
      }
    }
    if (k > 0) {
      node.allocator.freeMany(buf, k);
      this.#addCached(node, k);
    }
    return k;
  }

  #allocRunVia(
    steps: readonly StrategyNode[],
    count: number,
    align: number,
    below: number,
    huge: boolean,
    options: RunOptions | undefined,
    from = 0,
  ): Pfn {
    for (let i = from; i < steps.length; i++) {
      const node = steps[i];
      const zone = node.zoneRef;
      if (zone.firstFrame + count > below) continue; // nothing in this zone is low enough
      if (node.onlyHuge && !huge) continue;
      const whole = zone.endFrame <= below; // every frame of the zone satisfies `below`
      if (!whole && !node.caps.below) continue;
      const opts = whole && below !== Number.POSITIVE_INFINITY ? alignOnly(align) : options;
      let pfn: Pfn;
      if (node.holdsBlocks) pfn = this.#takeBlock(node, opts);
      else {
        pfn = node.allocator.allocRun(count, opts);
        if (pfn !== NO_FRAME && node.back !== null) this.#addCached(node, -count);
      }
      if (pfn !== NO_FRAME) {
        this.#record(zone, node, pfn, count);
        return pfn;
      }
    }
    return NO_FRAME;
  }

  /**
   * Records the run `node` of `zone` has handed out. A zone with caches records what it hands
   * out (a direct zone's owner does). Where the owner takes frames back alone, a short run is
   * per-frame bits (a word or two, cheaper than the tracker's hash); a longer one is recorded
   * whole. Where it takes runs back only whole, every run is recorded whole (it must go back
   * to the strategy that served it), and a single frame is both.
   */
  #record(zone: Zone, node: StrategyNode, pfn: Pfn, count: number): void {
    const runs = zone.wholeRuns;
    if (runs === null) return;
    if (zone.piecewise && count <= BIT_RUN_FRAMES) {
      if (count === 1) this._handed.set(pfn);
      else this._handed.setRun(pfn, count);
    } else {
      runs.add(pfn, count, node.index);
      if (count === 1) this._handed.set(pfn);
    }
  }

  /** A 2 MiB block from the block cache `node`, refilling it from its back when empty. */
  #takeBlock(node: StrategyNode, options: RunOptions | undefined): Pfn {
    let pfn = node.allocator.allocRun(FRAMES_PER_2MIB, options);
    if (pfn === NO_FRAME && this.#refillBlocks(node) > 0)
      pfn = node.allocator.allocRun(FRAMES_PER_2MIB, options);
    if (pfn !== NO_FRAME) this.#addCached(node, -FRAMES_PER_2MIB);
    return pfn;
  }

  #refillBlocks(node: StrategyNode): number {
    const back = node.back!;
    let n = 0;
    while (n < node.batchFrames) {
      let pfn: Pfn;
      if (back.holdsBlocks) pfn = this.#takeBlock(back, HUGE_OPTIONS);
      else {
        pfn = back.allocator.allocRun(FRAMES_PER_2MIB, HUGE_OPTIONS);
        if (pfn !== NO_FRAME && back.back !== null) this.#addCached(back, -FRAMES_PER_2MIB);
      }
      if (pfn === NO_FRAME) break;
      node.allocator.freeRun(pfn, FRAMES_PER_2MIB);
      this.#addCached(node, FRAMES_PER_2MIB);
      n += FRAMES_PER_2MIB;
    }
    return n;
  }

  /**
   * Claims exactly `[pfn, pfn + count)` when every frame of it is free, else `NO_FRAME` (MOS's
   * `pmm_reserve_frames`). The caches of each zone the run touches are emptied into the zone's
   * owner, whose `allocAt` claims that zone's part; when a part is not free, the parts already
   * claimed are given back. `UNSUPPORTED` when an owner has no `allocAt`.
   */
  allocAt(pfn: Pfn, count: number): Pfn {
    checkRun('allocAt', this.space, pfn, count);
    this.#checkUsable(pfn, count);
    const end = pfn + count;
    const first = this.#zoneOf(pfn);
    let last = first;
    while (end > this.zones[last].end) last++;
    for (let z = first; z <= last; z++) {
      if (allocAtOwner(this.zones[z]) === undefined) {
        throw unsupported(this.name, 'allocAt', `zone ${this.zones[z].name} has no owner with allocAt`);
      }
    }
    for (let z = first; z <= last; z++) {
      for (const node of this.zones[z].fronts) if (node.cached > 0) this.#empty(node);
    }
    for (let z = first; z <= last; z++) {
      const zone = this.zones[z];
      const s = Math.max(pfn, zone.start);
      if (allocAtOwner(zone)?.allocAt?.(s, Math.min(end, zone.end) - s) === NO_FRAME) {
        for (let y = first; y < z; y++) {
          const part = this.zones[y];
          const ps = Math.max(pfn, part.start);
          allocAtOwner(part)?.freeRun(ps, Math.min(end, part.end) - ps);
        }
        return NO_FRAME;
      }
    }
    this.#inFlight += count;
    // Owners with allocAt take runs back piecewise, so the run is tracked frame by frame here
    // (a direct zone's part by its owner).
    for (let z = first; z <= last; z++) {
      const zone = this.zones[z];
      const s = Math.max(pfn, zone.start);
      if (zone.direct === null) this._handed.setRun(s, Math.min(end, zone.end) - s);
    }
    return pfn;
  }

  // ---- freeing -------------------------------------------------------------------------

  free(pfn: Pfn): void {
    // The common case: a frame handed out through the fast paths (its bit in `_handedFlat`:
    // tested and cleared first, the one check, which also leaves `pfn` a whole frame number
    // below 2^32), of the single route's cache's zone, which that cache takes back, with no run
    // recorded whole there (the zone's tracker would have to be asked).
    const handed = this._handedFlat;
    if (handed?.tryClear(pfn)) {
      const frame = pfn >>> 0;
      const runs = this._cacheRuns;
      if (frame >= this._cacheStart && frame < this._cacheEnd && (runs === null || runs.size === 0)) {
        // The frame moves from the caller to the cache: `#inFlight` stays as it is.
        const cache = this._singleCache!;
        this._cacheAllocator!.free(frame);
        if (++cache.cached > cache.highFrames) this.#spillAbove(cache);
        return;
      }
      this.#releaseHanded(frame);
      return;
    }
    // One zone with frames, owned directly: its owner checks and frees (nothing else to ask).
    const sole = this._sole;
    if (sole !== null) {
      sole.free(pfn);
      this.#inFlight--;
      return;
    }
    this.#freeGeneral(pfn);
  }

  #freeGeneral(pfn: Pfn): void {
    const sole = this._sole;
    if (sole !== null) {
      sole.free(pfn);
      this.#inFlight--;
      return;
    }
    // The one check: a frame the router handed out from a zone with caches (tested and
    // cleared in one step; nothing after it can fail), or the direct zone owner's own.
    if (this.#allDirect || !this._handed.tryClear(pfn)) {
      const owner = this.#anyDirect ? this.#directOwner(pfn) : null;
      if (owner !== null) {
        owner.free(pfn);
        this.#inFlight--;
        return;
      }
      // A frame of a run recorded whole, where the owner takes part of it back: the run becomes
      // per-frame bits, and the frame is freed like any other.
      if (!this.#splitAt(pfn) || !this._handed.tryClear(pfn)) throw this.#freeFault('free', pfn, false);
    }
    this.#releaseHanded(pfn);
  }

  /** Frees `pfn`, a frame handed out from a zone with caches whose handed-out bit is cleared. */
  #releaseHanded(pfn: Pfn): void {
    const zone = this.zones[this.#zoneOf(pfn)];
    const runs = zone.wholeRuns;
    const tag = !zone.piecewise && runs !== null && runs.size > 0 ? runs.take(pfn, 1) : -1;
    this.#inFlight--;
    if (tag >= 0) {
      this.#returnWholeRun(zone.nodes[tag], pfn, 1);
      return;
    }
    // Straight to the zone's frame target, the front cache where there is one.
    this.#releaseFrame(zone, pfn);
  }

  freeMany(pfns: PfnArray, count: number): void {
    const sole = this._sole;
    if (sole !== null) {
      sole.freeMany(pfns, count);
      this.#inFlight -= count;
      return;
    }
    checkBatch('freeMany', pfns, count);
    if (count === 0) return;
    // The zone of the batch, when it lies in one (the common case).
    const zone = this.zones[this.#zoneOf(pfns[0])];
    const zoneStart = zone.start;
    const zoneEnd = zone.end;
    if (zone.direct !== null) {
      if (this.#within(pfns, count, zoneStart, zoneEnd)) {
        // A batch inside one direct zone: its owner checks it (duplicates too) and frees it.
        zone.direct.freeMany(pfns, count);
        this.#inFlight -= count;
      } else this.#freeManyAcross(pfns, count);
      return;
    }
    const handed = this._handed;
    // One pass: each frame's handed-out bit checked and cleared, neighbours in one word of the
    // zone at once (a frame listed twice finds its bit already clear), and whether the batch
    // stays in `zone`. On any error, or a frame of another zone where some zone is direct, the
    // bits cleared so far are set again first.
    let one = true;
    for (
      let i = handed.clearEachUntil(pfns, 0, count, zoneStart, zoneEnd);
      i < count;
      i = handed.clearEachUntil(pfns, i + 1, count, zoneStart, zoneEnd)
    ) {
      const pfn = pfns[i];
      if (i > 0 && !(pfn >= zoneStart && pfn < zoneEnd)) {
        if (this.#anyDirect) {
          // Across zones, some of them direct: checked there, before anything changes.
          for (let j = 0; j < i; j++) handed.set(pfns[j]);
          this.#freeManyAcross(pfns, count);
          return;
        }
        one = false;
      }
      if (!handed.tryClear(pfn) && !(this.#splitAt(pfn) && handed.tryClear(pfn))) {
        const error = this.#freeManyError(pfns, i);
        for (let j = 0; j < i; j++) handed.set(pfns[j]);
        // A batch that also leaves the zone, where some zone is direct, is checked there.
        if (this.#anyDirect && !this.#within(pfns, count, zoneStart, zoneEnd)) {
          this.#freeManyAcross(pfns, count);
          return;
        }
        throw error;
      }
    }
    if (one && (zone.piecewise || zone.wholeRuns === null || zone.wholeRuns.size === 0)) {
      // One zone, no whole runs to forget: one call on the zone's frame target.
      const target = zone.frameTarget!;
      target.allocator.freeMany(pfns, count);
      if (target.back !== null) this.#cacheGrew(target, count);
    } else {
      for (let i = 0; i < count; i++) this.#releaseChecked(pfns[i]);
    }
    this.#inFlight -= count;
  }

  /** True when `pfns[1 … count)` all lie in `[start, end)` (the first frame names the zone). */
  #within(pfns: PfnArray, count: number, start: number, end: number): boolean {
    for (let i = 1; i < count; i++) {
      const pfn = pfns[i];
      if (!(pfn >= start && pfn < end)) return false;
    }
    return true;
  }

  /**
   * A batch across zones, some of them direct: every frame is checked before any is freed
   * (a direct zone's frame must be allocated in its owner, whose `isFree` tells exactly,
   * since only owners that take any frame back piecewise, or the only zone, are direct;
   * duplicates are found with the handed-out bits of the other frames and a second pass).
   */
  #freeManyAcross(pfns: PfnArray, count: number): void {
    const handed = this._handed;
    let i = 0;
    let error: FrameError | undefined;
    for (; i < count; i++) {
      const pfn = pfns[i];
      const owner = this.#directOwner(pfn);
      if (owner !== null) {
        if (!Number.isInteger(pfn) || !this.space.isUsable(pfn) || owner.isFree(pfn)) break;
        // Marked in the handed-out bits for the duplicate check (a direct zone's frames have none).
        if (handed.test(pfn)) break;
        handed.set(pfn);
      } else if (!handed.tryClear(pfn) && !(this.#splitAt(pfn) && handed.tryClear(pfn))) break;
    }
    if (i < count) error = this.#freeManyError(pfns, i);
    // Undo the marks: direct frames lose theirs, the others get theirs back on error.
    for (let j = 0; j < i; j++) {
      const pfn = pfns[j];
      if (this.#directOwner(pfn) !== null) handed.clear(pfn);
      else if (error !== undefined) handed.set(pfn);
    }
    if (error !== undefined) throw error;
    for (let j = 0; j < count; j++) {
      const pfn = pfns[j];
      const owner = this.#directOwner(pfn);
      if (owner !== null) owner.free(pfn);
      else this.#releaseChecked(pfn);
    }
    this.#inFlight -= count;
  }

  /**
   * Frees one frame of a batch, already checked against the handed-out bits: a single frame a
   * zone handed out whole goes back to the strategy that served it, any other to the zone's
   * frame target.
   */
  #releaseChecked(pfn: Pfn): void {
    const zone = this.zones[this.#zoneOf(pfn)];
    if (!zone.piecewise && zone.wholeRuns !== null && zone.wholeRuns.countAt(pfn) === 1)
      this.#releaseWholeRun(zone, pfn, 1);
    else this.#releaseFrame(zone, pfn);
  }

  /** The owner of the direct zone holding `pfn`, or null (not a frame of the space, or a zone with caches). */
  #directOwner(pfn: Pfn): FrameAllocator | null {
    if (!(pfn >= 0 && pfn < this.space.frameCount)) return null;
    return this.zones[this.#zoneOf(pfn)].direct;
  }

  /** Why `pfns[i]` cannot be freed: listed earlier in the same call, or not handed out. */
  #freeManyError(pfns: PfnArray, i: number): FrameError {
    const pfn = pfns[i];
    for (let j = 0; j < i; j++) {
      if (pfns[j] === pfn) {
        return new FrameError('DOUBLE_FREE', `freeMany: frame ${pfn} is listed twice`, {
          op: 'freeMany',
          pfn,
          index: i,
        });
      }
    }
    // Returned, not thrown (freeError throws for a number that is not a frame), so the caller
    // can first undo what it marked.
    try {
      return this.#freeFault('freeMany', pfn, false);
    } catch (error) {
      if (error instanceof FrameError) return error;
      throw error;
    }
  }

  /** Why `pfn`, not handed out frame by frame, cannot be freed: inside a whole run, or freeError's reason. */
  #freeFault(op: string, pfn: Pfn, inRun: boolean): FrameError {
    if (Number.isSafeInteger(pfn) && pfn >= 0 && pfn < this.space.frameCount) {
      const zone = this.zones[this.#zoneOf(pfn)];
      if (!zone.piecewise && zone.wholeRuns?.covers(pfn)) return this.#wholeRunError(op, zone, pfn);
    }
    return freeError(op, this.space, pfn, inRun);
  }

  freeRun(pfn: Pfn, count: number): void {
    const sole = this._sole;
    if (sole !== null) {
      sole.freeRun(pfn, count);
      this.#inFlight -= count;
      return;
    }
    // A run within a direct lowest zone: its owner checks it (the arguments too) and frees it.
    const low = this.#lowDirect;
    if (low !== null && pfn >= 0 && pfn + count <= this.#lowDirectEnd) {
      low.freeRun(pfn, count);
      this.#inFlight -= count;
      return;
    }
    // A 2 MiB page handed out in the zone of the huge route's first choice goes back to it, as
    // the general path below would send it: found and forgotten in the tracker's lane, it is a
    // valid run.
    const first = this.#hugeFirst;
    if (
      count === FRAMES_PER_2MIB &&
      first !== null &&
      pfn >= this.#hugeStart &&
      pfn < this.#hugeEnd &&
      this.#hugeRuns!.take2m(pfn) >= 0
    ) {
      first.allocator.freeRun(pfn, FRAMES_PER_2MIB);
      if (first.back === null) this.#inFlight -= FRAMES_PER_2MIB;
      else {
        first.cached += FRAMES_PER_2MIB;
        if (first.cached > first.highFrames) this.#spillAbove(first);
      }
      return;
    }
    if (count === 1 && !this.#allDirect && this._handed.tryClear(pfn)) {
      // A frame the router handed out alone (or as a run of one): released as `free` would.
      this.#releaseChecked(pfn);
      this.#inFlight--;
      return;
    }
    if (count > 1 && this.#tracksRuns && pfn >= 0 && pfn < this.space.frameCount) {
      const zone = this.zones[this.#zoneOf(pfn)];
      if (
        zone.piecewise &&
        count <= BIT_RUN_FRAMES &&
        zone.direct === null &&
        pfn + count <= zone.end &&
        Number.isInteger(pfn) &&
        Number.isInteger(count) &&
        this._handed.tryClearRun(pfn, count)
      ) {
        // A short run kept as per-frame bits, every frame handed out (so none lies in a run
        // recorded whole), now cleared: freed like any run of its shape.
        this.#releasePiece(zone, pfn, count);
        this.#inFlight -= count;
        return;
      }
      // A run its zone handed out whole: checked and released in O(1). Found, it is a valid run
      // of this length (direct zones record none), so the argument checks would all pass.
      const tag = zone.wholeRuns !== null ? zone.wholeRuns.take(pfn, count) : -1;
      if (tag >= 0) {
        // Where the owner takes runs back piecewise, a whole run goes where any freed run of its
        // shape goes; otherwise back to the strategy that served it.
        if (zone.piecewise) this.#releasePiece(zone, pfn, count);
        else this.#returnWholeRun(zone.nodes[tag], pfn, count);
        this.#inFlight -= count;
        return;
      }
    }
    if (this.#anyDirect && pfn >= 0 && pfn < this.space.frameCount) {
      // A run that starts in a direct zone and does not pass its end: its owner checks it (the
      // arguments too, with the same checks) and frees it.
      const zone = this.zones[this.#zoneOf(pfn)];
      if (zone.direct !== null && pfn + count <= zone.end) {
        zone.direct.freeRun(pfn, count);
        this.#inFlight -= count;
        return;
      }
    }
    checkRun('freeRun', this.space, pfn, count);
    const end = pfn + count;
    const zones = this.zones;
    // A run across zones. Its parts in direct zones are checked by their owners' own `freeRun`
    // (a word at a time), which throws changing nothing: they are freed one by one, and a part
    // freed before a later refusal is claimed back with its owner's `allocAt` (the free frames
    // are then as they were). So every direct part but the one freed last needs an owner with
    // `allocAt` (the bitmap and the buddy have it); the last is the largest part whose owner has
    // none, else the largest part. Any other part whose owner has no `allocAt` (two such direct
    // zones in one run: no preset has even two direct zones) is checked first, with its owner's
    // `firstNotAllocated` (a word at a time), or a frame at a time with `isFree` where the owner
    // has neither (a plugin of the user's; every framekit owner that can be direct, the stack,
    // the bitmap and the buddy, has one or the other).
    let last = -1;
    if (this.#anyDirect) {
      let most = 0;
      let mostWithout = 0;
      let lastWithout = -1;
      for (let s = pfn, z = this.#zoneOf(pfn); s < end; s = zones[z++].end) {
        const direct = zones[z].direct;
        if (direct === null) continue;
        const c = Math.min(end, zones[z].end) - s;
        if (c > most) {
          last = z;
          most = c;
        }
        if (allocAtOwner(zones[z]) === undefined && c > mostWithout) {
          lastWithout = z;
          mostWithout = c;
        }
      }
      if (lastWithout >= 0) last = lastWithout;
    }
    // Nothing changes until every part but the direct ones is checked. A part in a zone with
    // caches: one word-at-a-time check that every frame is handed out (a hole or reserved frame
    // never is). On any failure the first fault is found and named as it always was (a hole,
    // else the lowest frame not handed out, else a run recorded whole that it cuts into).
    for (let s = pfn, z = this.#zoneOf(pfn); s < end; s = zones[z++].end) {
      const zone = zones[z];
      const c = Math.min(end, zone.end) - s;
      if (zone.direct === null) {
        // Runs recorded whole that this part cuts into become per-frame bits first.
        if (zone.piecewise) this.#splitRuns(zone, s, c);
        if (this._handed.firstClear(s, c) >= 0) this.#throwFreeRunFault(pfn, count);
      } else if (
        z !== last &&
        allocAtOwner(zone) === undefined &&
        this.#firstFreeIn(zone.direct, s, c) >= 0
      ) {
        this.#throwFreeRunFault(pfn, count);
      }
    }
    // A zone whose owner takes runs back only whole: a run must be one it handed out, or none of its frames may be in one.
    if (this.#tracksRuns) {
      for (let s = pfn, z = this.#zoneOf(pfn); s < end; s = zones[z++].end) {
        const zone = zones[z];
        const runs = zone.wholeRuns;
        const c = Math.min(end, zone.end) - s;
        if (!zone.piecewise && runs !== null && runs.countAt(s) !== c && runs.firstIn(s, c) >= 0) {
          this.#throwFreeRunFault(pfn, count);
        }
      }
    }
    if (last >= 0) this.#freeDirectParts(pfn, count, last);
    for (let s = pfn, z = this.#zoneOf(pfn); s < end; s = zones[z++].end) {
      const zone = zones[z];
      if (zone.direct === null) {
        const c = Math.min(end, zone.end) - s;
        this.#releasePart(zone, s, c);
        this._handed.clearRun(s, c);
      }
    }
    this.#inFlight -= count;
  }

  /**
   * Frees the direct zones' parts of `[pfn, pfn + count)` with their owners' `freeRun`: first
   * those whose owners have `allocAt`, then zone `last`'s, then any other (checked already).
   * When an owner refuses its part, the parts freed before are claimed back, and the refusal
   * is named as `freeRun`'s checks name it.
   */
  #freeDirectParts(pfn: Pfn, count: number, last: number): void {
    const zones = this.zones;
    const end = pfn + count;
    const first = this.#zoneOf(pfn);
    // Zones `first …` whose parts are freed so far (those with `allocAt`, up to `undoTo`).
    let undoTo = first;
    try {
      for (let s = pfn, z = first; s < end; s = zones[z++].end, undoTo = z) {
        const direct = zones[z].direct;
        if (direct !== null && z !== last && allocAtOwner(zones[z]) !== undefined)
          direct.freeRun(s, Math.min(end, zones[z].end) - s);
      }
      const lastStart = Math.max(pfn, zones[last].start);
      zones[last].direct!.freeRun(lastStart, Math.min(end, zones[last].end) - lastStart);
    } catch (error) {
      // Refused, and nothing changed in that zone: the parts freed before go back as they were.
      for (let s = pfn, z = first; z < undoTo; s = zones[z++].end) {
        const direct = zones[z].direct;
        if (direct !== null && z !== last && allocAtOwner(zones[z]) !== undefined) {
          const c = Math.min(end, zones[z].end) - s;
          if (direct.allocAt!(s, c) !== s)
            throw new Error(`router: could not claim back frames ${s}…${s + c - 1}`);
        }
      }
      if (error instanceof FrameError) this.#throwFreeRunFault(pfn, count, error);
      throw error;
    }
    for (let s = pfn, z = first; s < end; s = zones[z++].end) {
      const direct = zones[z].direct;
      if (direct !== null && z !== last && allocAtOwner(zones[z]) === undefined)
        direct.freeRun(s, Math.min(end, zones[z].end) - s);
    }
  }

  /** Frees `[start, start + count)`, all inside `zone` (a zone with caches) and all allocated. */
  #releasePart(zone: Zone, start: Pfn, count: number): void {
    if (zone.piecewise) {
      this.#releasePiece(zone, start, count);
      return;
    }
    const runs = zone.wholeRuns!;
    if (runs.countAt(start) === count) {
      this.#releaseWholeRun(zone, start, count);
      return;
    }
    // No frame of the part is in a whole run (checked): the owner takes it like any other run.
    if (count === 1) this.#releaseFrame(zone, start);
    else if (zone.frameTarget!.takesRuns) this.#give(zone.frameTarget!, start, count);
    else this.#releaseFrames(zone, start, count);
  }

  /**
   * Frees `[start, start + count)`, frames handed out one by one in a zone whose owner takes
   * runs back only whole, where `#releaseFrame` would send each of them, but a batch at a time
   * (`freeMany` from the scratch buffer, not a call per frame). A batch stops where a cache would
   * spill (one frame past its high mark) or, spilling one frame at a time, where it reaches its
   * high mark (every frame after that goes straight to what it sits over): the frames end up
   * where frame by frame would put them.
   */
  #releaseFrames(zone: Zone, start: Pfn, count: number): void {
    const target = zone.frameTarget!;
    const back = target.back;
    const end = start + count;
    let pfn = start;
    while (pfn < end) {
      const buf = this.#scratch;
      let node = target;
      let k = Math.min(buf.length, end - pfn);
      if (back !== null && target.batchFrames === 1) {
        if (target.cached >= target.highFrames) node = back;
        else k = Math.min(k, target.highFrames - target.cached);
      }
      if (node.back !== null) k = Math.min(k, Math.max(1, node.highFrames + 1 - node.cached));
      for (let i = 0; i < k; i++) buf[i] = pfn + i;
      node.allocator.freeMany(buf, k);
      if (node.back !== null) this.#cacheGrew(node, k);
      pfn += k;
    }
  }

  /** Frees `[start, start + count)` in a zone whose owner takes any allocated frames back. */
  #releasePiece(zone: Zone, start: Pfn, count: number): void {
    // Aligned, tested without `%` (fmod on a frame number read from a Float64Array).
    const aligned = Math.floor(start / FRAMES_PER_2MIB) * FRAMES_PER_2MIB === start;
    if (count === FRAMES_PER_2MIB && aligned && zone.hugeTarget !== null) {
      this.#give(zone.hugeTarget, start, count);
    } else if (count === 1) {
      this.#releaseFrame(zone, start);
    } else if (zone.frameTarget!.takesRuns) {
      this.#give(zone.frameTarget!, start, count);
    } else {
      this.#give(zone.nodes[0], start, count);
    }
  }

  /** Where `pfn` lies in a run recorded whole in a piecewise zone, turns that run into per-frame bits. */
  #splitAt(pfn: Pfn): boolean {
    if (!(Number.isSafeInteger(pfn) && pfn >= 0 && pfn < this.space.frameCount)) return false;
    return this.#splitRuns(this.zones[this.#zoneOf(pfn)], pfn, 1);
  }

  /**
   * Turns every run recorded whole in `zone` that has a frame in `[start, start + count)` into
   * per-frame handed-out bits (a word at a time), when the zone's owner takes runs back
   * piecewise; true when any did. Nothing observable changes: the frames stay handed out.
   */
  #splitRuns(zone: Zone, start: Pfn, count: number): boolean {
    const runs = zone.wholeRuns;
    if (runs === null || !zone.piecewise || runs.size === 0) return false;
    let split = false;
    for (let at = runs.firstIn(start, count); at >= 0; at = runs.firstIn(start, count)) {
      const runStart = runs.startOf(at);
      const runCount = runs.countAt(runStart);
      runs.remove(runStart);
      this._handed.setRun(runStart, runCount);
      split = true;
    }
    return split;
  }

  /** A run the zone handed out whole goes back to the strategy that served it. */
  #releaseWholeRun(zone: Zone, start: Pfn, count: number): void {
    const runs = zone.wholeRuns!;
    const node = zone.nodes[runs.tagAt(start)];
    runs.remove(start);
    this.#returnWholeRun(node, start, count);
  }

  /** A whole run (already forgotten by its zone's tracker) back to `node`, which served it. */
  #returnWholeRun(node: StrategyNode, start: Pfn, count: number): void {
    if (count === 1) {
      node.allocator.free(start);
      if (node.back !== null) this.#cacheGrew(node, 1);
    } else this.#give(node, start, count);
  }

  /** A freed frame goes to its zone's frame target: the front cache, where there is one. */
  #releaseFrame(zone: Zone, pfn: Pfn): void {
    const target = zone.frameTarget!;
    const back = target.back;
    if (back !== null && target.batchFrames === 1 && target.cached >= target.highFrames) {
      // A cache at its high mark that spills one frame at a time would take this frame and give
      // the same one straight back (the last in is the first out): it goes back at once.
      back.allocator.free(pfn);
      if (back.back !== null) this.#cacheGrew(back, 1);
      return;
    }
    target.allocator.free(pfn);
    if (back !== null) this.#cacheGrew(target, 1);
  }

  #give(node: StrategyNode, start: Pfn, count: number): void {
    node.allocator.freeRun(start, count);
    if (node.back !== null) this.#cacheGrew(node, count);
  }

  #cacheGrew(node: StrategyNode, frames: number): void {
    this.#addCached(node, frames);
    if (node.cached > node.highFrames) this.#spillAbove(node);
  }

  /** Spills `node` in batches until it is at or below its high mark (or cannot spill). */
  #spillAbove(node: StrategyNode): void {
    while (node.cached > node.highFrames) {
      const before = node.cached;
      this.#spill(node);
      if (node.cached === before) break;
    }
  }

  /** Gives a batch back to what `node` sits over (like a per-CPU list above its high mark). */
  #spill(node: StrategyNode): void {
    const back = node.back!;
    if (node.holdsBlocks) {
      let moved = 0;
      while (moved < node.batchFrames && node.cached >= FRAMES_PER_2MIB) {
        const pfn = node.allocator.allocRun(FRAMES_PER_2MIB, HUGE_OPTIONS);
        if (pfn === NO_FRAME) break;
        this.#addCached(node, -FRAMES_PER_2MIB);
        moved += FRAMES_PER_2MIB;
        back.allocator.freeRun(pfn, FRAMES_PER_2MIB);
        if (back.back !== null) this.#addCached(back, FRAMES_PER_2MIB);
      }
    } else {
      const k = Math.min(node.batchFrames, node.cached);
      if (!node.allocator.allocMany(node.buffer, k)) return;
      this.#addCached(node, -k);
      back.allocator.freeMany(node.buffer, k);
      if (back.back !== null) this.#addCached(back, k);
    }
    if (back.back !== null && back.cached > back.highFrames) this.#spill(back);
  }

  // ---- caches --------------------------------------------------------------------------

  cachedFrames(): number {
    let n = 0;
    for (const zone of this.zones) for (const node of zone.fronts) n += node.cached;
    return n;
  }

  drainCaches(): number {
    const before = this.cachedFrames();
    this.#drain(Number.POSITIVE_INFINITY, 1);
    return before;
  }

  /**
   * Empties every cache of the zones that could serve a request of `count` frames below
   * `below` into what it sits over, farthest first, so that the owners see all free frames
   * (as Linux drains per-CPU lists when an allocation fails). True when anything moved.
   */
  #drain(below: number, count: number): boolean {
    if (!this.#hasCaches) return false;
    let moved = false;
    for (const zone of this.zones) {
      if (zone.frames === 0 || zone.firstFrame + count > below) continue;
      for (const node of zone.fronts) {
        if (node.cached > 0) {
          this.#empty(node);
          moved = true;
        }
      }
    }
    return moved;
  }

  #empty(node: StrategyNode): void {
    const back = node.back!;
    if (node.holdsBlocks) {
      while (node.cached >= FRAMES_PER_2MIB) {
        const pfn = node.allocator.allocRun(FRAMES_PER_2MIB, HUGE_OPTIONS);
        if (pfn === NO_FRAME) break;
        this.#addCached(node, -FRAMES_PER_2MIB);
        back.allocator.freeRun(pfn, FRAMES_PER_2MIB);
        if (back.back !== null) this.#addCached(back, FRAMES_PER_2MIB);
      }
      return;
    }
    const buf = node.buffer;
    while (node.cached > 0) {
      const k = Math.min(node.cached, buf.length);
      if (!node.allocator.allocMany(buf, k)) break;
      this.#addCached(node, -k);
      back.allocator.freeMany(buf, k);
      if (back.back !== null) this.#addCached(back, k);
    }
  }

  // ---- queries -------------------------------------------------------------------------

  isFree(pfn: Pfn): boolean {
    if (!(pfn >= 0 && pfn < this.space.frameCount) || !Number.isInteger(pfn)) return false;
    const direct = this.zones[this.#zoneOf(pfn)].direct;
    if (direct !== null) return direct.isFree(pfn);
    if (this._handed.test(pfn) || !this.space.isUsable(pfn)) return false;
    return !(this.#tracksRuns && this.zones[this.#zoneOf(pfn)].wholeRuns?.covers(pfn));
  }

  stats(): AllocatorStats {
    let metadataBytes = this.#ends.byteLength + this.#scratch.byteLength + this._handed.bytes();
    for (const zone of this.zones) {
      for (const node of zone.nodes)
        metadataBytes += node.allocator.stats().metadataBytes + node.buffer.byteLength;
      if (zone.wholeRuns !== null) metadataBytes += zone.wholeRuns.bytes();
    }
    return {
      totalFrames: this.#total,
      freeFrames: this.#total - this.#usedFrames(),
      usedFrames: this.#usedFrames(),
      metadataBytes,
    };
  }

  /** Maximal free runs in ascending order, cached frames included (the union over every strategy). */
  forEachFreeRun(visit: (start: Pfn, count: number) => void): void {
    const starts: number[] = [];
    const counts: number[] = [];
    const add = (start: Pfn, count: number) => {
      starts.push(start);
      counts.push(count);
    };
    for (const zone of this.zones) {
      for (const node of zone.nodes) {
        if (node.allocator.forEachFreeRun !== undefined) node.allocator.forEachFreeRun(add);
        else scanFree(node.allocator, zone.ranges, add);
      }
    }
    const order = starts.map((_, i) => i).sort((a, b) => starts[a] - starts[b]);
    let runStart = -1;
    let runEnd = -1;
    for (const i of order) {
      if (starts[i] === runEnd) runEnd += counts[i];
      else {
        if (runEnd > runStart) visit(runStart, runEnd - runStart);
        runStart = starts[i];
        runEnd = starts[i] + counts[i];
      }
    }
    if (runEnd > runStart) visit(runStart, runEnd - runStart);
  }

  explain(request: RouterRequest): Explanation {
    return explainRequest(this, request, this.#total - this.#usedFrames());
  }

  // ---- helpers -------------------------------------------------------------------------

  /**
   * True when at least `count` frames are free: `total - #inFlight` (a lower bound of the free
   * frames) first, the exact count (a loop over the caches) only when that falls short.
   */
  #hasFree(count: number): boolean {
    return count <= this.#total - this.#inFlight || count <= this.#total - this.#usedFrames();
  }

  /** Frames handed out: `#inFlight` less what the caches hold (a loop over them). */
  #usedFrames(): number {
    let used = this.#inFlight;
    const caches = this.#caches;
    for (let i = 0; i < caches.length; i++) used -= caches[i].cached;
    return used;
  }

  /** `delta` frames into (or, negative, out of) the cache `node`, counted in `#inFlight` too. */
  #addCached(node: StrategyNode, delta: number): void {
    node.cached += delta;
    this.#inFlight += delta;
  }

  #zoneOf(pfn: Pfn): number {
    const ends = this.#ends;
    let i = 0;
    while (pfn >= ends[i]) i++;
    return i;
  }

  /**
   * The first frame of `[start, start + count)` that is a hole or free in `owner`, or -1: the
   * owner's `firstNotAllocated` (a word at a time) where it has one, else a frame at a time.
   */
  #firstFreeIn(owner: FrameAllocator, start: Pfn, count: number): Pfn {
    if (owner.firstNotAllocated !== undefined) return owner.firstNotAllocated(start, count);
    for (let i = start; i < start + count; i++) {
      if (!this.space.isUsable(i) || owner.isFree(i)) return i;
    }
    return -1;
  }

  /**
   * Throws why `freeRun(pfn, count)` is refused, found part by part as a frame-by-frame check
   * finds it: a hole or reserved frame (`NOT_USABLE`), else the lowest frame not handed out
   * (`NOT_ALLOCATED`), else a run recorded whole that it cuts into (`NOT_ALLOCATED`); `otherwise`
   * (a direct owner's own refusal) when it finds none. Only on the way to an error, so it asks a
   * direct zone's owner frame by frame. Changes nothing observable.
   */
  #throwFreeRunFault(pfn: Pfn, count: number, otherwise?: FrameError): never {
    const end = pfn + count;
    const zones = this.zones;
    for (let s = pfn, z = this.#zoneOf(pfn); s < end; s = zones[z++].end) {
      const zone = zones[z];
      const c = Math.min(end, zone.end) - s;
      let missing: Pfn;
      if (zone.direct === null) {
        if (zone.piecewise) this.#splitRuns(zone, s, c);
        missing = this._handed.firstClear(s, c);
      } else missing = this.#firstFreeIn(zone.direct, s, c);
      if (missing >= 0) {
        this.#checkUsable(pfn, count);
        throw this.#freeFault('freeRun', missing, true);
      }
    }
    for (let s = pfn, z = this.#zoneOf(pfn); s < end; s = zones[z++].end) {
      const zone = zones[z];
      const runs = zone.wholeRuns;
      const c = Math.min(end, zone.end) - s;
      if (!zone.piecewise && runs !== null && runs.countAt(s) !== c) {
        const at = runs.firstIn(s, c);
        if (at >= 0) throw this.#wholeRunError('freeRun', zone, at);
      }
    }
    throw (
      otherwise ??
      new FrameError('NOT_ALLOCATED', `freeRun: [${pfn}, ${end}) cannot be freed as one run`, {
        op: 'freeRun',
        pfn,
        count,
      })
    );
  }

  /** Throws `NOT_USABLE` for the first frame of the run that is a hole or reserved. */
  #checkUsable(pfn: Pfn, count: number): void {
    const ranges = this.space.ranges;
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (ranges[mid].start <= pfn) lo = mid + 1;
      else hi = mid - 1;
    }
    const r = ranges[hi];
    if (r !== undefined && pfn + count <= r.start + r.count) return;
    for (let i = pfn; i < pfn + count; i++) {
      if (!this.space.isUsable(i)) throw freeError('freeRun', this.space, i, true);
    }
  }

  #wholeRunError(op: string, zone: Zone, pfn: Pfn): FrameError {
    const runs = zone.wholeRuns!;
    const start = runs.startOf(pfn);
    const count = runs.countAt(start);
    const owner = zone.nodes[runs.tagAt(start)];
    return new FrameError(
      'NOT_ALLOCATED',
      `${op}: frame ${pfn} is inside the run [${start}, ${start + count}) that ${owner.id} in zone ${zone.name} takes back only whole: freeRun(${start}, ${count})`,
      { op, pfn, runStart: start, runCount: count },
    );
  }
}

/** The allocator that owns `zone`'s frames, when it can claim runs with `allocAt` and takes any run back piecewise. */
function allocAtOwner(zone: Zone): FrameAllocator | undefined {
  const owner = zone.nodes.find((n) => n.back === null)?.allocator;
  return owner?.capabilities.allocAt === true && zone.piecewise ? owner : undefined;
}

/** The router offers `allocAt` when every zone with frames has an owner that does. */
function withAllocAt(caps: AllocatorCapabilities, zones: readonly Zone[]): AllocatorCapabilities {
  const all = zones.every((z) => z.frames === 0 || allocAtOwner(z) !== undefined);
  return all ? Object.freeze({ ...caps, allocAt: true }) : caps;
}

function alignOnly(align: number): RunOptions | undefined {
  if (align === 1) return undefined;
  return align === FRAMES_PER_2MIB ? HUGE_OPTIONS : { align };
}

/** Free runs of `allocator` inside `ranges`, found with `isFree` (for strategies without a free-run iterator). */
export function scanFree(
  allocator: FrameAllocator,
  ranges: readonly FrameRange[],
  visit: (start: Pfn, count: number) => void,
): void {
  for (const r of ranges) {
    let runStart = -1;
    for (let pfn = r.start; pfn < r.start + r.count; pfn++) {
      if (allocator.isFree(pfn)) {
        if (runStart < 0) runStart = pfn;
      } else if (runStart >= 0) {
        visit(runStart, pfn - runStart);
        runStart = -1;
      }
    }
    if (runStart >= 0) visit(runStart, r.start + r.count - runStart);
  }
}
