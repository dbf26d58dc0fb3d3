import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/main';
import { compareHeaps } from '../src/shared/heap-compare';

function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  const code = main(args);
  vi.restoreAllMocks();
  return { code, out: out.join('\n'), err: err.join('\n') };
}

afterEach(() => vi.restoreAllMocks());

describe('framekit compare --heap', () => {
  it('compares heap strategies and the MemPool peer on an object workload', { timeout: 60_000 }, () => {
    const { code, out } = cli('compare', '--heap', '--workload', 'processes', '--ops', '5000');
    expect(code).toBe(0);
    for (const name of ['slab', 'first-fit', 'tlsf', 'peer:MemPool'])
      expect(out).toMatch(new RegExp(`^${name} `, 'm'));
    expect(out).toContain('peak held');
  });

  it('gives the same live bytes to every strategy (one seeded trace) and JSON on request', {
    timeout: 60_000,
  }, () => {
    const results = compareHeaps({
      workload: 'mixed-buffers',
      strategies: ['slab', 'tlsf', 'slab+headers'],
      ops: 20000,
      seed: 3,
    });
    expect(new Set(results.map((r) => r.peakLiveBytes)).size).toBe(1);
    expect(results.every((r) => r.failed === 0 && r.peakBytesHeld >= r.peakLiveBytes)).toBe(true);
    const { code, out } = cli('compare', '--heap', '--ops', '2000', '--strategies', 'tlsf', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out).results[0].strategy).toBe('tlsf');
  });

  it('refuses unknown names and a map with one line and exit code 2', () => {
    expect(cli('compare', '--heap', '--workload', 'nope').err).toMatch(
      /unknown heap workload 'nope'.*small-objects/,
    );
    expect(cli('compare', '--heap', '--strategies', 'buddy').code).toBe(2);
    expect(cli('compare', '--heap', '--map', 'tiny-64m').err).toMatch(/--map and --format do not apply/);
  });

  it('explains its columns', () => {
    expect(cli('compare', '--heap', '--explain-columns').out).toMatch(/peak held/);
  });
});
