import { defineProject } from 'vitest/config';

/**
 * Every package's vitest project: resolve workspace packages through the
 * `@framekit/source` export condition so tests run against `src` without a build.
 */
export function frameKitProject(name: string, extra: { environment?: 'node' } = {}) {
  const conditions = ['@framekit/source', 'module', 'node', 'import', 'default'];
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@framekit/source'] } },
    test: {
      name,
      environment: extra.environment ?? 'node',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      // Property and conformance tests are CPU-bound: on a 2-core machine running every
      // project at once, 5 s (vitest's default) is too short for a correct run.
      testTimeout: 60_000,
    },
  });
}
