/**
 * `@framekit/core/testing/vitest`: the allocator conformance kit — model-based property tests
 * (fast-check) and `describeAllocatorConformance`, which registers them as vitest tests. Needs
 * the optional peer dependencies `vitest` and `fast-check`; everything runner-free is
 * re-exported from `@framekit/core/testing`.
 */

export {
  type AllocatorFactory,
  ConformanceFailure,
  type ConformanceOptions,
  checkAllocatorConformance,
  checkShape,
  MISUSE_CODES,
  type Op,
} from './conformance';
export { describeAllocatorConformance } from './describe';
export * from './index';
