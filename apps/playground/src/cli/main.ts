import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatBytes, isFrameError, KIND_RANK, REGION_KINDS } from '@framekit/core';
import { formatTrace, parseTrace, type RunResult, WORKLOADS } from '@framekit/sim';
import { type CompareSetup, compare, DEFAULT_SETUP, loadMap, workloadOps } from '../shared/compare';
import { MAP_PRESETS } from '../shared/maps';
import { STRATEGIES } from '../shared/strategies';
import { HEAP_USAGE, heapCommand } from './heap';
import { memoryPicture } from './picture';
import { ProgressBar } from './progress';
import { formatCsv, formatTable } from './table';

const USAGE = `framekit — compare page-frame allocators on real memory maps

usage:
  framekit compare [--map FILE|PRESET] [--workload NAME] [--strategies a,b,...] [--ops N] [--seed S] [--json | --csv]
  framekit map FILE|PRESET          the parsed and normalized map, totals per kind, a picture of memory
  framekit replay TRACE [--map FILE|PRESET] [--strategies a,b,...] [--json | --csv]
  framekit trace [--workload NAME] [--ops N] [--seed S] [--map FILE|PRESET]   print a workload as a JSON Lines trace
  framekit list                     strategies, workloads and built-in maps
${HEAP_USAGE}

With no options, compare runs '${DEFAULT_SETUP.workload}' (${DEFAULT_SETUP.ops} operations, seed ${DEFAULT_SETUP.seed}) on the
built-in '${DEFAULT_SETUP.map}' map with ${DEFAULT_SETUP.strategies.join(', ')}.`;

/** A user mistake: printed as one line, exit code 2. */
class UsageError extends Error {}

export function main(argv: readonly string[]): number {
  const [command = 'compare', ...rest] = argv;
  try {
    if (rest.includes('--heap')) return heapCommand(command, rest);
    switch (command) {
      case 'compare':
        return compareCommand(rest);
      case 'map':
        return mapCommand(rest);
      case 'replay':
        return replayCommand(rest);
      case 'trace':
        return traceCommand(rest);
      case 'list':
        return listCommand();
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return 0;
      default:
        throw new UsageError(`unknown command '${command}' (try: framekit help)`);
    }
  } catch (error) {
    if (error instanceof UsageError || isFrameError(error)) {
      console.error(`framekit: ${(error as Error).message}`);
      return 2;
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error(`framekit: no such file: ${(error as NodeJS.ErrnoException).path}`);
      return 2;
    }
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`framekit: ${(error as Error).message}`);
      return 2;
    }
    throw error;
  }
}

const sharedOptions = {
  map: { type: 'string' },
  format: { type: 'string' },
  workload: { type: 'string' },
  strategies: { type: 'string' },
  ops: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
} as const;

function readSetup(args: readonly string[], allowPositional = false) {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: sharedOptions,
    allowPositionals: allowPositional,
  });
  const integer = (name: string, text: string | undefined, fallback: number, min: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < min)
      throw new UsageError(`--${name} must be an integer >= ${min}, not '${text}'`);
    return n;
  };
  const setup: CompareSetup = {
    map: values.map === undefined ? DEFAULT_SETUP.map : mapText(values.map),
    format: values.format as CompareSetup['format'],
    workload: values.workload ?? DEFAULT_SETUP.workload,
    strategies:
      values.strategies
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean) ?? DEFAULT_SETUP.strategies,
    ops: integer('ops', values.ops, DEFAULT_SETUP.ops, 1),
    seed: integer('seed', values.seed, DEFAULT_SETUP.seed, 0),
  };
  if (values.json && values.csv) throw new UsageError('choose one of --json and --csv');
  return { setup, output: values.json ? 'json' : values.csv ? 'csv' : 'table', positionals };
}

/** A preset's name stays a name; anything else is a file to read. */
function mapText(map: string): string {
  return MAP_PRESETS.some((m) => m.name === map) ? map : readFileSync(map, 'utf8');
}

function resultRows(results: readonly RunResult[]) {
  return results.map((r) => ({
    strategy: r.strategy,
    ops: r.ops,
    'ops/s': r.opsPerSecond,
    failed: r.failed,
    errors: r.errors.length,
    'free frames': r.final.freeFrames,
    'largest free run': r.final.largestFreeRun,
    'free 2M blocks': r.final.free2MiBBlocks,
    'unusable idx (2M)': r.final.unusableIndex,
    'frag idx (2M)': r.final.fragmentationIndex,
    metadata: formatBytes(r.final.metadataBytes),
  }));
}

function printResults(
  output: string,
  setup: CompareSetup,
  mapName: string,
  results: readonly RunResult[],
): void {
  if (output === 'json') {
    console.log(JSON.stringify({ setup: { ...setup, map: mapName }, results }, null, 2));
  } else if (output === 'csv') {
    console.log(formatCsv(resultRows(results)));
  } else {
    console.log(formatTable(resultRows(results)));
  }
}

function compareCommand(args: readonly string[]): number {
  const { setup, output } = readSetup(args);
  const progress = new ProgressBar();
  const { map, results } = compare(setup, {
    onStrategy: (name) => progress.start(name),
    run: { onProgress: (f) => progress.update(f) },
  });
  progress.done();
  if (output === 'table') {
    console.log(
      `${map.name}: ${formatBytes(map.space.usableFrames * 4096)} usable in ${map.space.ranges.length} ranges · workload ${setup.workload}, ${setup.ops} ops, seed ${setup.seed}\n`,
    );
  }
  printResults(output, setup, map.name, results);
  return 0;
}

function mapCommand(args: readonly string[]): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { format: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('map takes one FILE or preset name');
  const map = loadMap(mapText(positionals[0]), values.format as CompareSetup['format']);
  const rows = map.normalized.regions.map((r) => ({
    start: `0x${r.base.toString(16).padStart(12, '0')}`,
    end: `0x${(r.base + r.length - 1).toString(16).padStart(12, '0')}`,
    size: formatBytes(r.length),
    kind: r.kind,
    firmware: r.raw === undefined ? '' : String(r.raw),
  }));
  console.log(formatTable(rows));
  console.log('');
  const totals = REGION_KINDS.filter((k) => map.normalized.totals[k] > 0)
    .sort((a, b) => KIND_RANK[a] - KIND_RANK[b])
    .map((kind) => ({ kind, bytes: formatBytes(map.normalized.totals[kind]) }));
  console.log(formatTable(totals));
  console.log(
    `\nusable: ${map.space.usableFrames} frames (${formatBytes(map.space.usableFrames * 4096)}) in ${map.space.ranges.length} ranges, highest frame ${map.space.frameCount - 1}`,
  );
  console.log(memoryPicture(map.normalized));
  return 0;
}

function replayCommand(args: readonly string[]): number {
  const { setup, output, positionals } = readSetup(args, true);
  if (positionals.length !== 1) throw new UsageError('replay takes one TRACE file');
  const ops = parseTrace(readFileSync(positionals[0], 'utf8'));
  const progress = new ProgressBar();
  const { map, results } = compare(
    setup,
    { onStrategy: (name) => progress.start(name), run: { onProgress: (f) => progress.update(f) } },
    ops,
  );
  progress.done();
  printResults(output, { ...setup, workload: positionals[0], ops: ops.length }, map.name, results);
  for (const r of results) {
    for (const e of r.errors.slice(0, 5))
      console.error(`${r.strategy}: operation ${e.index + 1}: ${e.message}`);
  }
  return 0;
}

function traceCommand(args: readonly string[]): number {
  const { setup } = readSetup(args);
  const map = loadMap(setup.map, setup.format);
  process.stdout.write(formatTrace(workloadOps(setup, map.space.usableFrames)));
  return 0;
}

function listCommand(): number {
  console.log('strategies:');
  for (const s of STRATEGIES) console.log(`  ${s.name.padEnd(10)} ${s.description}`);
  console.log('workloads:');
  for (const w of Object.values(WORKLOADS)) console.log(`  ${w.name.padEnd(13)} ${w.description}`);
  console.log('maps:');
  for (const m of MAP_PRESETS) console.log(`  ${m.name.padEnd(12)} ${m.description}`);
  return 0;
}
