import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  BOOT_MAP_FORMATS,
  buddyInfoOf,
  DMA_LIMIT_PFN,
  DMA32_LIMIT_PFN,
  type FrameAllocator,
  formatBuddyInfo,
  formatBytes,
  isFrameError,
  KIND_RANK,
  REGION_KINDS,
} from '@framekit/core';
import { formatTrace, parseTrace, type RunResult, type TraceOp, WORKLOADS } from '@framekit/sim';
import { version } from '../package.json';
import { HEAP_USAGE, heapCommand } from './heap';
import { memoryPicture } from './picture';
import { ProgressBar } from './progress';
import {
  type CompareSetup,
  checkOps,
  compare,
  DEFAULT_SETUP,
  findWorkload,
  loadSetupMap,
  MAX_OPS,
  workloadOps,
} from './shared/compare';
import { findMapPreset, MAP_PRESETS } from './shared/maps';
import { findStrategies, STRATEGIES } from './shared/strategies';
import { formatCsv, formatTable } from './table';
import { formatTraceHeader, parseTraceHeader, type TraceHeader } from './trace-header';
import { workersCommand } from './workers';

/** A user mistake: printed as one line, exit code 2. */
class UsageError extends Error {}

type Values = Record<string, string | boolean | undefined>;

/** One subcommand: its help text and what it runs. Adding a subcommand is one entry here. */
interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Option lines and an example, shown by `framekit NAME --help`. */
  readonly details: string;
  readonly options: NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  /** How many positional arguments it takes. */
  readonly positionals: number;
  run(values: Values, positionals: string[]): number;
}

const setupOptions = {
  map: { type: 'string' },
  format: { type: 'string' },
  workload: { type: 'string' },
  strategies: { type: 'string' },
  ops: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  'explain-columns': { type: 'boolean' },
  workers: { type: 'string' },
} as const;

const OPTION_HELP = {
  map: `  --map FILE|PRESET     a memory-map file in any format parseBootMap reads, or a built-in map
                        (${MAP_PRESETS.map((m) => m.name).join(', ')}); default ${DEFAULT_SETUP.map}`,
  format: `  --format NAME         the map file's format when auto-detection is not wanted:
                        ${BOOT_MAP_FORMATS.join(', ')}`,
  workload: `  --workload NAME       ${Object.keys(WORKLOADS).join(', ')}; default ${DEFAULT_SETUP.workload}`,
  strategies: `  --strategies a,b,...  ${STRATEGIES.map((s) => s.name).join(', ')}; default ${DEFAULT_SETUP.strategies.join(',')}`,
  ops: `  --ops N               operations, 1 to ${MAX_OPS.toLocaleString('en-US')} (larger runs would not finish); default ${DEFAULT_SETUP.ops}`,
  seed: `  --seed S              the workload's seed, an integer >= 0; default ${DEFAULT_SETUP.seed}`,
  output: `  --json | --csv        machine output on stdout (CSV's metadata column is in bytes)
  --explain-columns     what each column of the results means, with units`,
  heap: `  --heap                byte heaps (@framekit/heap) instead of frame allocators:
${HEAP_USAGE}`,
  workers: `  --workers N           run the workload on ONE shared llfree allocator from 1, 2, 4 … N worker
                        threads (owners split over them): throughput scaling, retries per op`,
  help: '  -h, --help            this help',
};

export const COLUMN_LEGEND = `columns of the results (frames are 4 KiB; ‰ is per mille):
  ops/s             operations per second, timing the allocator's calls only (varies run to run)
  failed            requests not served because free memory was exhausted or too fragmented
  unsupported       requests of a shape the strategy cannot serve at all (the stack hands out no
                    runs); not counted in failed here (the JSON's "failed" counts both)
  skipped           frees of allocations that had failed: nothing to free
  errors            FrameErrors the allocator threw: misuse in a trace (a double free, say); 0 normally
  free frames       free 4 KiB frames at the end of the run
  largest free run  the longest run of contiguous free frames, in 4 KiB frames
  free 2M blocks    free 2 MiB blocks (512 frames, 2 MiB-aligned)
  unusable ‰ (2M)   Linux's unusable free space index for a 2 MiB (order-9) request: the share of
                    free memory in pieces too small for it (0 none ... 1000 all)
  frag ‰ (2M)       Linux's fragmentation index for a 2 MiB request: -1000 means a 2 MiB block fits;
                    else near 0 a failure is for lack of memory, near 1000 for fragmentation
  metadata          the strategy's bookkeeping (the table in KiB/MiB; CSV "metadata bytes" and JSON in bytes)`;

const FOOTER =
  'frames are 4 KiB · ‰ = per mille, -1000 = a 2 MiB block fits · unsupported = a shape the strategy cannot serve\n' +
  '(framekit compare --explain-columns explains every column)';

const COMMANDS: readonly Command[] = [
  {
    name: 'compare',
    summary: 'run one seeded workload on each strategy and print a table of results',
    usage:
      'framekit compare [--map FILE|PRESET] [--format NAME] [--workload NAME] [--strategies a,b,...] [--ops N] [--seed S] [--json | --csv]',
    details: [
      OPTION_HELP.map,
      OPTION_HELP.format,
      OPTION_HELP.workload,
      OPTION_HELP.strategies,
      OPTION_HELP.ops,
      OPTION_HELP.seed,
      OPTION_HELP.output,
      OPTION_HELP.heap,
      OPTION_HELP.workers,
      OPTION_HELP.help,
      '',
      'example:',
      '  framekit compare --map my-e820.txt --workload dma-bursts --strategies stack,bitmap,kernel --ops 100000',
      'more examples:',
      '  framekit compare --heap --workload processes --strategies slab,tlsf,mempool',
      '  framekit compare --workers 4 --workload processes --ops 200000',
    ].join('\n'),
    options: setupOptions,
    positionals: 0,
    run: compareCommand,
  },
  {
    name: 'buddyinfo',
    summary: '/proc/buddyinfo lines for each strategy, at start-up or after a workload',
    usage:
      'framekit buddyinfo FILE|PRESET [--format NAME] [--workload NAME] [--strategies a,b,...] [--ops N] [--seed S]',
    details: [
      OPTION_HELP.format,
      `  --workload NAME       run this workload first (${Object.keys(WORKLOADS).join(', ')});
                        without it, the lines show each strategy right after start-up`,
      OPTION_HELP.strategies,
      OPTION_HELP.ops,
      OPTION_HELP.seed,
      OPTION_HELP.help,
      '',
      "Each strategy's free memory is cut at Linux's zone limits (DMA < 16 MiB, DMA32 < 4 GiB,",
      'Normal) and into naturally aligned blocks of order 0-10, as a buddy allocator holds them',
      '(cached frames of a router count as free); the lines are printed in the format of',
      "Linux's /proc/buddyinfo, to hold against your own machine's.",
      '',
      'example:',
      '  framekit buddyinfo laptop-16g --workload hugepage-mix --strategies buddy,bitmap --ops 100000',
    ].join('\n'),
    options: {
      format: { type: 'string' },
      workload: { type: 'string' },
      strategies: { type: 'string' },
      ops: { type: 'string' },
      seed: { type: 'string' },
    },
    positionals: 1,
    run: buddyinfoCommand,
  },
  {
    name: 'map',
    summary: 'the parsed and normalized map, totals per kind, a picture of memory',
    usage: 'framekit map FILE|PRESET [--format NAME]',
    details: [OPTION_HELP.format, OPTION_HELP.help, '', 'example:', '  framekit map laptop-16g'].join('\n'),
    options: { format: { type: 'string' } },
    positionals: 1,
    run: mapCommand,
  },
  {
    name: 'trace',
    summary: 'print a workload as a JSON Lines trace (its first line records map, workload and seed)',
    usage: 'framekit trace [--map FILE|PRESET] [--format NAME] [--workload NAME] [--ops N] [--seed S]',
    details: [
      OPTION_HELP.map,
      OPTION_HELP.format,
      OPTION_HELP.workload,
      OPTION_HELP.ops,
      OPTION_HELP.seed,
      OPTION_HELP.help,
      '',
      'example:',
      '  framekit trace --workload processes --map tiny-64m > t.jsonl',
    ].join('\n'),
    options: setupOptions,
    positionals: 0,
    run: traceCommand,
  },
  {
    name: 'replay',
    summary: "replay a JSON Lines trace on each strategy, on the map the trace's header names",
    usage: 'framekit replay TRACE [--map FILE|PRESET] [--strategies a,b,...] [--json | --csv]',
    details: [
      `${OPTION_HELP.map.split('\n')[0].replace('a memory-map file', 'overrides the map of the trace header: a file')}
                        (required when the trace has no '# framekit-trace' header)`,
      OPTION_HELP.format,
      OPTION_HELP.strategies,
      OPTION_HELP.output,
      OPTION_HELP.help,
      '',
      'example:',
      '  framekit trace --workload processes --map tiny-64m > t.jsonl && framekit replay t.jsonl --strategies bitmap,kernel',
    ].join('\n'),
    options: setupOptions,
    positionals: 1,
    run: replayCommand,
  },
  {
    name: 'list',
    summary: 'strategies, workloads and built-in maps',
    usage: 'framekit list',
    details: `${OPTION_HELP.help}\n\nexample:\n  framekit list`,
    options: {},
    positionals: 0,
    run: listCommand,
  },
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `framekit ${version} — compare page-frame allocators on real memory maps

usage: framekit COMMAND [options]      (framekit COMMAND --help for its options and an example)

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

  -h, --help     this help        -v, --version  the version

With no command, compare runs '${DEFAULT_SETUP.workload}' (${DEFAULT_SETUP.ops} operations, seed ${DEFAULT_SETUP.seed}) on the
built-in '${DEFAULT_SETUP.map}' map with ${DEFAULT_SETUP.strategies.join(', ')}.

example:
  framekit compare --map my-e820.txt --ops 100000`;
}

function commandHelp(c: Command): string {
  return `framekit ${c.name} — ${c.summary}\n\nusage: ${c.usage}\n\n${c.details}`;
}

export function main(argv: readonly string[]): number {
  const first = argv[0];
  try {
    if (first === 'help' || first === '--help' || first === '-h') {
      const topic = first === 'help' ? COMMANDS.find((c) => c.name === argv[1]) : undefined;
      console.log(topic ? commandHelp(topic) : usage());
      return 0;
    }
    if (first === '--version' || first === '-v' || first === 'version') {
      console.log(version);
      return 0;
    }
    const named = first !== undefined && !first.startsWith('-');
    // Byte heaps: `compare --heap` and `trace --heap` have options of their own (see heap.ts).
    if (argv.includes('--heap') && !argv.includes('--help') && !argv.includes('-h')) {
      return heapCommand(named ? first : 'compare', named ? argv.slice(1) : argv);
    }
    const command = COMMANDS.find((c) => c.name === (named ? first : 'compare'));
    if (!command)
      throw new UsageError(
        `unknown command '${first}' (commands: ${COMMANDS.map((c) => c.name).join(', ')}; try framekit --help)`,
      );
    const args = joinNegativeNumbers(named ? argv.slice(1) : argv, command);
    const { values, positionals } = parseArgs({
      args,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: command.positionals > 0,
      strict: true,
    });
    if (values.help) {
      console.log(commandHelp(command));
      return 0;
    }
    if (positionals.length !== command.positionals) {
      throw new UsageError(
        `${command.name} takes ${
          command.usage
            .split(' ')
            .slice(2, 2 + command.positionals)
            .join(' ') || 'no arguments'
        }: ${command.usage}`,
      );
    }
    return command.run(values as Values, positionals);
  } catch (error) {
    const message = userMessage(error);
    if (message === undefined) throw error;
    console.error(`framekit: ${message}`);
    return 2;
  }
}

/** The one line a user mistake prints, or undefined for a bug (which keeps its stack trace). */
function userMessage(error: unknown): string | undefined {
  if (error instanceof UsageError || isFrameError(error)) return (error as Error).message;
  const code = (error as NodeJS.ErrnoException).code;
  const path = (error as NodeJS.ErrnoException).path;
  if (code === 'ENOENT') return `no such file: ${path}`;
  if (code === 'EISDIR') return `${path} is a directory, not a file`;
  if (code === 'EACCES') return `cannot read ${path}: permission denied`;
  if (code?.startsWith('ERR_PARSE_ARGS')) {
    return `${(error as Error).message.split('\n')[0]} (try: framekit --help)`;
  }
  return undefined;
}

/**
 * `--seed -5` would make parseArgs complain that the argument is ambiguous: a number after an
 * option that takes a value is that option's value, so the range check can say what is wrong.
 */
function joinNegativeNumbers(args: readonly string[], command: Command): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : undefined;
    const spec = name === undefined ? undefined : (command.options as Record<string, { type: string }>)[name];
    if (spec?.type === 'string' && /^-\d/.test(args[i + 1] ?? '')) {
      out.push(`${args[i]}=${args[i + 1]}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

/** A file's text; a directory, binary data or an empty file is a one-line mistake. */
function readText(path: string, what: string): string {
  if (statSync(path).isDirectory()) throw new UsageError(`${path} is a directory, not a ${what}`);
  const bytes = readFileSync(path);
  if (bytes.length === 0) throw new UsageError(`${path} is empty: no ${what} in it`);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes('\u0000') || text.includes('\uFFFD')) {
    throw new UsageError(`${path} holds binary data, not a ${what} (a text file is needed)`);
  }
  return text;
}

/** A built-in map's name stays a name; anything else is a file to read. */
function mapSource(map: string): { map: string; mapName?: string } {
  if (findMapPreset(map)) return { map };
  try {
    statSync(map);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UsageError(
        `no built-in map or file named '${map}' (built-in maps: ${MAP_PRESETS.map((m) => m.name).join(', ')})`,
      );
    }
    throw error;
  }
  return { map: readText(map, 'memory map'), mapName: map };
}

function integer(name: string, text: string | boolean | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (typeof text !== 'string' || text.trim() === '' || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be a whole number >= ${min}, not '${text}'`);
  }
  return n;
}

/** `--format`: one of the formats parseBootMap reads, or `auto`. */
function readFormat(values: Values): CompareSetup['format'] {
  const format = values.format;
  if (format === undefined || format === 'auto') return undefined;
  if (!(BOOT_MAP_FORMATS as readonly unknown[]).includes(format)) {
    throw new UsageError(`--format must be one of ${BOOT_MAP_FORMATS.join(', ')} or auto, not '${format}'`);
  }
  return format as CompareSetup['format'];
}

function readSetup(values: Values): { setup: CompareSetup; output: 'table' | 'json' | 'csv' } {
  let strategies = DEFAULT_SETUP.strategies;
  if (values.strategies !== undefined) {
    strategies = String(values.strategies)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (strategies.length === 0) {
      throw new UsageError(`--strategies names none (known: ${STRATEGIES.map((s) => s.name).join(', ')})`);
    }
    findStrategies(strategies);
  }
  const ops = integer('ops', values.ops, DEFAULT_SETUP.ops, 1);
  if (ops > MAX_OPS) checkOps(ops);
  const setup: CompareSetup = {
    ...(values.map === undefined ? { map: DEFAULT_SETUP.map } : mapSource(String(values.map))),
    format: readFormat(values),
    workload: (values.workload as string | undefined) ?? DEFAULT_SETUP.workload,
    strategies,
    ops,
    seed: integer('seed', values.seed, DEFAULT_SETUP.seed, 0),
  };
  if (values.json && values.csv) throw new UsageError('choose one of --json and --csv');
  return { setup, output: values.json ? 'json' : values.csv ? 'csv' : 'table' };
}

function resultRows(results: readonly RunResult[], bytes: boolean) {
  return results.map((r) => ({
    strategy: r.strategy,
    ops: r.ops,
    'ops/s': r.opsPerSecond,
    failed: r.failed - r.unsupported,
    unsupported: r.unsupported,
    skipped: r.skipped,
    errors: r.errors.length,
    'free frames': r.final.freeFrames,
    'largest free run': r.final.largestFreeRun,
    'free 2M blocks': r.final.free2MiBBlocks,
    'unusable ‰ (2M)': r.final.unusableIndex,
    'frag ‰ (2M)': r.final.fragmentationIndex,
    ...(bytes
      ? { 'metadata bytes': r.final.metadataBytes }
      : { metadata: formatBytes(r.final.metadataBytes) }),
  }));
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function printResults(
  output: string,
  setup: Record<string, unknown>,
  header: string,
  results: readonly RunResult[],
): void {
  if (output === 'json') {
    console.log(JSON.stringify({ setup, results }, null, 2));
  } else if (output === 'csv') {
    console.log(formatCsv(resultRows(results, true)));
  } else {
    console.log(`${header}\n`);
    console.log(formatTable(resultRows(results, false)));
    console.log(`\n${FOOTER}`);
  }
}

function mapLine(name: string, usableFrames: number, ranges: number): string {
  return `${name}: ${formatBytes(usableFrames * 4096)} usable in ${plural(ranges, 'range')}`;
}

function compareCommand(values: Values): number {
  if (values['explain-columns']) {
    console.log(COLUMN_LEGEND);
    return 0;
  }
  const { setup, output } = readSetup(values);
  if (values.workers !== undefined)
    return workersCommand(setup, integer('workers', values.workers, 1, 1), output);
  const progress = new ProgressBar();
  progress.start(setup.strategies[0]);
  const { map, results } = compare(setup, {
    onStrategy: (name) => progress.start(name),
    run: { onProgress: (f) => progress.update(f) },
  });
  progress.done();
  const header = `${mapLine(map.name, map.space.usableFrames, map.space.ranges.length)} · workload ${setup.workload}, ${setup.ops} ops, seed ${setup.seed}`;
  const { map: _text, mapName: _name, ...rest } = setup;
  printResults(output, { ...rest, map: map.name }, header, results);
  return 0;
}

/** Linux's zones on x86-64, for `buddyinfo`. */
const LINUX_ZONES = [
  { name: 'DMA', end: DMA_LIMIT_PFN },
  { name: 'DMA32', end: DMA32_LIMIT_PFN },
  { name: 'Normal', end: Number.POSITIVE_INFINITY },
];

function buddyinfoCommand(values: Values, positionals: string[]): number {
  const { setup } = readSetup({ ...values, map: positionals[0] });
  const workload = values.workload !== undefined;
  const print = (name: string, allocator: FrameAllocator, starts: readonly number[]) => {
    console.log(
      `# ${name}${workload ? ` after ${setup.workload}, ${setup.ops} ops, seed ${setup.seed}` : ', at start-up'}`,
    );
    buddyInfoOf(allocator, LINUX_ZONES).forEach((zone, i) => {
      // Like Linux, only zones with memory are listed.
      if (starts[i] > 0) console.log(formatBuddyInfo(zone.zone, zone.freeBlocksPerOrder));
    });
  };
  const map = loadSetupMap(setup, workload && findWorkload(setup.workload).needsContents === true);
  const populated = LINUX_ZONES.map((z, i) => {
    const from = i === 0 ? 0 : LINUX_ZONES[i - 1].end;
    return map.space.ranges.reduce(
      (n, r) => n + Math.max(0, Math.min(r.start + r.count, z.end) - Math.max(r.start, from)),
      0,
    );
  });
  if (!workload) {
    for (const strategy of findStrategies(setup.strategies))
      print(strategy.name, strategy.create(map.space), populated);
    return 0;
  }
  compare(setup, { onResult: (result, allocator) => print(result.strategy, allocator, populated) });
  return 0;
}

function mapCommand(values: Values, positionals: string[]): number {
  const source = mapSource(positionals[0]);
  const map = loadSetupMap({ ...DEFAULT_SETUP, ...source, format: readFormat(values) });
  const rows = map.normalized.regions.map((r) => ({
    start: `0x${r.base.toString(16).padStart(12, '0')}`,
    end: `0x${(r.base + r.length - 1).toString(16).padStart(12, '0')}`,
    size: formatBytes(r.length),
    kind: r.kind,
    firmware: r.raw === undefined ? '' : String(r.raw),
  }));
  const preset = findMapPreset(positionals[0]);
  console.log(`${preset ? `${preset.name} — ${preset.description}` : map.name}\n`);
  console.log(formatTable(rows));
  console.log('');
  const totals = REGION_KINDS.filter((k) => map.normalized.totals[k] > 0)
    .sort((a, b) => KIND_RANK[a] - KIND_RANK[b])
    .map((kind) => ({ kind, bytes: formatBytes(map.normalized.totals[kind]) }));
  console.log(formatTable(totals));
  console.log(
    `\nusable: ${map.space.usableFrames} frames of 4 KiB (${formatBytes(map.space.usableFrames * 4096)}) in ${plural(map.space.ranges.length, 'range')}, highest frame ${map.space.frameCount - 1}`,
  );
  console.log(memoryPicture(map.normalized));
  return 0;
}

function replayCommand(values: Values, positionals: string[]): number {
  const path = positionals[0];
  const text = readText(path, 'trace');
  let header: TraceHeader | undefined;
  try {
    header = parseTraceHeader(text);
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
  if (values.map === undefined && !header) {
    throw new UsageError(
      `${path} does not say which map it was made on (no '# framekit-trace' header): pass --map FILE|PRESET`,
    );
  }
  const { setup, output } = readSetup(values);
  let ops: TraceOp[];
  try {
    ops = parseTrace(text);
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
  if (ops.length === 0) throw new UsageError(`${path} has no operations in it`);
  const fromHeader =
    values.map === undefined && header
      ? typeof header.map === 'string'
        ? { map: header.map, mapName: header.mapName, format: undefined }
        : { map: JSON.stringify(header.map), mapName: header.mapName, format: 'json' as const }
      : {};
  const replaySetup: CompareSetup = { ...setup, ...fromHeader };
  const progress = new ProgressBar();
  progress.start(replaySetup.strategies[0]);
  const { map, results } = compare(
    replaySetup,
    { onStrategy: (name) => progress.start(name), run: { onProgress: (f) => progress.update(f) } },
    ops,
  );
  progress.done();
  const made = header ? ` · made from ${header.workload}, seed ${header.seed}` : '';
  printResults(
    output,
    {
      map: map.name,
      trace: path,
      workload: header?.workload ?? 'trace',
      seed: header?.seed,
      strategies: replaySetup.strategies,
      ops: ops.length,
    },
    `${mapLine(map.name, map.space.usableFrames, map.space.ranges.length)} · trace ${path}, ${ops.length} ops${made}`,
    results,
  );
  for (const r of results) {
    for (const e of r.errors.slice(0, 5))
      console.error(`${r.strategy}: operation ${e.index + 1}: ${e.message}`);
  }
  return 0;
}

function traceCommand(values: Values): number {
  const { setup } = readSetup(values);
  const map = loadSetupMap(setup);
  const preset = findMapPreset(setup.map);
  const header: TraceHeader = {
    map: preset
      ? preset.name
      : { regions: map.normalized.regions.map(({ base, length, kind }) => ({ base, length, kind })) },
    mapName: map.name,
    workload: setup.workload,
    seed: setup.seed,
    ops: setup.ops,
  };
  process.stdout.write(formatTraceHeader(header));
  // Written in chunks as the workload streams, so memory stays flat for any operation count.
  let chunk: TraceOp[] = [];
  for (const op of workloadOps(setup, map.space.usableFrames)) {
    chunk.push(op);
    if (chunk.length === 4096) {
      process.stdout.write(formatTrace(chunk));
      chunk = [];
    }
  }
  process.stdout.write(formatTrace(chunk));
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
