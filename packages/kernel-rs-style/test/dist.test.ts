import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The built package, used as a consumer would: tsup builds the package (its JavaScript, into
 * a scratch folder so the real dist/ is left alone), a TypeScript program with `using`
 * (test/fixtures/using-node20.ts, type-checked with the package) is compiled by esbuild for
 * Node 20, which lowers `using`, and run by this Node against the ESM and the CJS build.
 * Core is bundled from source, so no other package needs a build.
 */

const pkg = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const fixture = readFileSync(join(pkg, 'test/fixtures/using-node20.ts'), 'utf8');
const leakLine = fixture.split('\n').findIndex((line) => line.includes('// LEAK')) + 1;
let work = '';

function binOf(name: string, bin: string): string {
  return join(resolve(require.resolve(`${name}/package.json`), '..'), bin);
}

/** The fixture with the package import pointed at a built file. */
function consumer(file: string, target: string): string {
  const path = join(work, file);
  writeFileSync(path, fixture.replace("from '@framekit/kernel-rs-style'", `from '${target}'`));
  return path;
}

async function bundleAndRun(entry: string, format: 'esm' | 'cjs'): Promise<Record<string, unknown>> {
  const outfile = join(work, format === 'esm' ? 'consumer.mjs' : 'consumer.cjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format,
    platform: 'node',
    target: 'node20',
    conditions: ['@framekit/source'],
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const code = readFileSync(outfile, 'utf8');
  // Node 20 has no `using` declarations: the compiled program must not contain any.
  expect(code).not.toMatch(/^\s*(await\s+)?using\s+[\w$]+\s*=/m);
  const output = execFileSync(process.execPath, ['--enable-source-maps', outfile], { encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').pop() ?? '{}');
}

beforeAll(() => {
  // Inside the package's node_modules, so the build and the consumer resolve @framekit/core as a user's code would.
  const cache = join(pkg, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  work = mkdtempSync(join(cache, 'dist-test-'));
  // The package's own tsup config (ESM + CJS, target node20); types are checked by `typecheck` and attw.
  execFileSync(
    process.execPath,
    [binOf('tsup', 'dist/cli-default.js'), '--no-dts', '--out-dir', join(work, 'dist')],
    {
      cwd: pkg,
      stdio: 'pipe',
    },
  );
}, 60_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('the built package', () => {
  for (const format of ['esm', 'cjs'] as const) {
    it(`runs lowered \`using\` code on Node ${process.versions.node} against dist (${format})`, async () => {
      const built = join(work, format === 'esm' ? 'dist/index.js' : 'dist/index.cjs');
      const facts = await bundleAndRun(consumer(`run-${format}.ts`, built), format);
      expect(facts).toMatchObject({
        sharedCount: 2,
        borrowedByte: 1,
        freedAtBlockEnd: true,
        bodyError: 'body failed',
        usedAfterThrow: 0,
        runFrames: 3,
        splitCounts: [1, 1, 1, 1],
        useAfterDispose: 'INVALID_REQUEST',
        exhausted: true,
        usedAtEnd: 0,
        usingSupported: true,
      });
      expect(facts.leakLocation).toEqual([
        expect.stringMatching(new RegExp(`run-${format}\\.ts:${leakLine}:\\d+$`)),
      ]);
    }, 60_000);
  }
});
