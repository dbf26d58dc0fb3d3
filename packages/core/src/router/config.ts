import { z } from 'zod';
import { MAX_PFN } from '../units';

/*
 * The router's configuration: zones by address, the strategies of each zone (one owner of
 * the zone's frames, and caches layered over it), and the routes that send each request
 * shape to strategies. This schema checks everything that does not depend on the plugins;
 * `resolveRouterConfig` adds the checks that need them (names, options, capabilities).
 */

const Name = z
  .string()
  .regex(/^[A-Za-z_][\w.-]*$/, 'a name is letters, digits, "_", "." and "-", starting with a letter or "_"');

const FrameNumber = z.number().int().min(0).max(MAX_PFN);

/** One strategy instance in a zone: a plugin, and, for a cache, the strategy it is layered over. */
export const StrategyConfigSchema = z.strictObject({
  /** How routes and `over` refer to it (default: the plugin's name). Unique within the zone. */
  id: Name.optional(),
  /** The plugin's `name`. */
  plugin: z.string().min(1),
  /** Options for `plugin.create`, checked by the plugin's own schema. */
  options: z.record(z.string(), z.unknown()).optional(),
  /**
   * Makes this strategy a front cache over the strategy with this id (in the same zone): it
   * starts empty, refills `batch` units from it when empty and spills `batch` back above `high`.
   */
  over: Name.optional(),
  /** What a cache holds: single frames (default) or whole 2 MiB blocks (512 frames aligned to 512). */
  holds: z.enum(['frames', '2mib']).optional(),
  /** Units (frames or 2 MiB blocks) a cache moves at a time (default 64 frames, or 1 block). */
  batch: z.number().int().min(1).max(65536).optional(),
  /** A cache spills a batch when it holds more units than this (default 6 batches); 'unbounded' never spills. */
  high: z.union([z.number().int().min(1), z.literal('unbounded')]).optional(),
  /**
   * A frame cache that is its zone's first choice for single frames also takes the frames of
   * freed runs (as PatchworkOS's `pmm_free_region` pushes them page by page on its stack);
   * by default a freed run goes straight to the zone's owner, as Linux frees higher orders.
   */
  takeFreedRuns: z.boolean().optional(),
});

/** Frames `[start, end)` and the strategies that serve them. */
export const ZoneConfigSchema = z.strictObject({
  name: Name,
  /** First frame (default: where the previous zone ends, 0 for the first zone). */
  start: FrameNumber.optional(),
  /** Frame after the last one (exclusive). Every zone but the last needs it; the last runs to the end of the space. */
  end: FrameNumber.optional(),
  strategies: z.array(StrategyConfigSchema).min(1),
});

/** Zones to try, in order: from the highest address down (Linux's fallback), from the lowest up, or named. */
export const ZoneOrderSchema = z.union([z.enum(['highest-first', 'lowest-first']), z.array(Name).min(1)]);

/** Strategy ids in order of preference; as an object, with the zone order too. */
export const RouteConfigSchema = z.union([
  z.array(Name).min(1),
  z.strictObject({ use: z.array(Name).min(1), zones: ZoneOrderSchema.optional() }),
]);

export const ROUTE_KEYS = ['single', 'batch', 'run', 'huge', 'below'] as const;
/**
 * Request shapes: `single` (`alloc`), `batch` (`allocMany`; default: the single route), `run`
 * (`allocRun`), `huge` (`allocRun(512, { align: 512 })`, a 2 MiB page; default: the run route),
 * `below` (`allocRun` with `below`; default: the route of the run's shape).
 */
export type RouteKey = (typeof ROUTE_KEYS)[number];

export const RoutesConfigSchema = z.strictObject({
  single: RouteConfigSchema,
  batch: RouteConfigSchema.optional(),
  run: RouteConfigSchema.optional(),
  huge: RouteConfigSchema.optional(),
  below: RouteConfigSchema.optional(),
});

export type StrategyConfig = z.input<typeof StrategyConfigSchema>;
export type ZoneConfig = z.input<typeof ZoneConfigSchema>;
export type RouteConfig = z.input<typeof RouteConfigSchema>;
export type RoutesConfig = z.input<typeof RoutesConfigSchema>;

/** A zone's bounds after defaults: `[start, end)`, `end` is `Infinity` for the last zone. */
export interface ZoneBounds {
  readonly start: number;
  readonly end: number;
}

/** The zone bounds the config describes (defaults filled in; no checks). */
export function zoneBounds(zones: readonly Pick<ZoneConfig, 'start' | 'end'>[]): ZoneBounds[] {
  const out: ZoneBounds[] = [];
  let previousEnd = 0;
  for (let i = 0; i < zones.length; i++) {
    const start = zones[i].start ?? previousEnd;
    const end = zones[i].end ?? (i === zones.length - 1 ? Number.POSITIVE_INFINITY : start);
    out.push({ start, end });
    previousEnd = end;
  }
  return out;
}

/** The id a strategy is known by. */
export function strategyId(strategy: Pick<StrategyConfig, 'id' | 'plugin'>): string {
  return strategy.id ?? strategy.plugin;
}

/** Route config in its long form. */
export function routeUse(route: RouteConfig): {
  use: readonly string[];
  zones: z.output<typeof ZoneOrderSchema>;
} {
  return Array.isArray(route)
    ? { use: route, zones: 'highest-first' }
    : { use: route.use, zones: route.zones ?? 'highest-first' };
}

type Issue = { message: string; path: (string | number)[] };

function range(start: number, end: number): string {
  return `[${start}, ${end === Number.POSITIVE_INFINITY ? '∞' : end})`;
}

/** Zones cover frames 0 … ∞ once each, in order. */
function zoneIssues(zones: readonly ZoneConfig[], issues: Issue[]): void {
  const names = new Set<string>();
  zones.forEach((zone, i) => {
    if (names.has(zone.name))
      issues.push({ message: `two zones are named '${zone.name}'`, path: ['zones', i, 'name'] });
    names.add(zone.name);
    if (zone.end === undefined && i < zones.length - 1) {
      issues.push({
        message: `zone '${zone.name}' needs an end: every zone but the last says where it stops`,
        path: ['zones', i, 'end'],
      });
    }
  });
  if (issues.length > 0) return;
  const bounds = zoneBounds(zones);
  let previousEnd = 0;
  bounds.forEach(({ start, end }, i) => {
    const name = zones[i].name;
    if (end <= start) {
      issues.push({ message: `zone '${name}' is empty: ${range(start, end)}`, path: ['zones', i] });
    } else if (i === 0 && start > 0) {
      issues.push({ message: `no zone covers frames ${range(0, start)}`, path: ['zones', 0, 'start'] });
    } else if (i > 0 && start < previousEnd) {
      const prev = zones[i - 1].name;
      issues.push({
        message: `zones overlap: '${prev}' ${range(bounds[i - 1].start, previousEnd)} and '${name}' ${range(start, end)} share frames ${range(start, Math.min(previousEnd, end))}`,
        path: ['zones', i, 'start'],
      });
    } else if (i > 0 && start > previousEnd) {
      issues.push({
        message: `no zone covers frames ${range(previousEnd, start)} (between '${zones[i - 1].name}' and '${name}')`,
        path: ['zones', i, 'start'],
      });
    }
    previousEnd = end;
  });
  if (issues.length === 0 && previousEnd !== Number.POSITIVE_INFINITY) {
    issues.push({
      message: `no zone covers frames from ${previousEnd} up: leave out the last zone's end`,
      path: ['zones', zones.length - 1, 'end'],
    });
  }
}

/** Ids are unique, `over` names a strategy of the zone, layering has no cycle and one owner. */
function strategyIssues(zones: readonly ZoneConfig[], issues: Issue[]): void {
  zones.forEach((zone, z) => {
    const before = issues.length;
    const ids = zone.strategies.map(strategyId);
    const byId = new Map<string, StrategyConfig>();
    zone.strategies.forEach((s, k) => {
      const id = ids[k];
      const path = ['zones', z, 'strategies', k];
      if (byId.has(id)) {
        issues.push({
          message: `zone '${zone.name}' has two strategies with id '${id}': give one an 'id'`,
          path: [...path, 'id'],
        });
      }
      byId.set(id, s);
      if (s.over === undefined) {
        for (const key of ['holds', 'batch', 'high', 'takeFreedRuns'] as const) {
          if (s[key] !== undefined) {
            issues.push({
              message: `'${key}' applies only to a cache: strategy '${id}' in zone '${zone.name}' has no 'over'`,
              path: [...path, key],
            });
          }
        }
      } else if (s.over === id) {
        issues.push({
          message: `layering cycle in zone '${zone.name}': '${id}' is layered over itself`,
          path: [...path, 'over'],
        });
      } else if (!ids.includes(s.over)) {
        issues.push({
          message: `strategy '${id}' in zone '${zone.name}' is layered over '${s.over}', which the zone does not have (it has ${ids.map((x) => `'${x}'`).join(', ')})`,
          path: [...path, 'over'],
        });
      }
      if (s.takeFreedRuns === true && s.holds === '2mib') {
        issues.push({
          message: `'takeFreedRuns' applies only to a cache of single frames: '${id}' in zone '${zone.name}' holds 2 MiB blocks`,
          path: [...path, 'takeFreedRuns'],
        });
      }
      const batch = s.batch ?? (s.holds === '2mib' ? 1 : 64);
      if (typeof s.high === 'number' && s.high < batch) {
        issues.push({
          message: `cache '${id}' in zone '${zone.name}': high (${s.high}) must be at least batch (${batch})`,
          path: [...path, 'high'],
        });
      }
    });
    if (issues.length > before) return;
    // Follow every chain of `over`; a chain that comes back to a strategy is a cycle.
    for (const start of ids) {
      const chain = [start];
      let next = byId.get(start)?.over;
      while (next !== undefined && !chain.includes(next)) {
        chain.push(next);
        next = byId.get(next)?.over;
      }
      if (next !== undefined) {
        const loop = chain.slice(chain.indexOf(next));
        if (loop[0] === start) {
          issues.push({
            message: `layering cycle in zone '${zone.name}': ${[...loop, next].map((x) => `'${x}'`).join(' over ')}`,
            path: ['zones', z, 'strategies'],
          });
          return;
        }
      }
    }
    const roots = zone.strategies.filter((s) => s.over === undefined).map(strategyId);
    if (roots.length !== 1) {
      issues.push({
        message: `zone '${zone.name}' needs exactly one strategy that owns its frames (one without 'over'); it has ${roots.length === 0 ? 'none' : roots.map((x) => `'${x}'`).join(', ')}: make the others caches with 'over'`,
        path: ['zones', z, 'strategies'],
      });
    }
  });
}

/** Every id and zone a route names exists. */
function routeIssues(zones: readonly ZoneConfig[], routes: RoutesConfig, issues: Issue[]): void {
  const zoneNames = zones.map((z) => z.name);
  const ids = new Set(zones.flatMap((z) => z.strategies.map(strategyId)));
  for (const key of ROUTE_KEYS) {
    const route = routes[key];
    if (route === undefined) continue;
    const { use, zones: order } = routeUse(route);
    use.forEach((id, k) => {
      if (!ids.has(id)) {
        issues.push({
          message: `route '${key}' uses '${id}', which no zone has (strategies: ${[...ids].map((x) => `'${x}'`).join(', ')})`,
          path: ['routes', key, ...(Array.isArray(route) ? [k] : ['use', k])],
        });
      }
    });
    if (Array.isArray(order)) {
      order.forEach((name, k) => {
        if (!zoneNames.includes(name)) {
          issues.push({
            message: `route '${key}' tries zone '${name}', which is not a zone (zones: ${zoneNames.map((x) => `'${x}'`).join(', ')})`,
            path: ['routes', key, 'zones', k],
          });
        }
      });
    }
  }
}

/** The whole config: zones, strategies and routes, checked without the plugins. */
export const RouterConfigSchema = z
  .strictObject({
    /** Shown in the router's `name`, e.g. `router(kernel)`. */
    name: Name.optional(),
    zones: z.array(ZoneConfigSchema).min(1),
    routes: RoutesConfigSchema,
  })
  .superRefine((config, ctx) => {
    const issues: Issue[] = [];
    zoneIssues(config.zones, issues);
    strategyIssues(config.zones, issues);
    routeIssues(config.zones, config.routes, issues);
    for (const issue of issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  });

export type RouterConfig = z.input<typeof RouterConfigSchema>;
