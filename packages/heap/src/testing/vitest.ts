/**
 * `@framekit/heap/testing/vitest`: `describeHeapConformance`, the heap conformance kit as vitest
 * tests (one per setup). Needs the optional peer dependencies `vitest` and `fast-check`;
 * everything runner-free is re-exported from `@framekit/heap/testing`.
 */
export { describeHeapConformance } from './describe';
export * from './index';
