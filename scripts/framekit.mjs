#!/usr/bin/env node
// `pnpm framekit …` and `pnpm compare` in the repository: the `framekit` command of packages/cli,
// bundled from the workspace's sources with esbuild (a fraction of a second, redone only when a
// package's source changed), so a fresh clone needs no build first. Nothing is printed on
// stdout but the command's own output. The published bin is packages/cli's tsup build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
// Inside packages/cli, so the bundle's external imports resolve from the CLI's own dependencies.
const cache = join(root, 'packages/cli/node_modules/.cache/framekit');
const bin = join(cache, 'bin.js');

/** The newest modification time of the files under `dir` (0 when there are none). */
function newest(dir) {
  let time = 0;
  if (!existsSync(dir)) return time;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    time = Math.max(time, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return time;
}

function stale() {
  if (!existsSync(bin)) return true;
  const built = statSync(bin).mtimeMs;
  return readdirSync(join(root, 'packages')).some((name) => {
    const dir = join(root, 'packages', name);
    const pkg = join(dir, 'package.json');
    return newest(join(dir, 'src')) > built || (existsSync(pkg) && statSync(pkg).mtimeMs > built);
  });
}

if (stale()) {
  const esbuild = createRequire(createRequire(import.meta.url).resolve('tsup'))('esbuild');
  await esbuild.build({
    // The worker threads of `compare --workers` load workers-thread.js from beside the bin.
    entryPoints: {
      bin: join(root, 'packages/cli/src/bin.ts'),
      'workers-thread': join(root, 'packages/cli/src/shared/workers-thread.ts'),
    },
    outdir: cache,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@framekit/source'],
    logLevel: 'error',
    // The workspace's packages are bundled from source; everything else is imported as installed.
    plugins: [
      {
        name: 'external-dependencies',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@framekit/') ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
}
// pnpm runs scripts in the repository's root; file names on the command line are relative to
// where the user typed it (pnpm passes that folder as INIT_CWD).
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
await import(pathToFileURL(bin).href);
