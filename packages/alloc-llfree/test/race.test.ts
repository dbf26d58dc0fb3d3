import { Worker } from 'node:worker_threads';
import { createFrameSpace } from '@framekit/core';
import { describe, expect, it } from 'vitest';
import { createLLFreeAllocator, type LLFreeAllocator } from '../src/index';

const RACERS = 3;

async function race(pmm: LLFreeAllocator, starts: number[], count: number) {
  const go = new SharedArrayBuffer(8);
  const gate = new Int32Array(go);
  const workers = Array.from(
    { length: RACERS },
    () =>
      new Worker(new URL('./ts-worker.mjs', import.meta.url), {
        workerData: {
          module: new URL('./race-worker.ts', import.meta.url).href,
          descriptor: pmm.share(),
          starts,
          count,
          go,
        },
        execArgv: ['--conditions=@framekit/source'],
      }),
  );
  const results = workers.map(
    (w) =>
      new Promise<{ won: number[]; refused: Record<string, number> }>((resolve, reject) => {
        w.on('message', resolve);
        w.on('error', reject);
      }),
  );
  while (Atomics.load(gate, 1) < RACERS) await new Promise((r) => setTimeout(r, 5));
  Atomics.store(gate, 0, 1);
  return Promise.all(results);
}

describe('llfree frees racing on the same frames', () => {
  it('frees each frame once; every other attempt is DOUBLE_FREE and changes nothing', {
    timeout: 60_000,
  }, async () => {
    const pmm = createLLFreeAllocator(createFrameSpace({ frames: 16384 }));
    const frames = new Float64Array(12000);
    expect(pmm.allocMany(frames, frames.length)).toBe(true);
    const results = await race(pmm, Array.from(frames), 1);
    const won = results.flatMap((r) => r.won).sort((a, b) => a - b);
    expect(won).toEqual(Array.from(frames).sort((a, b) => a - b));
    const refused = results.reduce((n, r) => n + (r.refused.DOUBLE_FREE ?? 0), 0);
    expect(refused).toBe(frames.length * (RACERS - 1));
    expect(results.every((r) => Object.keys(r.refused).every((code) => code === 'DOUBLE_FREE'))).toBe(true);
    expect(pmm.stats().freeFrames).toBe(16384);
    expect(pmm.verify().ok).toBe(true);
  });

  it('returns each 2 MiB page and each small run once; the others get NOT_ALLOCATED', {
    timeout: 60_000,
  }, async () => {
    const pmm = createLLFreeAllocator(createFrameSpace({ frames: 16384 }));
    const pages: number[] = [];
    for (let i = 0; i < 16; i++) pages.push(pmm.allocRun(512, { align: 512 }));
    const runs: number[] = [];
    for (let i = 0; i < 400; i++) runs.push(pmm.allocRun(16, { align: 16 }));
    const [pageResults, runResults] = [await race(pmm, pages, 512), await race(pmm, runs, 16)];
    for (const [results, list] of [
      [pageResults, pages],
      [runResults, runs],
    ] as const) {
      expect(results.flatMap((r) => r.won).sort((a, b) => a - b)).toEqual([...list].sort((a, b) => a - b));
      expect(results.reduce((n, r) => n + (r.refused.NOT_ALLOCATED ?? 0), 0)).toBe(
        list.length * (RACERS - 1),
      );
    }
    expect(pmm.stats().freeFrames).toBe(16384);
    expect(pmm.verify().ok).toBe(true);
  });
});
