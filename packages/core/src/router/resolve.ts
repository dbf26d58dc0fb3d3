import { z } from 'zod';
import type { AllocatorCapabilities } from '../api';
import { FrameError } from '../errors';
import { formatIssues, validateOptions } from '../options';
import type { AllocatorPlugin } from '../plugin';
import {
  ROUTE_KEYS,
  type RouteKey,
  type RouterConfig,
  RouterConfigSchema,
  routeUse,
  strategyId,
  zoneBounds,
} from './config';

/** A strategy of a zone with every default filled in and its plugin found. */
export interface ResolvedStrategy {
  readonly id: string;
  readonly plugin: AllocatorPlugin;
  readonly options: Record<string, unknown> | undefined;
  /** The id this cache is layered over; `undefined` for the zone's owner. */
  readonly over: string | undefined;
  readonly holds: 'frames' | '2mib';
  /** Units moved per refill or spill. */
  readonly batch: number;
  /** Units above which a cache spills (`Infinity`: never). */
  readonly high: number;
  /** 0 for the zone's owner, 1 for a cache over it, 2 for a cache over that cache… */
  readonly depth: number;
  /** Freed runs go to this cache (when it is the zone's first choice for single frames). */
  readonly takeFreedRuns: boolean;
}

export interface ResolvedZone {
  readonly name: string;
  readonly start: number;
  /** Exclusive; `Infinity` for the last zone. */
  readonly end: number;
  /** The owner first, then the caches from the nearest to the farthest. */
  readonly strategies: readonly ResolvedStrategy[];
}

export interface ResolvedRoute {
  readonly key: RouteKey;
  /** Strategy ids in order of preference. */
  readonly use: readonly string[];
  /** Zone indices in the order they are tried. */
  readonly zones: readonly number[];
  /** How that order was chosen. */
  readonly order: 'highest-first' | 'lowest-first' | 'named';
}

export interface ResolvedRouterConfig {
  readonly name: string;
  readonly zones: readonly ResolvedZone[];
  /** `batch` falls back to `single`, `huge` to `run`; `run`, `huge` and `below` may be null. */
  readonly routes: Readonly<Record<RouteKey, ResolvedRoute | null>>;
  readonly capabilities: AllocatorCapabilities;
}

interface Issue {
  readonly message: string;
  readonly path: readonly (string | number)[];
}

function invalid(issues: readonly Issue[]): FrameError {
  return new FrameError('INVALID_REQUEST', `invalid router config\n${formatIssues(issues)}`, { issues });
}

type ParsedRouterConfig = z.output<typeof RouterConfigSchema>;

/**
 * Configs parsed before that can never change (frozen all the way down, as `routerPresets`
 * are), with what the schema made of them: a router made again from one (a preset, in a
 * simulation or a comparison) skips the schema's walk. The plugins are checked every time.
 */
const parsedFrozen = new WeakMap<object, ParsedRouterConfig>();

/** True when `value` and everything it holds is frozen (a primitive is); `seen`: objects on the way (a cycle ends there). */
function deepFrozen(value: unknown, seen = new Set<object>()): boolean {
  if (typeof value !== 'object' || value === null || seen.has(value)) return true;
  seen.add(value);
  return Object.isFrozen(value) && Object.values(value).every((v) => deepFrozen(v, seen));
}

/** `config` through the schema (or its parse from before, when it is frozen all the way down). */
function parseConfig(config: RouterConfig): ParsedRouterConfig {
  const known = typeof config === 'object' && config !== null ? parsedFrozen.get(config) : undefined;
  if (known !== undefined) return known;
  const parsed = RouterConfigSchema.safeParse(config);
  if (!parsed.success) {
    throw new FrameError('INVALID_REQUEST', `invalid router config\n${z.prettifyError(parsed.error)}`, {
      issues: parsed.error.issues,
    });
  }
  if (deepFrozen(config)) parsedFrozen.set(config, parsed.data);
  return parsed.data;
}

/**
 * Checks `config` against the schema and the plugins (names, options, the capability each
 * route and cache needs) and fills in defaults. Throws one `INVALID_REQUEST` listing every
 * problem, each with where in the config it is.
 */
export function resolveRouterConfig(
  config: RouterConfig,
  plugins: readonly AllocatorPlugin[],
): ResolvedRouterConfig {
  const data = parseConfig(config);
  const issues: Issue[] = [];
  const byName = new Map(plugins.map((p) => [p.name, p]));
  const known = plugins.map((p) => `'${p.name}'`).join(', ') || 'none';
  const bounds = zoneBounds(data.zones);

  const zones: ResolvedZone[] = data.zones.map((zone, z) => {
    const strategies: ResolvedStrategy[] = [];
    zone.strategies.forEach((s, k) => {
      const path = ['zones', z, 'strategies', k];
      const plugin = byName.get(s.plugin);
      if (plugin === undefined) {
        issues.push({
          message: `unknown plugin '${s.plugin}' (strategy '${strategyId(s)}' in zone '${zone.name}'); plugins given: ${known}`,
          path: [...path, 'plugin'],
        });
        return;
      }
      const options = validateOptions(plugin.options, s.options ?? {});
      if (!options.success) {
        for (const issue of options.issues) {
          issues.push({
            message: `${plugin.name} options of '${strategyId(s)}' in zone '${zone.name}': ${issue.message}`,
            path: [...path, 'options', ...(issue.path as readonly (string | number)[])],
          });
        }
      }
      const holds = s.holds ?? 'frames';
      const batch = s.batch ?? (holds === '2mib' ? 1 : 64);
      const high = s.high === 'unbounded' ? Number.POSITIVE_INFINITY : (s.high ?? 6 * batch);
      if (s.takeFreedRuns === true && !plugin.capabilities.freeRunPiecewise) {
        issues.push({
          message: `'${strategyId(s)}' in zone '${zone.name}' cannot take freed runs: plugin ${plugin.name} takes runs back only whole`,
          path: [...path, 'takeFreedRuns'],
        });
      }
      strategies.push({
        id: strategyId(s),
        plugin,
        options: s.options,
        over: s.over,
        holds,
        batch,
        high,
        depth: 0,
        takeFreedRuns: s.takeFreedRuns ?? false,
      });
    });
    return {
      name: zone.name,
      start: bounds[z].start,
      end: bounds[z].end,
      strategies: orderByDepth(strategies),
    };
  });
  if (issues.length > 0) throw invalid(issues);

  zones.forEach((zone, z) => {
    cacheIssues(zone, z, issues);
  });
  const routes = resolveRoutes(data.routes, data.zones, zones, issues);
  if (issues.length > 0) throw invalid(issues);
  return { name: data.name ?? 'custom', zones, routes, capabilities: deriveCapabilities(zones, routes) };
}

/** Owner first, then caches by how far they sit from it (the schema has ruled out cycles). */
function orderByDepth(strategies: ResolvedStrategy[]): ResolvedStrategy[] {
  const byId = new Map(strategies.map((s) => [s.id, s]));
  // A strategy over one left out (its plugin unknown: already an issue) counts as one above an owner.
  const depthOf = (s: ResolvedStrategy): number => {
    if (s.over === undefined) return 0;
    const under = byId.get(s.over);
    return under === undefined ? 1 : 1 + depthOf(under);
  };
  return strategies.map((s) => ({ ...s, depth: depthOf(s) })).sort((a, b) => a.depth - b.depth);
}

/** A 2 MiB cache hands out and takes 2 MiB runs, and so must what it sits over. */
function cacheIssues(zone: ResolvedZone, z: number, issues: Issue[]): void {
  for (const s of zone.strategies) {
    if (s.over === undefined) continue;
    const back = zone.strategies.find((b) => b.id === s.over)!;
    if (s.holds === 'frames' && back.holds === '2mib') {
      issues.push({
        message: `'${s.id}' in zone '${zone.name}' caches single frames, but '${back.id}' under it holds whole 2 MiB blocks and cannot give single frames`,
        path: ['zones', z, 'strategies'],
      });
    }
    if (s.holds !== '2mib') continue;
    if (s.plugin.capabilities.runs === 'none') {
      issues.push({
        message: `'${s.id}' in zone '${zone.name}' caches 2 MiB blocks, but plugin ${s.plugin.name} cannot allocate runs`,
        path: ['zones', z, 'strategies'],
      });
    }
    if (back.plugin.capabilities.runs === 'none') {
      issues.push({
        message: `'${s.id}' in zone '${zone.name}' refills 2 MiB blocks from '${back.id}', but plugin ${back.plugin.name} cannot allocate runs`,
        path: ['zones', z, 'strategies'],
      });
    }
  }
}

/** Why strategy `s` cannot serve route `key`, or undefined when it can. */
function lacks(key: RouteKey, s: ResolvedStrategy): string | undefined {
  const caps = s.plugin.capabilities;
  const blocks = s.holds === '2mib';
  switch (key) {
    case 'single':
    case 'batch':
      return blocks ? 'it caches whole 2 MiB blocks and serves only the huge route' : undefined;
    case 'run':
      if (blocks) return 'it caches whole 2 MiB blocks and serves only the huge route';
      if (caps.runs === 'none')
        return `plugin ${s.plugin.name} cannot allocate runs (capabilities.runs is 'none')`;
      if (caps.runs === 'huge') {
        return `plugin ${s.plugin.name} allocates only 2 MiB runs (capabilities.runs is 'huge'): put it in the huge route`;
      }
      return undefined;
    case 'huge':
      return caps.runs === 'none'
        ? `plugin ${s.plugin.name} cannot allocate runs (capabilities.runs is 'none')`
        : undefined;
    case 'below':
      if (caps.runs === 'none')
        return `plugin ${s.plugin.name} cannot allocate runs (capabilities.runs is 'none')`;
      return caps.below
        ? undefined
        : `plugin ${s.plugin.name} does not honour 'below' (capabilities.below is false)`;
  }
}

function resolveRoutes(
  config: z.output<typeof RouterConfigSchema>['routes'],
  zoneConfigs: readonly { name: string }[],
  zones: readonly ResolvedZone[],
  issues: Issue[],
): Record<RouteKey, ResolvedRoute | null> {
  const out = {} as Record<RouteKey, ResolvedRoute | null>;
  for (const key of ROUTE_KEYS) {
    const route = config[key];
    if (route === undefined) {
      out[key] = null;
      continue;
    }
    const { use, zones: order } = routeUse(route);
    use.forEach((id, k) => {
      zones.forEach((zone) => {
        const s = zone.strategies.find((x) => x.id === id);
        const why = s === undefined ? undefined : lacks(key, s);
        if (why !== undefined) {
          issues.push({
            message: `route '${key}' sends requests to '${id}' in zone '${zone.name}', which lacks the capability: ${why}`,
            path: ['routes', key, ...(Array.isArray(route) ? [k] : ['use', k])],
          });
        }
      });
    });
    const indices = zones.map((_, i) => i);
    const zoneOrder =
      order === 'lowest-first'
        ? indices
        : order === 'highest-first'
          ? indices.reverse()
          : order.map((name) => zoneConfigs.findIndex((z) => z.name === name));
    out[key] = { key, use, zones: zoneOrder, order: Array.isArray(order) ? 'named' : order };
  }
  if (out.batch === null && out.single !== null) out.batch = { ...out.single, key: 'batch' };
  if (out.huge === null && out.run !== null) out.huge = { ...out.run, key: 'huge' };
  return out;
}

function deriveCapabilities(
  zones: readonly ResolvedZone[],
  routes: Record<RouteKey, ResolvedRoute | null>,
): AllocatorCapabilities {
  const runs = routes.run !== null ? 'any' : routes.huge !== null ? 'huge' : 'none';
  let below = runs !== 'none';
  for (const key of ['run', 'huge', 'below'] as const) {
    for (const id of routes[key]?.use ?? []) {
      for (const zone of zones) {
        const s = zone.strategies.find((x) => x.id === id);
        if (s !== undefined && !s.plugin.capabilities.below) below = false;
      }
    }
  }
  const freeRunPiecewise = zones.every((zone) => zone.strategies[0].plugin.capabilities.freeRunPiecewise);
  return Object.freeze({ runs, below, freeRunPiecewise });
}
