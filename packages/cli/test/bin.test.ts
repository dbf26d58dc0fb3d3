import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The `framekit` command as a process: through the repository's launcher (`pnpm framekit`
 * runs it), which bundles packages/cli's bin from source, so no build is needed first.
 */
const root = resolve(import.meta.dirname, '../../..');
const launcher = join(root, 'scripts/framekit.mjs');
const framekit = (args: string[], shell?: string) =>
  shell === undefined
    ? spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', cwd: root })
    : spawnSync('bash', ['-c', shell], {
        encoding: 'utf8',
        cwd: root,
        env: { ...process.env, LAUNCHER: launcher },
      });

describe('the framekit process', () => {
  it('prints its version and help, and exits 0', { timeout: 60_000 }, () => {
    const version = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')).version;
    expect(framekit(['--version'])).toMatchObject({ status: 0, stdout: `${version}\n`, stderr: '' });
    const help = framekit(['trace', '-h']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: framekit trace/m);
  });

  it('writes only JSON on stdout with --json, and one line on stderr for a mistake', {
    timeout: 60_000,
  }, () => {
    const run = framekit([
      'compare',
      '--map',
      'tiny-64m',
      '--ops',
      '500',
      '--strategies',
      'bitmap',
      '--json',
    ]);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).results[0].strategy).toBe('bitmap');
    const bad = framekit(['compare', '--seed', '-5']);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe("framekit: --seed must be a whole number >= 0, not '-5'\n");
  });

  it('stops quietly when the reader of a trace goes away', { timeout: 60_000 }, () => {
    const piped = framekit([], 'set -o pipefail; node "$LAUNCHER" trace --ops 300000 | head -1');
    expect(piped.stdout).toMatch(/^# framekit-trace /);
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
  });
});
