import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/**
 * Runs a README line as written, with `pnpm` as the README says to get it when it is not
 * installed (`npx -y pnpm@10.34.8`), in a scratch folder inside the workspace.
 */
function runReadmeLine(line: string): { cwd: string; stdout: string } {
  mkdirSync(join(root, '.results'), { recursive: true });
  const cwd = mkdtempSync(join(root, '.results', 'readme-'));
  const script = `command -v pnpm >/dev/null || pnpm() { npx -y pnpm@10.34.8 "$@"; }\n${line}`;
  const stdout = execFileSync('bash', ['-c', script], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { cwd, stdout };
}

describe("the root README's command line", () => {
  it('tells how to get pnpm', () => {
    expect(readme).toMatch(/corepack enable/);
    expect(readme).toMatch(/npx -y pnpm@10\.34\.8/);
  });

  it('runs the trace → replay pipeline exactly as written, with clean machine output', {
    timeout: 120_000,
  }, () => {
    const line = readme
      .split('\n')
      .find((l) => l.includes('framekit trace') && l.includes('framekit replay'));
    expect(line).toBeDefined();
    const command = (line as string).replace(/\s+#.*$/, '');
    const { cwd, stdout } = runReadmeLine(command);
    const trace = readFileSync(join(cwd, 't.jsonl'), 'utf8');
    expect(trace.split('\n')[0]).toMatch(/^# framekit-trace \{"map":"tiny-64m"/);
    expect(trace.split('\n')[1]).toMatch(/^\{"op":/);
    expect(stdout).toMatch(/^tiny-64m: .* · trace t\.jsonl/m);
    expect(stdout).toMatch(/^bitmap /m);
    expect(stdout).toMatch(/^kernel /m);
  });
});
