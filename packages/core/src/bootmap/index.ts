export {
  type ByteRange,
  isNormalizedBootMap,
  type NormalizedBootMap,
  type NormalizeOptions,
  normalizeBootMap,
} from './normalize';
export {
  type BootMap,
  BootMapSchema,
  type BootRegion,
  BootRegionSchema,
  KIND_RANK,
  MAX_MAP_ADDR,
  REGION_KINDS,
  type RegionKind,
} from './schema';
