/**
 * `@framekit/heap/testing`: the heap conformance kit without a test runner —
 * `checkHeapConformance` runs the model-based property tests (fast-check, an optional peer
 * dependency) and throws `HeapConformanceFailure` on the first break. Never imports vitest;
 * `describeHeapConformance`, which registers the kit as vitest tests, is
 * `@framekit/heap/testing/vitest`.
 */
export {
  checkHeapConformance,
  checkHeapSetup,
  HEAP_SETUPS,
  HeapConformanceFailure,
  type HeapConformanceOptions,
  type HeapFactory,
  type HeapSetup,
} from './conformance';
