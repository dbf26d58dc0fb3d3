import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHeapTrace } from '@framekit/sim';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/main';

function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const code = main(args);
  vi.restoreAllMocks();
  return { code, out: out.join('\n'), err: err.join('\n') };
}

afterEach(() => vi.restoreAllMocks());

describe('framekit compare --heap', () => {
  it('compares heap strategies and MemPool on an object workload', () => {
    const { code, out } = cli(
      'compare',
      '--heap',
      '--ops',
      '3000',
      '--mib',
      '16',
      '--strategies',
      'slab,tlsf,mempool',
    );
    expect(code).toBe(0);
    for (const word of ['slab', 'tlsf', 'mempool', 'held/live', 'peak held MiB', 'over the run']) {
      expect(out).toContain(word);
    }
  });

  it('gives the same memory figures for the same seed, as JSON', () => {
    const run = () =>
      JSON.parse(
        cli('compare', '--heap', '--workload', 'processes', '--ops', '2000', '--mib', '16', '--json').out,
      );
    const a = run();
    const b = run();
    expect(a.results.map((r: { target: string }) => r.target)).toEqual([
      'slab',
      'first-fit',
      'tlsf',
      'mempool',
    ]);
    const memory = (x: { results: { final: Record<string, number> }[] }) =>
      x.results.map((r) => ({ ...r.final, opsPerSecond: 0 }));
    expect(memory(a)).toEqual(memory(b));
  });

  it('prints an object trace that replays', () => {
    const { code, out } = cli('trace', '--heap', '--workload', 'buffers', '--ops', '300', '--mib', '16');
    expect(code).toBe(0);
    const ops = parseHeapTrace(out);
    expect(ops).toHaveLength(300);
    const file = join(mkdtempSync(join(tmpdir(), 'framekit-heap-')), 'objects.jsonl');
    writeFileSync(file, out);
    const replay = cli(
      'compare',
      '--heap',
      '--trace',
      file,
      '--strategies',
      'first-fit,mempool',
      '--csv',
      '--mib',
      '16',
    );
    expect(replay.code).toBe(0);
    expect(replay.out.split('\n')[0]).toMatch(/^target,ops,/);
    expect(replay.out).toContain('first-fit,300,');
  });

  it('says what is wrong with bad input, exit code 2', () => {
    expect(cli('compare', '--heap', '--strategies', 'buddy').err).toMatch(/unknown heap target 'buddy'/);
    expect(cli('compare', '--heap', '--workload', 'nope', '--ops', '10').code).toBe(2);
    expect(cli('compare', '--heap', '--ops', '-3').code).toBe(2);
    expect(cli('map', '--heap').code).toBe(2);
  });
});
