// Packaging test: pack every published package, install the tarballs with plain npm into a
// project outside the workspace, and use them from ESM and CommonJS. Proves that
// pick-and-mix installs work as a user would do them. Needs `pnpm build` first.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const pnpm = process.env.npm_execpath?.includes('pnpm')
  ? [process.execPath, process.env.npm_execpath]
  : ['pnpm'];

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({
    dir: join(root, 'packages', dir),
    json: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
  }))
  .filter((p) => !p.json.private);

const work = mkdtempSync(join(tmpdir(), 'framekit-pack-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

for (const p of packages) run(pnpm[0], [...pnpm.slice(1), 'pack', '--pack-destination', tarballs], p.dir);

const app = join(work, 'app');
mkdirSync(app);
writeFileSync(
  join(app, 'package.json'),
  JSON.stringify({ name: 'framekit-pack-test', private: true, version: '1.0.0' }),
);
const files = readdirSync(tarballs).map((f) => join(tarballs, f));
run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], app);

// One smoke check per package: what a user does first with it. Each gets `m`, the module.
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

let passed = 0;
let failed = 0;
for (const p of packages) {
  const name = p.json.name;
  const body = checks[name] ?? genericCheck;
  const esm = `import * as m from '${name}';\nconst REQUIRE_CORE = await import('@framekit/core');\n${body.replaceAll("REQUIRE('@framekit/core')", 'REQUIRE_CORE')}\nconsole.log('ok');`;
  const cjs = `const m = require('${name}');\n${body.replaceAll('REQUIRE(', 'require(')}\nconsole.log('ok');`;
  for (const [kind, file, code] of [
    ['esm', 'check.mjs', esm],
    ['cjs', 'check.cjs', cjs],
  ]) {
    writeFileSync(join(app, file), code);
    try {
      run(process.execPath, [file], app);
      passed++;
      console.log(`  ✓ ${name} (${kind})`);
    } catch (error) {
      failed++;
      console.log(`  ✗ ${name} (${kind})\n${error.stderr || error.message}`);
    }
  }
}
// The `framekit` bin of @framekit/cli, as a user runs it on their own map.
writeFileSync(join(app, 'my-e820.txt'), 'BIOS-e820: [mem 0x0000000000100000-0x0000000007ffffff] usable\n');
try {
  const out = run('npx', ['framekit', 'compare', '--map', 'my-e820.txt', '--ops', '2000', '--csv'], app);
  if (!/^strategy,ops,/.test(out)) throw new Error(`unexpected output:\n${out}`);
  passed++;
  console.log('  ✓ @framekit/cli (npx framekit compare --map my-e820.txt)');
} catch (error) {
  failed++;
  console.log(`  ✗ @framekit/cli (npx framekit compare --map my-e820.txt)\n${error.stderr || error.message}`);
}
rmSync(work, { recursive: true, force: true });
mkdirSync(join(root, '.results'), { recursive: true });
writeFileSync(join(root, '.results', 'pack.json'), JSON.stringify({ passed, failed }));
console.log(`pack: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
