// Runs a worker module from source, as bin/framekit.mjs runs the command line: workspace
// packages resolve to their `src` through the `@framekit/source` condition, tsx compiles
// TypeScript. Module hooks are per thread, so a worker registers its own before importing
// the module named by workerData.module.
import { register } from 'node:module';
import { workerData } from 'node:worker_threads';
import { register as registerTsx } from 'tsx/esm/api';

register(
  'data:text/javascript,' +
    encodeURIComponent(
      "export async function resolve(s, c, next) { return next(s, { ...c, conditions: [...c.conditions, '@framekit/source'] }); }",
    ),
  import.meta.url,
);
registerTsx();
await import(workerData.module);
