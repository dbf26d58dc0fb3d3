import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * `@framekit/heap/testing` runs without vitest (`checkHeapConformance` in any runner, or none);
 * `@framekit/heap/testing/vitest` is the one entry that imports it. Checked on the module graph
 * esbuild resolves from each entry: the sources (through the `@framekit/source` condition, into
 * @framekit/core too) and the files tsup builds (whose shared chunks could pull vitest in).
 */

const pkg = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
const isVitest = (specifier: string) => /^(vitest|@vitest\/[^/]+)(\/|$)/.test(specifier);

/** Every package outside the workspace stays a bare import: the specifiers `entry`'s whole graph imports. */
async function externalImports(entry: string): Promise<string[]> {
  const outside: Plugin = {
    name: 'outside-the-workspace',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) =>
        args.path.startsWith('@framekit/') ? undefined : { path: args.path, external: true },
      );
    },
  };
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    conditions: ['@framekit/source'],
    plugins: [outside],
    logLevel: 'silent',
  });
  const found = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imported of input.imports) if (imported.external) found.add(imported.path);
  }
  return [...found].sort();
}

const sourceOf = (subpath: string) => join(pkg, manifest.exports[subpath]['@framekit/source']);

describe('@framekit/heap/testing without vitest', () => {
  it('maps ./testing and ./testing/vitest with every condition the other entries have', () => {
    for (const [subpath, file] of [
      ['./testing', 'testing/index'],
      ['./testing/vitest', 'testing/vitest'],
    ] as const) {
      expect(manifest.exports[subpath]).toEqual({
        '@framekit/source': `./src/${file}.ts`,
        import: { types: `./dist/${file}.d.ts`, default: `./dist/${file}.js` },
        require: { types: `./dist/${file}.d.cts`, default: `./dist/${file}.cjs` },
      });
      expect(existsSync(sourceOf(subpath))).toBe(true);
    }
  });

  it('the sources of ./testing import no vitest; those of ./testing/vitest do', async () => {
    const runnerFree = await externalImports(sourceOf('./testing'));
    expect(runnerFree.filter(isVitest)).toEqual([]);
    expect(runnerFree).toContain('fast-check');
    expect((await externalImports(sourceOf('./testing/vitest'))).filter(isVitest)).toEqual(['vitest']);
  });

  it('./testing exports the runner-free kit, ./testing/vitest describeHeapConformance and all of it', async () => {
    const runnerFree = await import('@framekit/heap/testing');
    const withVitest = await import('@framekit/heap/testing/vitest');
    expect(Object.keys(runnerFree).sort()).toEqual([
      'HEAP_SETUPS',
      'HeapConformanceFailure',
      'checkHeapConformance',
      'checkHeapSetup',
    ]);
    expect(Object.keys(withVitest).sort()).toEqual(
      [...Object.keys(runnerFree), 'describeHeapConformance'].sort(),
    );
    expect(withVitest.checkHeapConformance).toBe(runnerFree.checkHeapConformance);
  });

  describe('built', () => {
    let work = '';
    beforeAll(() => {
      const cache = join(pkg, 'node_modules/.cache');
      mkdirSync(cache, { recursive: true });
      work = mkdtempSync(join(cache, 'entries-test-'));
      // The package's own tsup config (its entries, split chunks), JavaScript only, into a scratch folder.
      const tsup = join(resolve(require.resolve('tsup/package.json'), '..'), 'dist/cli-default.js');
      execFileSync(process.execPath, [tsup, '--no-dts', '--out-dir', work], { cwd: pkg, stdio: 'pipe' });
    }, 120_000);
    afterAll(() => {
      if (work !== '') rmSync(work, { recursive: true, force: true });
    });

    it('dist/testing/index.js (and its chunks) import no vitest; dist/testing/vitest.js does', async () => {
      for (const format of ['js', 'cjs']) {
        expect((await externalImports(join(work, `testing/index.${format}`))).filter(isVitest)).toEqual([]);
        expect((await externalImports(join(work, `testing/vitest.${format}`))).filter(isVitest)).toEqual([
          'vitest',
        ]);
      }
    });
  });
});
