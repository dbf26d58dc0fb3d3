import { describe, it } from 'vitest';
import { type AllocatorFactory, type ConformanceOptions, checkShape } from './conformance';
import { backingsFor, SPACE_SHAPES, type SpaceShapeName } from './shapes';

/**
 * The conformance suite as vitest tests: one test per frame-space shape and backing, each
 * running random operation sequences against the reference model (see `checkShape`).
 */
export function describeAllocatorConformance(
  name: string,
  factory: AllocatorFactory,
  options: ConformanceOptions = {},
): void {
  const shapes = options.shapes ?? (Object.keys(SPACE_SHAPES) as SpaceShapeName[]);
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
