import type { Check } from './budgets';
import { renderHeap } from './heap';
import { MAP_TITLES } from './maps';
import type { Row, SuiteResult } from './run';

const num = (x: number | undefined, digits = 1) =>
  x === undefined || !Number.isFinite(x)
    ? '–'
    : x >= 1000
      ? Math.round(x).toLocaleString('en-US')
      : x.toFixed(digits);
const ratio = (x: number | undefined) => (x === undefined ? '–' : `${x.toFixed(2)}x`);
const bytes = (x: number | undefined) =>
  x === undefined
    ? '–'
    : x >= 2 ** 30
      ? `${(x / 2 ** 30).toFixed(2)} GiB`
      : `${(x / 2 ** 20).toFixed(1)} MiB`;
const table = (head: string[], lines: string[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...lines.map((l) => `| ${l.join(' | ')} |`),
  ].join('\n');

/** The direct strategy a router row is compared with, per scenario. */
export const DIRECT: Readonly<Record<string, string>> = {
  'single-lifo': 'stack',
  'single-random': 'stack',
  'batch-64': 'stack',
  'huge-2mib': 'hier2m',
  'frag-512': 'hier2m',
  'frag-1-64': 'bitmap',
  'below-1': 'bitmap',
  'below-run': 'bitmap',
};

function rowLine(r: Row): string[] {
  if (r.skipped) return [r.strategy, '–', '–', '–', '–', `skipped: ${r.skipped}`];
  const vs = r.ratio === undefined ? '–' : `${ratio(r.ratio)} ${r.ratioTo}`;
  return [r.strategy, num(r.medianNs, 2), num(r.p99Ns, 2), num(r.opsPerSec, 0), vs, r.note ?? ''];
}

export function renderMarkdown(result: SuiteResult, checks?: readonly Check[]): string {
  const out: string[] = [];
  out.push('# framekit bench — latest results', '');
  out.push(
    `Profile \`${result.profile}\`, ${result.startedAt}, ${(result.durationMs / 1000).toFixed(0)} s. ` +
      `Node ${result.environment.node} on ${result.environment.platform} (${result.environment.cpus}); ` +
      `C reference: ${result.environment.compiler}.`,
    '',
    'All times are per operation (the scenario says what one op is): the median and p99 of timed calls, each',
    "call divided by its op count. `x C` is this row's median over the median of the C reference named next",
    'to it, measured in the same run: below 1 is faster than C. See bench/README.md for how to read them.',
    '',
  );
  if (result.missing.length > 0) {
    out.push('**Not measured in this run:**', '', ...result.missing.map((m) => `- ${m}`), '');
  }
  const r = result.recipe;
  out.push(
    `Fragmentation recipe: seed ${r.seed}, used extents 1..${r.usedMax}, holes 1..${r.holeMax}, ` +
      `1 in ${r.bigOneIn} holes big (${r.bigMin}..${r.bigMax} frames).`,
    '',
  );

  out.push('## Scenarios', '');
  for (const s of result.scenarios) {
    out.push(`### ${s.id}: ${s.title}`, '');
    out.push(
      `One op: ${s.op}.${s.usedShare !== undefined ? ` Space ${(s.usedShare * 100).toFixed(1)}% used after the recipe.` : ''}`,
      '',
    );
    const rows = result.rows.filter((x) => x.scenario === s.id);
    out.push(table(['strategy', 'median ns/op', 'p99 ns/op', 'ops/s', 'x C', 'note'], rows.map(rowLine)), '');
  }

  const routerLines: string[][] = [];
  for (const row of result.rows) {
    if (!row.strategy.startsWith('router:') || row.skipped) continue;
    const named =
      row.servedBy && result.rows.some((x) => x.scenario === row.scenario && x.strategy === row.servedBy);
    const directId = named ? (row.servedBy as string) : DIRECT[row.scenario];
    const direct = result.rows.find(
      (x) => x.scenario === row.scenario && x.strategy === directId && !x.skipped,
    );
    if (!direct?.medianNs || !row.medianNs) continue;
    routerLines.push([
      row.scenario,
      row.servedBy
        ? `${row.strategy} (${row.servedBy}${row.servedIn ? ` in ${row.servedIn}` : ''})`
        : row.strategy,
      num(row.medianNs, 2),
      directId,
      num(direct.medianNs, 2),
      ratio(row.medianNs / direct.medianNs),
    ]);
  }
  out.push('## Router overhead', '');
  out.push(
    routerLines.length > 0
      ? table(
          ['scenario', 'router (explain: served by)', 'ns/op', 'direct strategy', 'ns/op', 'router / direct'],
          routerLines,
        )
      : '_No router in this run (createRouter / routerPresets not in @framekit/core yet)._',
    '',
  );

  if (result.init.length > 0) {
    out.push('## Initialisation from a boot map', '');
    out.push(
      'framekit rows: `createFrameSpace(map)` (normalize included) + `create(space)`, each in its own child process, the fastest of the rounds;',
      "C rows: building from the normalized ranges. `createFrameSpace only` is the boot map's share of every framekit",
      "row (the C stack's lazy start costs nanoseconds, so its ratios are mostly that share). Peak RSS is the whole",
      'process (Node itself is ~50 MiB).',
      '',
    );
    out.push(
      table(
        ['map', 'strategy', 'median ms', 'p99 ms', 'x C', 'metadata B/frame', 'peak RSS', 'note'],
        result.init.map((i) => [
          MAP_TITLES[i.map],
          i.strategy,
          num(i.timing ? i.timing.medianNs / 1e6 : undefined, 2),
          num(i.timing ? i.timing.p99Ns / 1e6 : undefined, 2),
          ratio(i.ratio),
          i.metadataBytes !== undefined && (i.totalFrames ?? i.frames)
            ? (i.metadataBytes / (i.totalFrames ?? i.frames ?? 1)).toFixed(4)
            : '–',
          bytes(i.peakRssBytes),
          i.skipped ? `skipped: ${i.skipped}` : i.error ? `failed: ${i.error}` : '',
        ]),
      ),
      '',
    );
  }

  if (result.memory.length > 0) {
    out.push('## Memory', '');
    out.push(
      table(
        ['strategy', 'space', 'frames', 'metadata', 'bytes/frame', 'note'],
        result.memory.map((m) => [
          m.strategy,
          m.space,
          m.frames.toLocaleString('en-US'),
          m.metadataBytes >= 2 ** 20 ? bytes(m.metadataBytes) : `${m.metadataBytes} B`,
          m.bytesPerFrame.toFixed(4),
          m.note ?? '',
        ]),
      ),
      '',
    );
  }

  out.push('## Virtual memory', '');
  if (result.vm.length > 0) {
    out.push(
      table(
        ['scenario', 'pmm strategy', 'region', 'median ms', 'ns/page', 'note'],
        result.vm.map((v) => [
          v.scenario,
          v.strategy,
          `${v.bytes / 2 ** 20} MiB`,
          num(v.timing ? v.timing.medianNs / 1e6 : undefined, 2),
          num(v.nsPerPage, 1),
          v.skipped ? `failed: ${v.skipped}` : (v.note ?? ''),
        ]),
      ),
      '',
    );
  } else {
    out.push('_Not measured: @framekit/vm is not installed._', '');
  }

  if (result.heap) out.push(...renderHeap(result.heap));

  if (checks) {
    out.push('## Budgets (DESIGN.md)', '');
    out.push(
      table(
        ['', 'budget', 'subject', 'figure'],
        checks.map((c) => [
          c.holds === undefined ? '?' : c.holds ? 'holds' : '**misses**',
          c.budget,
          c.subject,
          c.detail,
        ]),
      ),
      '',
    );
  }
  return `${out.join('\n')}\n`;
}

export function renderChecks(checks: readonly Check[]): string {
  const mark = (c: Check) => (c.holds === undefined ? '  ?  ' : c.holds ? 'HOLDS' : 'MISS ');
  return checks.map((c) => `${mark(c)} ${c.budget} — ${c.subject}: ${c.detail}`).join('\n');
}
