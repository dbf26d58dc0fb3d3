export { createBaselineAllocator } from './baseline';
export {
  type AllocatorFactory,
  ConformanceFailure,
  type ConformanceOptions,
  checkAllocatorConformance,
  checkShape,
  type Op,
} from './conformance';
export { describeAllocatorConformance } from './describe';
export { backingsFor, DEFAULT_SHAPES, SPACE_SHAPES, type SpaceShape, type SpaceShapeName } from './shapes';
