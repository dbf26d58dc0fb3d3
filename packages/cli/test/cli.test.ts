import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/main';

/** Runs the command line in-process and collects what it printed. */
function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const code = main(args);
  vi.restoreAllMocks();
  void write;
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const dir = mkdtempSync(join(tmpdir(), 'framekit-cli-'));

/** A result's last sample without its timing: what the same seed must reproduce. */
const finalState = (r: { final: Record<string, unknown> }) => ({ ...r.final, opsPerSecond: undefined });

afterEach(() => vi.restoreAllMocks());

describe('framekit compare', () => {
  it('prints a table of results for the built-in default', () => {
    const { code, out } = cli(
      'compare',
      '--map',
      'tiny-64m',
      '--ops',
      '3000',
      '--strategies',
      'stack,bitmap,hier2m,buddy,kernel,linux',
    );
    expect(code).toBe(0);
    expect(out).toMatch(/tiny-64m: .* usable/);
    for (const s of ['stack', 'bitmap', 'hier2m', 'buddy', 'kernel', 'linux']) {
      expect(out).toMatch(new RegExp(`^${s} `, 'm'));
    }
  });

  it('writes JSON and CSV', () => {
    const json = JSON.parse(
      cli('compare', '--map', 'tiny-64m', '--ops', '2000', '--strategies', 'bitmap', '--json').out,
    );
    expect(json.setup).toMatchObject({ map: 'tiny-64m', ops: 2000, strategies: ['bitmap'] });
    expect(json.results[0]).toMatchObject({ strategy: 'bitmap', ops: 2000 });
    const csv = cli(
      'compare',
      '--map',
      'tiny-64m',
      '--ops',
      '2000',
      '--strategies',
      'stack,bitmap',
      '--csv',
    ).out.split('\n');
    expect(csv[0]).toMatch(/^strategy,ops,ops\/s,failed/);
    expect(csv).toHaveLength(3);
  });

  it('gives the same numbers for the same seed, on the default strategies', () => {
    const run = () =>
      JSON.parse(cli('compare', '--map', 'tiny-64m', '--ops', '4000', '--seed', '9', '--json').out).results;
    const [a, b] = [run(), run()];
    // The default set: every single strategy, and the kernel-style and Linux-style routers.
    expect(a.map((r: { strategy: string }) => r.strategy)).toEqual([
      'stack',
      'bitmap',
      'hier2m',
      'buddy',
      'kernel',
      'linux',
    ]);
    expect(a.map(finalState)).toEqual(b.map(finalState));
  });

  it('reports mistakes as one line with a non-zero exit', () => {
    const unknown = cli('compare', '--strategies', 'stack,nope');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^framekit: .*unknown strategy 'nope'/);
    expect(unknown.err.split('\n')).toHaveLength(1);
    const badOps = cli('compare', '--ops', 'many');
    expect(badOps).toMatchObject({ code: 2 });
    expect(badOps.err).toMatch(/--ops must be a whole number/);
    const file = join(dir, 'bad.txt');
    writeFileSync(
      file,
      'BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\nBIOS-e820: [mem 0x00000000000f0000-0x00000000000fzzzz] usable\n',
    );
    const bad = cli('map', file);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/BAD_BOOT_MAP.*line 2/);
    expect(cli('map', join(dir, 'missing.txt')).err).toMatch(/no built-in map or file named .*missing.txt/);
  });
});

describe('framekit map, trace and replay', () => {
  it('shows a normalized map with totals and a picture', () => {
    const { code, out } = cli('map', 'laptop-16g');
    expect(code).toBe(0);
    expect(out).toMatch(/acpi-nvs/);
    expect(out).toMatch(/usable: \d+ frames/);
    expect(out).toMatch(/^0 \|.*█.*\| 0x/m);
  });

  it('replays a workload trace on other strategies', () => {
    const trace = cli('trace', '--workload', 'processes', '--ops', '1500', '--map', 'tiny-64m').out;
    const file = join(dir, 'trace.jsonl');
    writeFileSync(file, trace);
    const { code, out } = cli(
      'replay',
      file,
      '--map',
      'tiny-64m',
      '--strategies',
      'bitmap,buddy,kernel,linux',
      '--json',
    );
    expect(code).toBe(0);
    const results = JSON.parse(out).results;
    expect(results.map((r: { strategy: string }) => r.strategy)).toEqual([
      'bitmap',
      'buddy',
      'kernel',
      'linux',
    ]);
    for (const r of results) expect(r, r.strategy).toMatchObject({ ops: 1500, errors: [] });
    writeFileSync(file, '{"op":"alloc","id":0}\n{"op":"free"}\n');
    expect(cli('replay', file, '--map', 'tiny-64m').err).toMatch(/trace line 2/);
  });

  it('runs fork-exec through the VM, and replays its trace with the same numbers', () => {
    const args = ['--workload', 'fork-exec', '--ops', '4000', '--map', 'tiny-64m', '--seed', '2'];
    const strategies = ['--strategies', 'stack,bitmap,kernel'];
    const compared = JSON.parse(cli('compare', ...args, ...strategies, '--json').out).results;
    for (const r of compared) expect(r, r.strategy).toMatchObject({ ops: 4000, failed: 0, errors: [] });
    // Only the strategies with runs that free page by page map 2 MiB heap pages: more frames in use.
    expect(compared[1].final.freeFrames).toBeLessThan(compared[0].final.freeFrames);

    const file = join(dir, 'fork-exec.jsonl');
    writeFileSync(file, cli('trace', ...args).out);
    const replayed = JSON.parse(
      cli('replay', file, '--map', 'tiny-64m', ...strategies, '--json').out,
    ).results;
    expect(replayed.map(finalState)).toEqual(compared.map(finalState));
  });
});

describe('framekit help', () => {
  it('has help with an example on every subcommand, -h and --help alike, and a version', () => {
    for (const command of ['compare', 'map', 'trace', 'replay', 'list']) {
      for (const flag of ['--help', '-h']) {
        const { code, out, err } = cli(command, flag);
        expect(code, `${command} ${flag}`).toBe(0);
        expect(err).toBe('');
        expect(out, command).toMatch(new RegExp(`^usage: framekit ${command}`, 'm'));
        expect(out, command).toMatch(/^example:\n {2}framekit /m);
      }
    }
    expect(cli('compare', '--help').out).toMatch(/--format NAME/);
    expect(cli('help', 'replay').out).toMatch(/^usage: framekit replay TRACE/m);
    const top = cli('--help');
    expect(top.out).toMatch(/--version/);
    for (const command of ['compare', 'map', 'trace', 'replay', 'list']) expect(top.out).toMatch(command);
    expect(cli('--version').out).toMatch(/^\d+\.\d+\.\d+$/);
    expect(cli('map', '--help').out).toMatch(/^usage: framekit map FILE\|PRESET \[--format NAME\]$/m);
  });

  it('explains the columns with their units, and the table carries a footer and the skipped column', () => {
    const legend = cli('compare', '--explain-columns').out;
    expect(legend).toMatch(/4 KiB/);
    expect(legend).toMatch(/per mille/);
    expect(legend).toMatch(/-1000 means a 2 MiB block fits/);
    expect(legend).toMatch(/unsupported/);
    const { out } = cli('compare', '--map', 'tiny-64m', '--ops', '3000', '--strategies', 'stack,bitmap');
    expect(out).toMatch(/^tiny-64m: .* usable in 2 ranges/m);
    expect(out).toMatch(/skipped/);
    expect(out).toMatch(/frames are 4 KiB/);
    // The stack serves no runs: its run requests are unsupported, not "failed".
    const json = JSON.parse(
      cli('compare', '--map', 'tiny-64m', '--ops', '3000', '--strategies', 'stack', '--json').out,
    );
    const stack = json.results[0];
    expect(stack.unsupported).toBeGreaterThan(0);
    expect(out).toMatch(new RegExp(`^stack .* ${stack.unsupported} `, 'm'));
    const csv = cli('compare', '--map', 'tiny-64m', '--ops', '500', '--strategies', 'bitmap', '--csv').out;
    const [head, row] = csv.split('\n');
    const metadata = head.split(',').indexOf('metadata bytes');
    expect(metadata).toBeGreaterThan(0);
    expect(row.split(',')[metadata]).toMatch(/^\d+$/);
  });

  it('names a file map by its path, with one range said as one', () => {
    const file = join(dir, 'one-range.e820');
    writeFileSync(file, 'BIOS-e820: [mem 0x0000000000100000-0x0000000001ffffff] usable\n');
    const { code, out } = cli('compare', '--map', file, '--ops', '500', '--strategies', 'bitmap');
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^${file.replaceAll('/', '\\/')}: .* usable in 1 range ·`, 'm'));
    expect(cli('map', file).out.split('\n')[0]).toBe(file);
  });
});

describe('framekit with bad input', () => {
  const oneLine = (r: { code: number; err: string }, pattern: RegExp) => {
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(pattern);
  };

  it('says each mistake in one line and exits 2', () => {
    oneLine(cli('compare', '--map', dir), /is a directory/);
    oneLine(cli('replay', dir, '--map', 'tiny-64m'), /is a directory/);
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    oneLine(cli('replay', empty, '--map', 'tiny-64m'), /is empty/);
    const comments = join(dir, 'comments.jsonl');
    writeFileSync(comments, '# nothing here\n\n');
    oneLine(cli('replay', comments, '--map', 'tiny-64m'), /has no operations/);
    oneLine(cli('compare', '--strategies', ''), /--strategies names none \(known: stack, /);
    oneLine(cli('compare', '--strategies', ' , '), /--strategies names none/);
    oneLine(cli('compare', '--seed', '-5'), /--seed must be a whole number >= 0, not '-5'/);
    oneLine(cli('compare', '--ops', '-5'), /--ops must be a whole number >= 1, not '-5'/);
    oneLine(
      cli('compare', '--map', 'nosuchpreset'),
      /no built-in map or file named 'nosuchpreset' \(built-in maps: qemu-q35-2g, /,
    );
    const binary = join(dir, 'binary.jsonl');
    writeFileSync(binary, Uint8Array.from([0x7b, 0x00, 0xff, 0xfe, 0x13, 0x80, 0x0a]));
    oneLine(cli('replay', binary, '--map', 'tiny-64m'), /holds binary data/);
    expect(cli('replay', binary, '--map', 'tiny-64m').err).not.toMatch(/[^\x20-\x7e]/);
    oneLine(cli('compare', '--frobnicate'), /Unknown option '--frobnicate'/);
    oneLine(cli('frobnicate'), /unknown command 'frobnicate'/);
    oneLine(cli('compare', '--format', 'nosuch'), /--format must be one of e820, .* or auto, not 'nosuch'/);
    oneLine(cli('compare', '--workload', 'nosuch'), /unknown workload 'nosuch' \(known: churn, /);
    oneLine(cli('map'), /map takes FILE\|PRESET/);
  });

  it('refuses an operation count that cannot finish, naming the cap', () => {
    oneLine(cli('compare', '--ops', '9007199254740991'), /from 1 to 100,000,000.*would not finish/);
    oneLine(cli('trace', '--ops', '100000001'), /from 1 to 100,000,000/);
  });
});

describe('framekit replay and the trace header', () => {
  it('records the map, workload and seed in the trace and replays on that map', () => {
    const trace = cli(
      'trace',
      '--workload',
      'churn',
      '--ops',
      '800',
      '--map',
      'laptop-16g',
      '--seed',
      '3',
    ).out;
    expect(trace.split('\n')[0]).toBe(
      '# framekit-trace {"map":"laptop-16g","mapName":"laptop-16g","workload":"churn","seed":3,"ops":800}',
    );
    const file = join(dir, 'laptop.jsonl');
    writeFileSync(file, trace);
    const replayed = JSON.parse(cli('replay', file, '--strategies', 'bitmap', '--json').out);
    expect(replayed.setup).toMatchObject({ map: 'laptop-16g', workload: 'churn', seed: 3, ops: 800 });
    const compared = JSON.parse(
      cli(
        'compare',
        '--workload',
        'churn',
        '--ops',
        '800',
        '--map',
        'laptop-16g',
        '--seed',
        '3',
        '--strategies',
        'bitmap',
        '--json',
      ).out,
    );
    expect(replayed.results.map(finalState)).toEqual(compared.results.map(finalState));
  });

  it('carries a file map inside the trace', () => {
    const map = join(dir, 'small.e820');
    writeFileSync(
      map,
      'BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\nBIOS-e820: [mem 0x0000000000100000-0x0000000003ffffff] usable\n',
    );
    const file = join(dir, 'small.jsonl');
    writeFileSync(file, cli('trace', '--ops', '600', '--map', map).out);
    const { code, out } = cli('replay', file, '--strategies', 'bitmap');
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^${map.replaceAll('/', '\\/')}: .* usable in 2 ranges · trace`, 'm'));
  });

  it('refuses a trace without a header unless --map says the map', () => {
    const file = join(dir, 'bare.jsonl');
    writeFileSync(file, '{"op":"alloc","id":0}\n');
    const r = cli('replay', file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/does not say which map .* pass --map/);
    expect(cli('replay', file, '--map', 'tiny-64m').code).toBe(0);
  });
});

describe('framekit buddyinfo', () => {
  it('prints /proc/buddyinfo lines per strategy at start-up, which parseBuddyInfo reads back', async () => {
    const { parseBuddyInfo } = await import('@framekit/core');
    const { code, out } = cli('buddyinfo', 'tiny-64m', '--strategies', 'buddy,bitmap');
    expect(code).toBe(0);
    expect(out).toMatch(/^# buddy, at start-up$/m);
    expect(out).toMatch(/^# bitmap, at start-up$/m);
    const zones = parseBuddyInfo(out);
    expect(zones.map((z) => z.zone)).toEqual(['DMA', 'DMA32', 'DMA', 'DMA32']);
    // Right after start-up every strategy's free memory is the same: the same lines.
    expect(zones[0]).toEqual(zones[2]);
    expect(zones[1]).toEqual(zones[3]);
    expect(zones.every((z) => z.freeBlocksPerOrder.length === 11)).toBe(true);
  });

  it('runs a workload first when --workload is given', () => {
    const { code, out } = cli(
      'buddyinfo',
      'tiny-64m',
      '--workload',
      'hugepage-mix',
      '--ops',
      '2000',
      '--strategies',
      'stack,linux',
    );
    expect(code).toBe(0);
    expect(out).toMatch(/^# stack after hugepage-mix, 2000 ops, seed 1$/m);
    expect(out).toMatch(/^# linux after hugepage-mix, 2000 ops, seed 1$/m);
    expect(out).toMatch(/^Node 0, zone {4}DMA32 +\d/m);
  });

  it('has help with an example', () => {
    const { code, out } = cli('buddyinfo', '--help');
    expect(code).toBe(0);
    expect(out).toMatch(/usage: framekit buddyinfo FILE\|PRESET/);
    expect(out).toMatch(/example:\n {2}framekit buddyinfo /);
  });
});
