import { FrameError } from '@framekit/core';
import type { HeapStrategy, HeapStrategyName } from './api';
import { firstFitStrategy } from './first-fit';
import { slabStrategy } from './slab';
import { tlsfStrategy } from './tlsf';

/** The built-in strategies with their default options, by name. */
export const HEAP_STRATEGIES: Readonly<Record<HeapStrategyName, () => HeapStrategy>> = Object.freeze({
  slab: () => slabStrategy(),
  'first-fit': () => firstFitStrategy(),
  tlsf: () => tlsfStrategy(),
});

/** A strategy from a name or an object; `INVALID_REQUEST` for anything else. */
export function resolveStrategy(strategy: HeapStrategyName | HeapStrategy | undefined): HeapStrategy {
  if (strategy === undefined) return slabStrategy();
  if (typeof strategy === 'string') {
    if (Object.hasOwn(HEAP_STRATEGIES, strategy)) return HEAP_STRATEGIES[strategy]();
  } else if (
    strategy !== null &&
    typeof strategy === 'object' &&
    typeof strategy.name === 'string' &&
    typeof strategy.create === 'function'
  ) {
    return strategy;
  }
  throw new FrameError(
    'INVALID_REQUEST',
    `createHeap: strategy ${JSON.stringify(strategy)} is neither one of ${Object.keys(HEAP_STRATEGIES).join(', ')} nor a { name, create } object`,
    { op: 'createHeap' },
  );
}
