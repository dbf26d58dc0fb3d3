import type { AllocatorCapabilities, FrameAllocator, Pfn } from '../api';
import { checkCount, readAlign, readBelow } from '../checks';
import { FrameError } from '../errors';
import { FRAMES_PER_2MIB } from '../units';
import type { RouteKey } from './config';
import type { ResolvedRouterConfig } from './resolve';
import type { StrategyNode, Zone } from './zone';

/** A request to explain: the call it stands for and its arguments. */
export type RouterRequest =
  | { readonly op: 'alloc' }
  | { readonly op: 'allocMany'; readonly count: number }
  | { readonly op: 'allocRun'; readonly count: number; readonly align?: number; readonly below?: number };

/** One strategy the route would consider, and what would happen there. */
export interface ExplainStep {
  readonly zone: string;
  readonly strategy: string;
  readonly plugin: string;
  readonly role: 'owner' | 'cache';
  /**
   * `serves`: the first that would succeed; `fallback`: could serve if those before it could
   * not; `empty`: tried, but has nothing that fits; `skipped`: not tried, and `reason` says why.
   */
  readonly verdict: 'serves' | 'fallback' | 'empty' | 'skipped';
  readonly reason: string;
}

export interface Explanation {
  readonly request: RouterRequest;
  /** The request's shape. */
  readonly shape: 'single' | 'batch' | 'run' | 'huge';
  /** The route it takes (`null`: none serves it, the call throws `UNSUPPORTED`). */
  readonly route: RouteKey | null;
  /** Zone names in the order the route tries them. */
  readonly zoneOrder: readonly string[];
  /** The zone and strategy that would serve it, or `null` when it would fail. */
  readonly zone: string | null;
  readonly strategy: string | null;
  /** True when the router would first drain the caches (nothing fits until they give their frames back). */
  readonly drainsCaches: boolean;
  readonly steps: readonly ExplainStep[];
  /** The answer in one sentence. */
  readonly reason: string;
}

/** `; <detail>` when the owner `node` can say where a single frame would come from (a buddy names the order). */
function howOwner(node: StrategyNode): string {
  const explainRun = node.allocator.explainRun;
  if (explainRun === undefined) return '';
  const own = explainRun.call(node.allocator, 1);
  return own.at < 0 ? '' : `; it takes ${own.detail}`;
}

/** What `explain` reads of a router. */
export interface RouterInternals {
  readonly name: string;
  readonly capabilities: AllocatorCapabilities;
  readonly config: ResolvedRouterConfig;
  readonly zones: readonly Zone[];
  readonly routes: Readonly<Record<RouteKey, readonly StrategyNode[] | null>>;
}

interface FreeRuns {
  readonly starts: number[];
  readonly counts: number[];
}

function freeRunsOf(allocator: FrameAllocator, zone: Zone): FreeRuns {
  const runs: FreeRuns = { starts: [], counts: [] };
  const add = (start: Pfn, count: number) => {
    runs.starts.push(start);
    runs.counts.push(count);
  };
  if (allocator.forEachFreeRun !== undefined) allocator.forEachFreeRun(add);
  else {
    for (const r of zone.ranges) {
      let from = -1;
      for (let pfn = r.start; pfn <= r.start + r.count; pfn++) {
        const free = pfn < r.start + r.count && allocator.isFree(pfn);
        if (free && from < 0) from = pfn;
        if (!free && from >= 0) {
          add(from, pfn - from);
          from = -1;
        }
      }
    }
  }
  return runs;
}

/** Free runs of a whole zone, counting cached frames (what the owner would see after a drain). */
function zoneFreeRuns(zone: Zone): FreeRuns {
  const pairs: [number, number][] = [];
  for (const node of zone.nodes) {
    const r = freeRunsOf(node.allocator, zone);
    for (let i = 0; i < r.starts.length; i++) pairs.push([r.starts[i], r.counts[i]]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  const out: FreeRuns = { starts: [], counts: [] };
  for (const [s, c] of pairs) {
    const last = out.starts.length - 1;
    if (last >= 0 && out.starts[last] + out.counts[last] === s) out.counts[last] += c;
    else {
      out.starts.push(s);
      out.counts.push(c);
    }
  }
  return out;
}

/** The lowest fitting start in `runs`, or -1. */
function firstFit(runs: FreeRuns, count: number, align: number, below: number): number {
  for (let i = 0; i < runs.starts.length; i++) {
    const start = Math.ceil(runs.starts[i] / align) * align;
    if (start + count > below) return -1;
    if (start + count <= runs.starts[i] + runs.counts[i]) return start;
  }
  return -1;
}

function freeCount(runs: FreeRuns): number {
  return runs.counts.reduce((n, c) => n + c, 0);
}

/** Frames `node` can give one at a time: its own, and for a cache, what a refill can bring. */
function reachable(node: StrategyNode): number {
  const own = freeCount(freeRunsOf(node.allocator, node.zoneRef));
  return node.back === null || node.back.holdsBlocks ? own : own + reachable(node.back);
}

function describe(request: RouterRequest): string {
  switch (request.op) {
    case 'alloc':
      return 'alloc()';
    case 'allocMany':
      return `allocMany(${request.count})`;
    case 'allocRun': {
      const opts = [
        request.align === undefined ? '' : `align: ${request.align}`,
        request.below === undefined ? '' : `below: ${request.below}`,
      ].filter(Boolean);
      return `allocRun(${request.count}${opts.length > 0 ? `, { ${opts.join(', ')} }` : ''})`;
    }
  }
}

// Requests come from UIs and JSON too, where the type system does not reach.
function checkOp(request: unknown): asserts request is RouterRequest {
  const op = (request as { op?: unknown } | null)?.op;
  if (op === 'alloc' || op === 'allocMany' || op === 'allocRun') return;
  throw new FrameError(
    'INVALID_REQUEST',
    `explain: request.op must be 'alloc', 'allocMany' or 'allocRun', got ${JSON.stringify(op) ?? 'undefined'}`,
    { op: String(op) },
  );
}

function orderText(router: RouterInternals, key: RouteKey): string {
  const route = router.config.routes[key]!;
  if (route.order === 'highest-first')
    return 'highest suitable zone first, as Linux falls back from zone to zone';
  if (route.order === 'lowest-first') return 'lowest zone first, as configured';
  return 'zones in the configured order';
}

/**
 * Which zone, route and strategy would serve `request`, and why, computed from the
 * strategies' free frames without changing anything. Assumes each strategy finds a fitting
 * run whenever it has one (as the conformance kit requires).
 */
export function explainRequest(
  router: RouterInternals,
  request: RouterRequest,
  freeFrames: number,
): Explanation {
  checkOp(request);
  const what = describe(request);
  const steps: ExplainStep[] = [];
  let served: StrategyNode | null = null;
  const base = (node: StrategyNode) => ({
    zone: node.zone,
    strategy: node.id,
    plugin: node.plugin,
    role: node.back === null ? ('owner' as const) : ('cache' as const),
  });
  const zoneOrderOf = (key: RouteKey) => router.config.routes[key]!.zones.map((z) => router.zones[z].name);
  const answer = (
    shape: Explanation['shape'],
    route: RouteKey | null,
    reason: string,
    drainsCaches = false,
  ): Explanation => ({
    request,
    shape,
    route,
    zoneOrder: route === null ? [] : zoneOrderOf(route),
    zone: served?.zone ?? null,
    strategy: served?.id ?? null,
    drainsCaches,
    steps,
    reason,
  });

  if (request.op === 'alloc' || request.op === 'allocMany') {
    const shape = request.op === 'alloc' ? 'single' : 'batch';
    const key: RouteKey = shape;
    const count = request.op === 'alloc' ? 1 : request.count;
    if (request.op === 'allocMany') checkCount('explain', count, 0);
    const route = router.routes[key] ?? [];
    if (count > freeFrames) {
      return answer(
        shape,
        key,
        `${what}: only ${freeFrames} frames are free, so it returns ${request.op === 'alloc' ? 'NO_FRAME' : 'false and hands out nothing'}`,
      );
    }
    let needed = count;
    for (const node of route) {
      const cached = node.back === null ? 0 : node.cached;
      const total = reachable(node);
      let reason: string;
      if (total === 0)
        reason =
          node.back === null ? 'no free frames' : `empty, and '${node.back.id}' under it has no free frames`;
      else if (node.back === null) reason = `owns ${total} free frames in zone ${node.zone}${howOwner(node)}`;
      else if (cached > 0)
        reason = `holds ${cached} cached frames${total > cached ? `, and refills from '${node.back.id}' (${total - cached} more)` : ''}`;
      else
        reason = `empty; refills a batch from '${node.back.id}' (${total} free there)${howOwner(node.back)}`;
      const verdict = total === 0 ? 'empty' : needed > 0 ? 'serves' : 'fallback';
      if (verdict === 'serves' && served === null) served = node;
      needed -= Math.min(needed, total);
      steps.push({ ...base(node), verdict, reason });
    }
    if (served === null || needed > 0) {
      served = null;
      for (const zoneIndex of router.config.routes[key]!.zones) {
        const zone = router.zones[zoneIndex];
        const first = route.find((n) => n.zoneRef === zone);
        if (first !== undefined && zone.fronts.some((f) => f.cached > 0)) {
          served = first;
          break;
        }
      }
      return answer(
        shape,
        key,
        served === null
          ? `${what}: no strategy on the route has enough free frames`
          : `${what}: the route's strategies hold too few frames, so the router drains the caches (2 MiB blocks go back to their owners) and retries: '${served.id}' in zone ${served.zone}`,
        served !== null,
      );
    }
    const first = steps.find((s) => s.verdict === 'serves')!;
    const spread =
      steps.filter((s) => s.verdict === 'serves').length > 1 ? ' (and the next strategies for the rest)' : '';
    return answer(
      shape,
      key,
      `${what}: route '${key}' (${orderText(router, key)}) → '${first.strategy}' in zone ${first.zone}${spread}: ${first.reason}`,
    );
  }

  // allocRun: the same checks, in the same order, as the router's allocRun.
  checkCount('explain', request.count);
  const count = request.count;
  const align = readAlign('explain', request);
  const below = readBelow('explain', request);
  const huge = count === FRAMES_PER_2MIB && align === FRAMES_PER_2MIB;
  const shape = huge ? 'huge' : 'run';
  if (!huge && router.capabilities.runs !== 'any') {
    return answer(
      shape,
      null,
      `${what}: ${router.name} has no route for this run (capabilities.runs is '${router.capabilities.runs}'), so it throws UNSUPPORTED`,
    );
  }
  const key: RouteKey | null =
    below !== Number.POSITIVE_INFINITY && router.routes.below !== null ? 'below' : huge ? 'huge' : 'run';
  const route = router.routes[key];
  if (route === null) return answer(shape, null, `${what}: no route serves it`);
  if (count > freeFrames)
    return answer(shape, key, `${what}: only ${freeFrames} frames are free, so it returns NO_FRAME`);
  const candidates: { node: StrategyNode; limit: number }[] = [];
  for (const node of route) {
    const zone = node.zoneRef;
    const whole = zone.endFrame <= below;
    let skip: string | undefined;
    if (zone.firstFrame + count > below) skip = `zone ${zone.name} has no ${count} frames below ${below}`;
    else if (node.onlyHuge && !huge) skip = `'${node.id}' serves only 2 MiB runs`;
    else if (!whole && !node.caps.below) {
      skip = `zone ${zone.name} reaches past ${below} and plugin ${node.plugin} does not honour 'below'`;
    }
    if (skip !== undefined) {
      steps.push({ ...base(node), verdict: 'skipped', reason: skip });
      continue;
    }
    const limit = whole ? Number.POSITIVE_INFINITY : below;
    candidates.push({ node, limit });
    let at = firstFit(freeRunsOf(node.allocator, zone), count, align, limit);
    let how = node.back === null ? 'a fitting free run' : 'a fitting cached run';
    if (node.back === null && node.allocator.explainRun !== undefined) {
      // The owner says where it would take the run from (a buddy: which order's free list).
      const own = node.allocator.explainRun(
        count,
        limit < Number.POSITIVE_INFINITY ? { align, below: limit } : { align },
      );
      at = own.at;
      how = own.detail;
    }
    if (at < 0 && node.holdsBlocks) {
      at = firstFit(freeRunsOf(node.back!.allocator, zone), FRAMES_PER_2MIB, FRAMES_PER_2MIB, limit);
      how = `a 2 MiB block it refills from '${node.back!.id}'`;
    }
    if (at < 0) {
      steps.push({
        ...base(node),
        verdict: 'empty',
        reason: `no free run of ${count} frames${align > 1 ? ` aligned to ${align}` : ''}${limit < Number.POSITIVE_INFINITY ? ` below ${limit}` : ''}`,
      });
      continue;
    }
    const verdict = served === null ? 'serves' : 'fallback';
    if (served === null) served = node;
    steps.push({
      ...base(node),
      verdict,
      reason: `${how} at frame ${at}${whole && below !== Number.POSITIVE_INFINITY ? ` (all of zone ${zone.name} is below ${below})` : ''}`,
    });
  }
  const order = orderText(router, key);
  if (served !== null) {
    const first = steps.find((s) => s.verdict === 'serves')!;
    return answer(
      shape,
      key,
      `${what}: route '${key}' (${order}) → '${first.strategy}' in zone ${first.zone}: ${first.reason}`,
    );
  }
  // Nothing fits now: would it after the caches give their frames back?
  for (const { node, limit } of candidates) {
    if (node.back !== null && !node.holdsBlocks) continue;
    const at = firstFit(zoneFreeRuns(node.zoneRef), count, align, limit);
    if (at >= 0 && node.zoneRef.fronts.some((f) => f.cached > 0)) {
      served = node;
      return answer(
        shape,
        key,
        `${what}: no strategy has a fitting run while frames sit in caches, so the router drains the caches of zone ${node.zone} and retries: '${node.id}' finds frames [${at}, ${at + count})`,
        true,
      );
    }
  }
  return answer(
    shape,
    key,
    `${what}: no zone on route '${key}' has a fitting free run, so it returns NO_FRAME`,
  );
}
