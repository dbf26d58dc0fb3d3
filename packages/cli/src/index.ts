export { main } from './main';
export {
  type CompareHooks,
  type CompareSetup,
  compare,
  DEFAULT_SETUP,
  findWorkload,
  type LoadedMap,
  loadMap,
  MAX_OPS,
  workloadOps,
} from './shared/compare';
export { DEFAULT_MAP, findMapPreset, MAP_PRESETS, type MapPreset } from './shared/maps';
export { DEFAULT_STRATEGIES, findStrategies, STRATEGIES, type Strategy } from './shared/strategies';
