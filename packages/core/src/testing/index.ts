/**
 * `@framekit/core/testing`: what examples and tests need without any test runner — the
 * baseline allocator (the conformance reference), deliberately broken allocators, the
 * frame-space shapes the kit runs on, the one fragmentation recipe (also the bench's), and
 * `frameErrorCode` (the code of the `FrameError` a call throws). Imports neither vitest nor
 * fast-check; the conformance kit itself is `@framekit/core/testing/vitest`.
 */
export { createBaselineAllocator } from './baseline';
export { BROKEN_ALLOCATORS } from './broken';
export type { AllocatorFactory, ConformanceOptions, MisuseKind, Op } from './conformance';
export { frameErrorCode } from './error-code';
export {
  applyRecipe,
  DEFAULT_RECIPE_SEED,
  type FragmentRecipe,
  forEachHole,
  fragmentRecipe,
  type RecipeOptions,
  type RecipeSummary,
  summarizeRecipe,
} from './fragment';
export { backingsFor, DEFAULT_SHAPES, SPACE_SHAPES, type SpaceShape, type SpaceShapeName } from './shapes';
