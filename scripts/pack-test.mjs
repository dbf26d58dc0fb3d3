// Packaging test: pack every published package, install the tarballs with plain npm (no dev
// dependencies, so no vitest and no fast-check) into a project outside the workspace, and use
// them as a user would:
//   1. one smoke check per package, from ESM and from CommonJS;
//   2. one copy of core: `require()` and `import` give the same classes, and an error thrown by a
//      plugin loaded with `require()` is `instanceof` the class from `import`;
//   3. every README's code blocks (the root's and every `packages/*/README.md`, found on disk),
//      from ESM and from CommonJS — see README-BLOCKS below for which blocks run;
//   4. the browser bundle of `createFrameSpace` + the stack, built from the packed packages with
//      Vite (Rollup) and gzipped, against its budget;
//   5. the `framekit` bin of @framekit/cli on a user's map.
// Needs `pnpm build` first. Prints one line per check and writes .results/pack.json.
//
// README-BLOCKS: fenced blocks marked `ts`, `typescript`, `js`, `javascript` or `mjs` are run
// (TypeScript is transpiled with esbuild, nothing else: no `using`, no test runner). Blocks in
// other languages (`sh`, `rust`, `jsonl`, …) are not JavaScript and are not run. A TS/JS block
// that is genuinely not a program opts out with the line `<!-- readme-test: skip -->` directly
// above its fence, and only that way. A program that needs `import.meta` (a worker thread that
// starts from its own file) is marked `<!-- readme-test: esm-only -->` and runs as ESM only.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { transformSync } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const pnpm = process.env.npm_execpath?.includes('pnpm')
  ? [process.execPath, process.env.npm_execpath]
  : ['npx', '-y', 'pnpm@10.34.8'];
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wants = (part) => !only || only.includes(part);

/** Browser bundle budget for `createFrameSpace` + the stack, gzipped. */
const BUNDLE_BUDGET_BYTES = 12 * 1024;

const packages = readdirSync(join(root, 'packages'))
  .filter((dir) => existsSync(join(root, 'packages', dir, 'package.json')))
  .map((dir) => ({
    dir: join(root, 'packages', dir),
    json: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
  }))
  .filter((p) => !p.json.private);

const work = mkdtempSync(join(tmpdir(), 'framekit-pack-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const run = (cmd, args, cwd, timeout = 120_000) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout });

for (const p of packages) run(pnpm[0], [...pnpm.slice(1), 'pack', '--pack-destination', tarballs], p.dir);

const app = join(work, 'app');
mkdirSync(app);
writeFileSync(
  join(app, 'package.json'),
  JSON.stringify({ name: 'framekit-pack-test', private: true, version: '1.0.0' }),
);
const files = readdirSync(tarballs).map((f) => join(tarballs, f));
run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--omit=dev', ...files], app, 600_000);

let passed = 0;
let failed = 0;
const failures = [];
function check(label, fn) {
  try {
    const note = fn();
    passed++;
    console.log(`  ✓ ${label}${note ? ` — ${note}` : ''}`);
  } catch (error) {
    failed++;
    failures.push(label);
    console.log(
      `  ✗ ${label}\n${error.stderr || ''}${error.stdout || ''}${error.stderr ? '' : error.message}`,
    );
  }
}
function runFile(file, code) {
  writeFileSync(join(app, file), code);
  return run(process.execPath, [file], app);
}

// 0. No test tooling was installed: the packages' runtime dependencies do not need it.
check('no vitest or fast-check among the installed runtime dependencies', () => {
  for (const name of ['vitest', 'fast-check']) {
    if (existsSync(join(app, 'node_modules', name))) throw new Error(`${name} was installed`);
  }
});

// 1. One smoke check per package: what a user does first with it. Each gets `m`, the module.
if (wants('smoke')) {
  const checks = {
    '@framekit/core': `
      const space = m.createFrameSpace({ frames: 64 });
      if (space.usableFrames !== 64) throw new Error('frame space');
      const map = m.normalizeBootMap({ regions: [{ base: 0, length: 0x9fc00, kind: 'usable' }] });
      if (map.usableFrames !== 159) throw new Error('normalize: ' + map.usableFrames);
      if (new m.FrameError('DOUBLE_FREE', 'x').code !== 'DOUBLE_FREE') throw new Error('FrameError');`,
  };
  const genericCheck = `
    const core = REQUIRE('@framekit/core');
    if (m.plugin) {
      const space = core.createFrameSpace({ frames: 4096 }, { backing: 'sparse' });
      const a = m.plugin.create(space);
      const pfn = a.alloc();
      if (pfn === core.NO_FRAME || a.isFree(pfn)) throw new Error('alloc');
      a.free(pfn);
      if (!a.isFree(pfn)) throw new Error('free');
    } else if (Object.keys(m).length === 0) throw new Error('no exports');`;
  for (const p of packages) {
    const name = p.json.name;
    const body = checks[name] ?? genericCheck;
    const esm = `import * as m from '${name}';\nconst REQUIRE_CORE = await import('@framekit/core');\n${body.replaceAll("REQUIRE('@framekit/core')", 'REQUIRE_CORE')}\nconsole.log('ok');`;
    const cjs = `const m = require('${name}');\n${body.replaceAll('REQUIRE(', 'require(')}\nconsole.log('ok');`;
    check(`${name} (esm)`, () => void runFile('check.mjs', esm));
    check(`${name} (cjs)`, () => void runFile('check.cjs', cjs));
  }
}

// 2. One copy of core, whichever way it is loaded.
if (wants('dual')) {
  check(
    'require() and import give the same classes; a plugin loaded with require throws the imported FrameError',
    () =>
      void runFile(
        'dual.mjs',
        `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const cjs = require('@framekit/core');
const esm = await import('@framekit/core');
if (cjs.FrameError !== esm.FrameError) throw new Error('two FrameError classes');
if (cjs.createFrameSpace !== esm.createFrameSpace) throw new Error('two createFrameSpace');
if (require('@framekit/core/plugin').FreeRunList !== (await import('@framekit/core/plugin')).FreeRunList)
  throw new Error('two FreeRunList classes');
const stack = require('@framekit/alloc-stack');
const allocator = stack.plugin.create(esm.createFrameSpace({ frames: 64 }));
let thrown;
try { allocator.free(3); } catch (error) { thrown = error; }
if (!(thrown instanceof esm.FrameError)) throw new Error('not instanceof the imported FrameError: ' + thrown);
if (!esm.isFrameError(thrown, 'DOUBLE_FREE')) throw new Error('code ' + thrown.code);
const testing = require('@framekit/core/testing');
const baseline = testing.createBaselineAllocator(esm.createFrameSpace({ frames: 64 }));
if (baseline.alloc() === esm.NO_FRAME) throw new Error('baseline without a test runner');
console.log('ok');`,
      ),
  );
}

// 3. Every README's code blocks, as a user copies them into this project.
if (wants('readme')) {
  const readmes = [
    join(root, 'README.md'),
    ...readdirSync(join(root, 'packages'))
      .map((dir) => join(root, 'packages', dir, 'README.md'))
      .filter((file) => existsSync(file)),
  ];
  const RUN = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);
  const SKIP = '<!-- readme-test: skip -->';
  const ESM_ONLY = '<!-- readme-test: esm-only -->';
  mkdirSync(join(app, 'readme'));
  for (const file of readmes) {
    const text = readFileSync(file, 'utf8');
    const where = file.slice(root.length + 1);
    for (const match of text.matchAll(/^```(\w*)[^\n]*\n([\s\S]*?)^```/gm)) {
      if (!RUN.has(match[1])) continue;
      const line = text.slice(0, match.index).split('\n').length;
      const before = text.slice(0, match.index).trimEnd().split('\n').at(-1);
      if (before === SKIP) continue;
      const code = match[2];
      const id = `${where.replaceAll('/', '_').replace(/\.md$/, '')}_${line}`;
      check(`${where}:${line} (esm)`, () => {
        const js = transformSync(code, { loader: 'ts', format: 'esm', target: 'node20' }).code;
        runFile(`readme/${id}.mjs`, js);
      });
      if (before === ESM_ONLY) continue;
      check(`${where}:${line} (cjs)`, () => {
        runFile(`readme/${id}.cjs`, toCommonJs(code));
      });
    }
  }
}

/** A block as CommonJS: imports become `require`, and top-level `await` runs in an async main. */
function toCommonJs(code) {
  try {
    return transformSync(code, { loader: 'ts', format: 'cjs', target: 'node20' }).code;
  } catch {
    const imports = [];
    const rest = code.replace(/^import[\s\S]*?from\s*['"][^'"]+['"];?\s*$/gm, (statement) => {
      imports.push(statement);
      return '';
    });
    const wrapped = `${imports.join('\n')}\n(async () => {\n${rest}\n})().catch((error) => { console.error(error); process.exit(1); });`;
    return transformSync(wrapped, { loader: 'ts', format: 'cjs', target: 'node20' }).code;
  }
}

// 4. What a stack-only browser user ships.
if (wants('bundle')) {
  const { build } = await import('vite');
  writeFileSync(
    join(app, 'bundle-entry.js'),
    `import { createFrameSpace, NO_FRAME } from '@framekit/core';
import { plugin } from '@framekit/alloc-stack';
const space = createFrameSpace({ frames: 4096 });
const pmm = plugin.create(space);
const pfn = pmm.alloc();
if (pfn !== NO_FRAME) pmm.free(pfn);
document.title = String(pfn);
`,
  );
  let bundled;
  let bundledModules = [];
  try {
    const result = await build({
      root: app,
      configFile: false,
      logLevel: 'silent',
      build: {
        write: false,
        minify: true,
        target: 'es2022',
        rollupOptions: { input: join(app, 'bundle-entry.js') },
      },
    });
    const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output);
    const chunks = outputs.filter((o) => o.type === 'chunk');
    bundled = chunks.map((o) => o.code).join('\n');
    bundledModules = chunks.flatMap((o) => Object.keys(o.modules));
  } catch (error) {
    bundled = error;
  }
  check(
    `bundle size: createFrameSpace + @framekit/alloc-stack (budget ${BUNDLE_BUDGET_BYTES / 1024} KB gzipped)`,
    () => {
      if (typeof bundled !== 'string') throw bundled;
      const gzipped = gzipSync(bundled, { level: 9 }).length;
      const report = `${(bundled.length / 1024).toFixed(1)} KB minified, ${(gzipped / 1024).toFixed(1)} KB gzipped`;
      mkdirSync(join(root, '.results'), { recursive: true });
      writeFileSync(
        join(root, '.results', 'bundle.json'),
        JSON.stringify({ minified: bundled.length, gzipped }),
      );
      // zod stays on the paths where input crosses a boundary (boot-map text, router configs,
      // zod-based plugin options); a frame space from frames and the stack load none of it.
      const zod = bundledModules.filter((id) => /[\\/]zod[\\/]/.test(id));
      if (zod.length > 0)
        throw new Error(`zod is in the bundle (${zod.length} modules, e.g. ${zod[0]}): ${report}`);
      if (gzipped > BUNDLE_BUDGET_BYTES) {
        throw new Error(`over the budget of ${BUNDLE_BUDGET_BYTES / 1024} KB gzipped: ${report}`);
      }
      return report;
    },
  );
}

// 5. The `framekit` bin of @framekit/cli, as a user runs it on their own map.
if (wants('bin')) {
  writeFileSync(join(app, 'my-e820.txt'), 'BIOS-e820: [mem 0x0000000000100000-0x0000000007ffffff] usable\n');
  check('@framekit/cli (npx framekit compare --map my-e820.txt)', () => {
    const out = run('npx', ['framekit', 'compare', '--map', 'my-e820.txt', '--ops', '2000', '--csv'], app);
    if (!/^strategy,ops,/.test(out)) throw new Error(`unexpected output:\n${out}`);
  });
}

rmSync(work, { recursive: true, force: true });
mkdirSync(join(root, '.results'), { recursive: true });
writeFileSync(join(root, '.results', 'pack.json'), JSON.stringify({ passed, failed, failures }));
console.log(`pack: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
