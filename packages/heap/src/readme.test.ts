import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('README', () => {
  it('opens with an example that runs as plain ESM and prints what its comments say', () => {
    const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
    const example = /^```js\n([\s\S]*?)\n```/m.exec(readme)?.[1];
    expect(example, 'the README opens with a js block').toBeDefined();
    expect(readme.trimStart().split('\n').slice(0, 3).join('\n')).toContain('```js');
    // Each `console.log(…); // value: comment` line must print `value`.
    const expected = [...example!.matchAll(/console\.log\(.*\);? \/\/ ([^:\n]+)/g)].map((m) => m[1].trim());
    expect(expected.length).toBeGreaterThan(5);
    // Run it as a user would, from the package directory (the package resolves itself by name;
    // sources through the `@framekit/source` condition, TypeScript through tsx).
    const file = join(packageDir, '.readme-example.mjs');
    writeFileSync(file, example!);
    try {
      const out = execFileSync(process.execPath, ['--conditions=@framekit/source', '--import', 'tsx', file], {
        cwd: packageDir,
        encoding: 'utf8',
      });
      expect(out.trim().split('\n')).toEqual(expected);
    } finally {
      rmSync(file, { force: true });
    }
  }, 60_000);
});
