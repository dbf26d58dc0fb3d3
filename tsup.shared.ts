import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

type Entries = Record<string, string>;

/**
 * Every published package's build: ES modules with `.d.ts` and `.d.cts`, for Node 20, from the
 * entry points given (the package's `src/index.ts` by default).
 *
 * One implementation per package: the ESM build is split into shared chunks, so every entry
 * (`.`, `./plugin`, `./testing`, …) uses the same modules. `require()` gets the same module too:
 * each entry's `.cjs` file is a one-line wrapper that `require()`s the ESM build (Node ≥ 20.19
 * loads ES modules synchronously from `require`), so `require('@framekit/core').FrameError` is
 * the class `import` gives — no dual-package hazard. The CommonJS build tsup makes along the way
 * exists only so that tsup writes the `.d.cts` declarations; its files are replaced.
 */
export function frameKitBuild(entry: Entries = { index: 'src/index.ts' }, extra: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node20',
    clean: true,
    sourcemap: true,
    splitting: true,
    treeshake: true,
    ...extra,
    async onSuccess() {
      // Where this build wrote: `dist`, or the folder a caller gave with `--out-dir`.
      const at = process.argv.findIndex((arg) => arg === '--out-dir' || arg === '-d');
      const out = at >= 0 ? process.argv[at + 1] : (extra.outDir ?? 'dist');
      for (const file of readdirSync(out, { recursive: true, encoding: 'utf8' })) {
        if (file.endsWith('.cjs') || file.endsWith('.cjs.map')) rmSync(`${out}/${file}`);
      }
      for (const name of Object.keys(entry)) {
        const base = name.includes('/') ? name.slice(name.lastIndexOf('/') + 1) : name;
        writeFileSync(
          `${out}/${name}.cjs`,
          `'use strict';\n// One implementation: the ES module build, loaded with require() (Node >= 20.19).\nmodule.exports = require('./${base}.js');\n`,
        );
      }
    },
  });
}
