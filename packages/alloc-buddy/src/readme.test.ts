import { readFileSync } from 'node:fs';
import * as core from '@framekit/core';
import { expect, it } from 'vitest';
import * as buddy from './index';

/**
 * Runs the README's opening example as written: its imports become the modules loaded here,
 * its `console.log` lines are collected and compared with the comments that follow them.
 */
it('the README example runs and prints what its comments say', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const modules: Record<string, unknown> = { '@framekit/core': core, '@framekit/alloc-buddy': buddy };
  const body = code.replace(/import \{([^}]+)\} from '([^']+)';/g, (_, names: string, from: string) => {
    expect(modules[from], from).toBeDefined();
    return `const {${names}} = modules[${JSON.stringify(from)}];`;
  });
  const printed: string[] = [];
  const log = (...values: unknown[]) => printed.push(values.map(String).join(' '));
  new Function('modules', 'console', body)(modules, { log });
  const expected = [...code.matchAll(/console\.log\(.*\); \/\/ ([^\n]+)/g)].map((m) => m[1].trim());
  expect(printed).toEqual(expected);
  expect(printed.length).toBe(6);
});
