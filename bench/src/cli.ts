/**
 * `pnpm bench [--tiny] [--only=id,…] [--check] [--strict] [--out=DIR]`
 *
 * Runs the suite against `src` (Node with `--conditions=@framekit/source` and tsx, no build
 * needed), writes `results/latest.md` and `results/latest.json` (and the worker-thread rows,
 * `--only=workers`, to `results/workers.md`), and with `--check` prints
 * which of DESIGN.md's budgets hold. The exit code is 0 unless `--strict` is given and a
 * budget misses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBudgets, checkWorkerBudgets } from './budgets';
import { PROFILES } from './profiles';
import { renderChecks, renderMarkdown } from './report';
import { runSuite } from './run';
import { workerBench } from './workers';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const profile =
  PROFILES[flag('tiny') ? 'tiny' : ((value('profile') as 'full' | 'tiny' | undefined) ?? 'full')];
if (!profile) throw new Error(`unknown profile ${value('profile')}`);
const only = value('only')?.split(',').filter(Boolean);
const outDir = resolve(value('out') ?? join(dirname(fileURLToPath(import.meta.url)), '../results'));

const result = await runSuite({ profile, only, log: (line) => process.stderr.write(`${line}\n`) });
// The worker-thread rows (llfree on 1, 2, 4 workers; locked hier2m): results/workers.md.
const workers =
  !only || only.includes('workers')
    ? await workerBench(outDir, profile === PROFILES.tiny, (line) => process.stderr.write(`${line}\n`))
    : undefined;
const checks =
  flag('check') || flag('strict')
    ? [...checkBudgets(result), ...(workers ? checkWorkerBudgets(workers.rows) : [])]
    : undefined;
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'latest.md'), renderMarkdown(result, checks));
writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify({ ...result, checks }, null, 2)}\n`);
process.stderr.write(`wrote ${join(outDir, 'latest.md')} and latest.json\n`);
if (checks) {
  process.stdout.write(`${renderChecks(checks)}\n`);
  const misses = checks.filter((c) => c.holds === false).length;
  const unknown = checks.filter((c) => c.holds === undefined).length;
  process.stdout.write(`${checks.length - misses - unknown} hold, ${misses} miss, ${unknown} not measured\n`);
  if (flag('strict') && misses > 0) process.exitCode = 1;
}
