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

  it('shows fragmentation over the run as the JSON samples have it, next to held / live', () => {
    const args = ['compare', '--heap', '--workload', 'mixed', '--ops', '3000', '--mib', '16'];
    const text = cli(...args, '--strategies', 'slab,tlsf,mempool');
    const json = JSON.parse(cli(...args, '--strategies', 'slab,tlsf,mempool', '--json').out);
    expect(text.code).toBe(0);
    const lines = text.out.split('\n');
    /** The table under the line that starts with `title`: its header and rows, split on spaces. */
    const table = (title: string) => {
      const at = lines.findIndex((l) => l.startsWith(title));
      expect(at, title).toBeGreaterThan(0);
      const rest = lines.slice(at + 1).filter((l, i) => i > 0 || l !== '');
      const end = rest.findIndex((l) => l.trim() === '');
      const [head, , ...rows] = (end < 0 ? rest : rest.slice(0, end)).map((l) => l.trim().split(/\s+/));
      return { head, rows };
    };
    type Sample = {
      op: number;
      heldPerLive: number;
      internalFragmentation: number;
      externalFragmentation: number;
    };
    const results: { target: string; samples: Sample[] }[] = json.results;
    const metrics = {
      'held / live bytes over the run': 'heldPerLive',
      'internal fragmentation over the run': 'internalFragmentation',
      'external fragmentation over the run': 'externalFragmentation',
    } as const;
    for (const [title, key] of Object.entries(metrics)) {
      const { head, rows } = table(title);
      expect(head).toEqual(['op', 'slab', 'tlsf', 'mempool']);
      expect(rows.length, title).toBe(10);
      for (const row of rows) {
        const op = Number(row[0]);
        results.forEach((r, k) => {
          const sample = r.samples.find((s) => s.op === op);
          expect(sample, `${title} op ${op}`).toBeDefined();
          expect(Number(row[k + 1]), `${title} ${r.target} op ${op}`).toBe(Number(sample![key].toFixed(3)));
        });
      }
      expect(Number(rows.at(-1)![0])).toBe(3000);
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
