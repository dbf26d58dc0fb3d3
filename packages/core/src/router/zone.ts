import type { AllocatorCapabilities, FrameAllocator, FrameRange, FrameSpace, RunOptions } from '../api';
import { NO_FRAME } from '../api';
import { validateOptions } from '../options';
import { WholeRunTracker } from '../per-frame/whole-runs';
import type { AllocatorPlugin } from '../plugin';
import { FRAMES_PER_2MIB } from '../units';
import type { ResolvedRouterConfig, ResolvedStrategy, ResolvedZone } from './resolve';

/** `allocRun` options of a 2 MiB block; shared so hot paths make no objects. */
export const HUGE_OPTIONS: RunOptions = Object.freeze({ align: FRAMES_PER_2MIB });

/** A strategy instance of a zone, as the router sees it. */
export interface RouterStrategy {
  readonly id: string;
  readonly plugin: string;
  readonly zone: string;
  /** The instance, created by `plugin.create(space, zoneRanges, options)`. Look, do not touch. */
  readonly allocator: FrameAllocator;
  /** The id of the strategy this cache refills from and spills to; `null` for the zone's owner. */
  readonly over: string | null;
  readonly holds: 'frames' | '2mib';
  /** Frames this cache holds now (always 0 for the owner, whose free frames are its own). */
  readonly cachedFrames: number;
}

/** A zone as the router sees it. */
export interface RouterZone {
  readonly name: string;
  readonly start: number;
  /** Exclusive; `Infinity` for the last zone. */
  readonly end: number;
  /** The usable frames of the space inside `[start, end)`. */
  readonly ranges: readonly FrameRange[];
  readonly frames: number;
  /** The owner first, then the caches (nearest first); empty when the zone has no usable frames. */
  readonly strategies: readonly RouterStrategy[];
}

export class StrategyNode implements RouterStrategy {
  readonly id: string;
  readonly plugin: string;
  readonly zone: string;
  readonly allocator: FrameAllocator;
  readonly caps: AllocatorCapabilities;
  /** Position in its zone's `nodes`. */
  readonly index: number = 0;
  readonly zoneRef: Zone;
  back: StrategyNode | null = null;
  readonly holds: 'frames' | '2mib';
  readonly holdsBlocks: boolean = false;
  /** Serves only 2 MiB runs: a 2 MiB cache, or a plugin whose runs are 'huge'. */
  readonly onlyHuge: boolean = false;
  /** Frames per refill or spill. */
  readonly batchFrames: number = 0;
  /** Frames above which the cache spills. */
  readonly highFrames: number = 0;
  readonly depth: number = 0;
  /** Frames cached here now (caches only). */
  cached = 0;
  /** Takes the frames of freed runs too (a frame cache with `takeFreedRuns`). */
  readonly takesRuns: boolean = false;
  /** Refill and spill buffer (frame caches only). */
  readonly buffer: Float64Array = new Float64Array(0);
  /** Made by the plugin's `createEmpty`: nothing to take out at start. */
  readonly bornEmpty: boolean = false;

  /** `checked`: the router checks every free of this zone (it has caches), so the strategy may skip its own checks. */
  constructor(zone: Zone, index: number, resolved: ResolvedStrategy, space: FrameSpace, checked: boolean) {
    this.id = resolved.id;
    this.plugin = resolved.plugin.name;
    this.zone = zone.name;
    this.zoneRef = zone;
    this.index = index;
    // A cache starts empty: straight away when its plugin can, else by taking every frame (startEmpty).
    const plugin = resolved.plugin;
    this.bornEmpty = resolved.over !== undefined && plugin.createEmpty !== undefined;
    // In a zone with caches the router checks every free against its own records (handed-out
    // bits, runs recorded whole), so each strategy it creates there, caches and owner, is made
    // `trusted` (no validity checks of its own) where the plugin's options offer that and the
    // config does not say otherwise: one check per operation, not one per layer. A direct
    // zone's owner (the zone's only strategy) keeps its checks: they are the one check there.
    const options = checked ? trustedOptions(plugin, resolved.options) : resolved.options;
    this.allocator = this.bornEmpty
      ? plugin.createEmpty!(space, zone.ranges, options)
      : plugin.create(space, zone.ranges, options);
    this.caps = this.allocator.capabilities;
    this.holds = resolved.holds;
    this.holdsBlocks = resolved.holds === '2mib';
    this.onlyHuge = this.holdsBlocks || this.caps.runs === 'huge';
    const unit = this.holdsBlocks ? FRAMES_PER_2MIB : 1;
    this.batchFrames = resolved.batch * unit;
    this.highFrames = resolved.high * unit;
    this.depth = resolved.depth;
    this.takesRuns = resolved.takeFreedRuns && resolved.over !== undefined;
    this.buffer = new Float64Array(resolved.over === undefined || this.holdsBlocks ? 0 : resolved.batch);
  }

  get over(): string | null {
    return this.back === null ? null : this.back.id;
  }

  get cachedFrames(): number {
    return this.cached;
  }

  /** A cache starts empty: every frame of its instance is taken, so that it holds only what it is given. */
  startEmpty(): void {
    this.cached = 0;
    if (this.bornEmpty) return;
    const a = this.allocator;
    if (this.holdsBlocks) {
      while (a.allocRun(FRAMES_PER_2MIB, HUGE_OPTIONS) !== NO_FRAME) {}
    } else {
      const chunk = new Float64Array(4096);
      while (a.allocMany(chunk, chunk.length)) {}
    }
    while (a.alloc() !== NO_FRAME) {}
  }
}

/** `options` plus `trusted: true`, when the plugin's schema accepts it and the config left it unset. */
function trustedOptions(
  plugin: AllocatorPlugin,
  options: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (options !== undefined && 'trusted' in options) return options;
  const withTrust = { ...options, trusted: true };
  return validateOptions(plugin.options, withTrust).success ? withTrust : options;
}

/**
 * Frames the router's per-frame bits (handed-out frames, run starts) keep in one flat array: every frame up to the last usable one when
 * usable frames fill at least half of that span (at most 0.25 B per usable frame), else none
 * (lazily made chunks, for a sparse space).
 */
export function flatFramesFor(space: FrameSpace): number {
  const span = usableEnd(space);
  return span > 0 && span / 2 <= space.usableFrames ? span : 0;
}

/** One past the last usable frame of `space` (0 when it has none). */
export function usableEnd(space: FrameSpace): number {
  const last = space.ranges.at(-1);
  return last === undefined ? 0 : last.start + last.count;
}

/** Usable ranges of `space` clipped to `[start, end)`. */
export function clipRanges(ranges: readonly FrameRange[], start: number, end: number): FrameRange[] {
  const out: FrameRange[] = [];
  for (const r of ranges) {
    const s = Math.max(r.start, start);
    const e = Math.min(r.start + r.count, end);
    if (e > s) out.push({ start: s, count: e - s });
  }
  return out;
}

export class Zone implements RouterZone {
  readonly name: string;
  readonly index: number = 0;
  readonly start: number = 0;
  readonly end: number = 0;
  readonly ranges: readonly FrameRange[];
  readonly frames: number = 0;
  /** First usable frame and the frame after the last one (0, 0 when empty). */
  readonly firstFrame: number = 0;
  readonly endFrame: number = 0;
  readonly nodes: readonly StrategyNode[];
  /** Caches, farthest from the owner first: the order to drain them in. */
  readonly fronts: readonly StrategyNode[];
  /** Where a freed single frame goes: the single route's first choice in this zone, else the owner. */
  readonly frameTarget: StrategyNode | null;
  /** Where a freed 2 MiB block goes when the huge route's first choice here is a 2 MiB cache. */
  readonly hugeTarget: StrategyNode | null;
  /**
   * Runs longer than one frame handed out whole, recorded whole (O(1) per run, never frame by
   * frame); in a zone whose owner takes runs back only whole, single frames of runs too. Every
   * zone with caches has one; a direct zone leaves this to its owner.
   */
  readonly wholeRuns: WholeRunTracker | null;
  /**
   * The owner takes any allocated frame back alone (`freeRunPiecewise`): freeing part of a
   * recorded run turns that run into per-frame bits first; otherwise it is `NOT_ALLOCATED`.
   */
  readonly piecewise: boolean = false;
  /**
   * The zone is its owner alone (no cache in front of it): every frame handed out here came
   * from the owner, so the owner's own checks are the one check of a free, and the router
   * keeps no bits for this zone. `null` when the zone has caches or no frames, or when its
   * owner takes runs back only whole and other zones have frames too.
   */
  readonly direct: FrameAllocator | null;

  constructor(space: FrameSpace, config: ResolvedRouterConfig, index: number) {
    const resolved: ResolvedZone = config.zones[index];
    this.name = resolved.name;
    this.index = index;
    this.start = resolved.start;
    this.end = resolved.end;
    this.ranges = clipRanges(space.ranges, resolved.start, resolved.end);
    this.frames = this.ranges.reduce((n, r) => n + r.count, 0);
    const last = this.ranges[this.ranges.length - 1];
    this.firstFrame = this.frames === 0 ? 0 : this.ranges[0].start;
    this.endFrame = this.frames === 0 ? 0 : last.start + last.count;
    if (this.frames === 0) {
      this.nodes = [];
      this.fronts = [];
      this.frameTarget = null;
      this.hugeTarget = null;
      this.wholeRuns = null;
      this.direct = null;
      this.piecewise = true;
      return;
    }
    // Direct (below) exactly when the owner is alone and takes any allocated frame back alone,
    // or no other zone has frames; decided here from the plugin before anything is created.
    const first = resolved.strategies[0];
    const alone = this.frames === space.usableFrames;
    const checked =
      resolved.strategies.length > 1 || !(first.plugin.capabilities.freeRunPiecewise === true || alone);
    const nodes = resolved.strategies.map((s, i) => new StrategyNode(this, i, s, space, checked));
    resolved.strategies.forEach((s, i) => {
      if (s.over !== undefined) nodes[i].back = nodes.find((n) => n.id === s.over)!;
    });
    this.nodes = nodes;
    this.fronts = nodes.filter((n) => n.back !== null).sort((a, b) => b.depth - a.depth);
    for (const front of this.fronts) front.startEmpty();
    const byId = (id: string | undefined) => nodes.find((n) => n.id === id);
    const singleFirst = config.routes.single?.use.find((id) => byId(id) !== undefined);
    const single = byId(singleFirst);
    this.frameTarget = single !== undefined && !single.holdsBlocks ? single : nodes[0];
    const hugeFirst = config.routes.huge?.use.find((id) => byId(id) !== undefined);
    const huge = byId(hugeFirst);
    this.hugeTarget = huge?.holdsBlocks ? huge : null;
    // Direct only where the router can still check a batch or run across zones before freeing
    // any of it: the owner takes any allocated frame back alone (its `isFree` says exactly
    // which are allocated), or no other zone has frames.
    const owner = nodes[0];
    this.direct = checked ? null : owner.allocator;
    this.piecewise = owner.caps.freeRunPiecewise === true;
    // Its runs all start below the zone's last usable frame: flat bits and 2 MiB lane up to there.
    this.wholeRuns =
      this.direct !== null ? null : new WholeRunTracker(Math.min(flatFramesFor(space), this.endFrame));
  }

  get strategies(): readonly RouterStrategy[] {
    return this.nodes;
  }

  node(id: string): StrategyNode | undefined {
    return this.nodes.find((n) => n.id === id);
  }
}
