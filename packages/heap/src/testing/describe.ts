import { it } from 'vitest';
import { checkHeapConformance, type HeapConformanceOptions, type HeapFactory } from './conformance';

/** The heap conformance kit as one vitest test. */
export function describeHeapConformance(
  name: string,
  factory: HeapFactory,
  options: HeapConformanceOptions = {},
): void {
  it(`${name} keeps every heap invariant`, { timeout: 120_000 }, () => {
    checkHeapConformance(factory, options);
  });
}
