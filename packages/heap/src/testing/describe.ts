import { describe, it } from 'vitest';
import { checkHeapSetup, HEAP_SETUPS, type HeapConformanceOptions, type HeapFactory } from './conformance';

/**
 * The heap conformance suite as vitest tests: one test per setup (dense, tight, sparse above
 * 2^32, shared with holes, a frame allocator without runs), each running random operation
 * sequences against the model (see `checkHeapConformance`). Every strategy runs it:
 *
 * ```ts
 * describeHeapConformance('tlsf', (pmm) => createHeap(pmm, { strategy: 'tlsf' }));
 * ```
 */
export function describeHeapConformance(
  name: string,
  factory: HeapFactory,
  options: HeapConformanceOptions = {},
): void {
  const setups = options.setups ?? Object.keys(HEAP_SETUPS);
  describe(`${name} heap conformance`, () => {
    for (const setup of setups) {
      it(`keeps the heap contract on '${setup}'`, { timeout: 120_000 }, () => {
        checkHeapSetup(factory, setup, options);
      });
    }
  });
}
