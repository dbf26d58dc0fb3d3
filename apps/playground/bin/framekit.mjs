#!/usr/bin/env node
// Runs the command line from source: workspace packages resolve to their `src` through the
// `@framekit/source` export condition, and tsx compiles TypeScript on the fly.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register(
  'data:text/javascript,' +
    encodeURIComponent(
      "export async function resolve(s, c, next) { return next(s, { ...c, conditions: [...c.conditions, '@framekit/source'] }); }",
    ),
  import.meta.url,
);
registerTsx();
const { main } = await import('../src/cli/main.ts');
process.exitCode = main(process.argv.slice(2));
