import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main';

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
      'stack,bitmap,hier2m,kernel',
    );
    expect(code).toBe(0);
    expect(out).toMatch(/tiny-64m: .* usable/);
    for (const s of ['stack', 'bitmap', 'hier2m', 'kernel']) expect(out).toMatch(new RegExp(`^${s} `, 'm'));
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

  it('gives the same numbers for the same seed', () => {
    const run = () =>
      JSON.parse(cli('compare', '--map', 'tiny-64m', '--ops', '4000', '--seed', '9', '--json').out).results;
    const [a, b] = [run(), run()];
    expect(a.map(finalState)).toEqual(b.map(finalState));
  });

  it('reports mistakes as one line with a non-zero exit', () => {
    const unknown = cli('compare', '--strategies', 'stack,nope');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^framekit: .*unknown strategy 'nope'/);
    expect(unknown.err.split('\n')).toHaveLength(1);
    const badOps = cli('compare', '--ops', 'many');
    expect(badOps).toMatchObject({ code: 2 });
    expect(badOps.err).toMatch(/--ops must be an integer/);
    const file = join(dir, 'bad.txt');
    writeFileSync(
      file,
      'BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\nBIOS-e820: [mem 0x00000000000f0000-0x00000000000fzzzz] usable\n',
    );
    const bad = cli('map', file);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/BAD_BOOT_MAP.*line 2/);
    expect(cli('map', join(dir, 'missing.txt')).err).toMatch(/no such file/);
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
    const { code, out } = cli('replay', file, '--map', 'tiny-64m', '--strategies', 'bitmap,kernel', '--json');
    expect(code).toBe(0);
    const results = JSON.parse(out).results;
    expect(results.map((r: { strategy: string }) => r.strategy)).toEqual(['bitmap', 'kernel']);
    expect(results[0].ops).toBe(1500);
    writeFileSync(file, '{"op":"alloc","id":0}\n{"op":"free"}\n');
    expect(cli('replay', file).err).toMatch(/trace line 2/);
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
