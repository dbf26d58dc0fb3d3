// Release dry run: in a scratch copy of the repository (its tracked and new, not ignored, files),
// apply the pending changesets with `changeset version`, then for every published package print
// the version it would get and its changelog entry, write the manifest as `pnpm publish` would
// (`workspace:` and `catalog:` ranges turned into versions, no devDependencies) and run
// `npm publish --dry-run` on it. Nothing is published and the repository is not touched. Needs
// `pnpm build` first (the packages carry `dist`).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 300_000 });

const scratch = mkdtempSync(join(tmpdir(), 'framekit-release-'));
const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root)
  .split('\0')
  .filter((file) => file && existsSync(join(root, file)));
for (const file of files) {
  mkdirSync(dirname(join(scratch, file)), { recursive: true });
  cpSync(join(root, file), join(scratch, file));
}

let failed = 0;
try {
  const changesets = readdirSync(join(scratch, '.changeset')).filter(
    (f) => f.endsWith('.md') && f !== 'README.md',
  );
  console.log(`changeset version: ${changesets.length} pending changesets`);
  run(process.execPath, [join(root, 'node_modules/@changesets/cli/bin.js'), 'version'], scratch);

  for (const dir of readdirSync(join(scratch, 'packages')).sort()) {
    const pkgDir = join(scratch, 'packages', dir);
    if (!existsSync(join(pkgDir, 'package.json'))) continue;
    const json = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    if (json.private) continue;
    console.log(`\n=== ${json.name}@${json.version}`);
    const changelog = join(pkgDir, 'CHANGELOG.md');
    if (existsSync(changelog)) {
      const text = readFileSync(changelog, 'utf8');
      const entry = text.split(/^## /m)[1];
      console.log(entry ? `## ${entry.trim()}` : text.trim());
    } else console.log('(no changelog: no changeset names this package)');
    try {
      if (!existsSync(join(root, 'packages', dir, 'dist')))
        throw new Error('not built: run pnpm build first');
      cpSync(join(root, 'packages', dir, 'dist'), join(pkgDir, 'dist'), { recursive: true });
      // What `pnpm publish` does to `workspace:` ranges, so that npm sees the published manifest.
      const published = { ...json };
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
        if (!published[field]) continue;
        published[field] = Object.fromEntries(
          Object.entries(published[field]).map(([dep, range]) => [dep, resolveWorkspaceRange(dep, range)]),
        );
      }
      delete published.devDependencies;
      writeFileSync(join(pkgDir, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
      const npm = spawnSync('npm', ['publish', '--dry-run', '--access', 'public', '--tag', 'dry-run'], {
        cwd: pkgDir,
        encoding: 'utf8',
        timeout: 300_000,
      });
      if (npm.status !== 0) throw new Error(`npm publish --dry-run failed:\n${npm.stdout}${npm.stderr}`);
      const notice = `${npm.stdout}\n${npm.stderr}`
        .trim()
        .split('\n')
        .filter((l) => /total files|package size|filename/.test(l));
      console.log(
        `npm publish --dry-run ${json.name}@${json.version}: ${notice.map((l) => l.replace(/^npm notice\s*/, '').trim()).join(' · ')}`,
      );
      console.log(`  dependencies: ${JSON.stringify(published.dependencies ?? {})}`);
      console.log(`  peerDependencies: ${JSON.stringify(published.peerDependencies ?? {})}`);
    } catch (error) {
      failed++;
      console.log(`FAILED: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }
} catch (error) {
  failed++;
  console.log(`FAILED: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
mkdirSync(join(root, '.results'), { recursive: true });
writeFileSync(
  join(root, '.results', 'release.json'),
  JSON.stringify({ passed: failed === 0 ? 1 : 0, failed: failed === 0 ? 0 : 1 }),
);
console.log(failed === 0 ? '\nrelease dry run: ok' : `\nrelease dry run: ${failed} failure(s)`);
process.exit(failed === 0 ? 0 : 1);

/** pnpm-workspace.yaml's `catalog:` entries (`  name: range` lines). */
function catalog() {
  const text = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = text.split(/^catalog:\s*$/m)[1]?.split(/^\S/m)[0] ?? '';
  return Object.fromEntries(
    [...block.matchAll(/^\s+['"]?([^'":\s]+)['"]?:\s*['"]?([^'"\n]+?)['"]?\s*$/gm)].map((m) => [m[1], m[2]]),
  );
}

function resolveWorkspaceRange(dep, range) {
  if (range === 'catalog:') {
    const resolved = catalog()[dep];
    if (!resolved) throw new Error(`${dep}: not in the pnpm catalog`);
    return resolved;
  }
  if (!String(range).startsWith('workspace:')) return range;
  const spec = range.slice('workspace:'.length);
  const dir = readdirSync(join(scratch, 'packages')).find((d) => {
    const file = join(scratch, 'packages', d, 'package.json');
    return existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).name === dep;
  });
  if (!dir) throw new Error(`${dep}: no workspace package`);
  const { version } = JSON.parse(readFileSync(join(scratch, 'packages', dir, 'package.json'), 'utf8'));
  if (spec === '*') return version;
  if (spec === '^' || spec === '~') return `${spec}${version}`;
  return spec;
}
