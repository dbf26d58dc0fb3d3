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
export { backingsFor, SPACE_SHAPES, type SpaceShape, type SpaceShapeName } from './shapes';
