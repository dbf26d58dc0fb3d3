export {
  ROUTE_KEYS,
  type RouteConfig,
  RouteConfigSchema,
  type RouteKey,
  type RouterConfig,
  RouterConfigSchema,
  type RoutesConfig,
  RoutesConfigSchema,
  type StrategyConfig,
  StrategyConfigSchema,
  type ZoneConfig,
  ZoneConfigSchema,
  ZoneOrderSchema,
} from './config';
export type { ExplainStep, Explanation, RouterRequest } from './explain';
export {
  DMA_LIMIT_PFN,
  DMA32_LIMIT_PFN,
  LINUX_DMA_PCP_BATCH,
  LINUX_DMA_PCP_HIGH,
  LINUX_PCP_BATCH,
  LINUX_PCP_HIGH,
  PATCHWORK_BITMAP_LIMIT_PFN,
  routerPresets,
} from './presets';
export {
  type ResolvedRoute,
  type ResolvedRouterConfig,
  type ResolvedStrategy,
  type ResolvedZone,
  resolveRouterConfig,
} from './resolve';
export { createRouter, type FrameRouter } from './router';
export type { RouterStrategy, RouterZone } from './zone';
