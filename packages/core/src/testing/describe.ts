import { describe, it } from 'vitest';
import { type AllocatorFactory, type ConformanceOptions, checkShape } from './conformance';
import { backingsFor, DEFAULT_SHAPES, SPACE_SHAPES } from './shapes';

/**
 * The conformance suite as vitest tests: one test per frame-space shape and backing, each
 * running random operation sequences against the reference model (see `checkShape`).
 */
export function describeAllocatorConformance(
  name: string,
  factory: AllocatorFactory,
  options: ConformanceOptions = {},
): void {
  const shapes = options.shapes ?? DEFAULT_SHAPES;
  describe(`${name} conformance`, () => {
    for (const shapeName of shapes) {
      const shape = SPACE_SHAPES[shapeName];
      for (const backing of backingsFor(shape, options.backings ?? ['none'])) {
        it(`keeps every invariant on ${shapeName} (${backing})`, { timeout: 120_000 }, () => {
          checkShape(factory, shape, backing, options);
        });
      }
    }
  });
}
