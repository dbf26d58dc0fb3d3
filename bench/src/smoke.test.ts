/**
 * A smoke pass, not a benchmark: every scenario at a tiny size, to prove the suite runs
 * (CI runs this; `pnpm bench` is never run in CI). No figure is asserted, only that the
 * rows are there.
 */

import { fragmentRecipe, summarizeRecipe } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import { checkBudgets } from './budgets';
import { recipeArgs } from './fragment';
import { buildNative, findCompiler, runNative } from './native';
import { PROFILES } from './profiles';
import { renderMarkdown } from './report';
import { runSuite } from './run';
import { loopScenarios } from './suite';

const cc = findCompiler();
const noCc = 'skipped: no C compiler (`cc`, or $CC) on this machine, so the native reference is not built';

describe('fragmentation recipe', () => {
  it('leaves 90% of a 64 GiB space used, with holes of 1–64 frames and a few big ones', () => {
    const recipe = fragmentRecipe();
    const frames = PROFILES.full.fragFrames;
    const summary = summarizeRecipe(recipe, frames);
    const used = 1 - summary.freeFrames / frames;
    expect(used).toBeGreaterThan(0.89);
    expect(used).toBeLessThan(0.91);
    expect(summary.holes).toBeGreaterThan(10_000);
  });

  it.skipIf(!cc)(`is drawn identically by the C reference${cc ? '' : ` (${noCc})`}`, () => {
    const binary = buildNative();
    expect(binary).toBeDefined();
    const recipe = fragmentRecipe();
    for (const frames of [PROFILES.tiny.fragFrames, PROFILES.full.fragSmallFrames]) {
      const ours = summarizeRecipe(recipe, frames);
      const theirs = runNative(binary!, 'bitmap', 'recipe', { frames }, recipeArgs(recipe));
      expect({ holes: theirs.holes, freeFrames: theirs.freeFrames, checksum: theirs.checksum }).toEqual(ours);
    }
  });
});

describe('bench suite (tiny profile)', () => {
  it('measures each loop row in child processes of its own when the profile isolates (the faster of two)', async () => {
    const profile = { ...PROFILES.tiny, isolate: true, rowRuns: 2 };
    const result = await runSuite({ profile, only: ['batch-64'] });
    const rows = result.rows.filter((r) => r.scenario === 'batch-64' && r.kind !== 'c');
    expect(rows.map((r) => r.strategy)).toContain('router:kernel');
    for (const row of rows) {
      expect(row.skipped ?? '', row.strategy).not.toMatch(/^failed/);
      if (!row.skipped) expect(row.medianNs, row.strategy).toBeGreaterThan(0);
    }
    expect(rows.find((r) => r.strategy === 'router:kernel')?.servedBy).toBe('stack');
  }, 120_000);

  it('times each heap row in child processes of its own when the profile isolates (the faster of two)', async () => {
    const profile = { ...PROFILES.tiny, isolate: true, rowRuns: 2 };
    const result = await runSuite({ profile, only: ['heap-lifo'] });
    const rows = result.heap?.rows.filter((r) => r.scenario === 'heap-lifo') ?? [];
    expect(rows.map((r) => r.target)).toEqual(
      expect.arrayContaining(['heap:slab', 'heap:tlsf', 'peer:MemPool']),
    );
    for (const row of rows) {
      expect(row.skipped ?? '', row.target).toBe('');
      expect(row.timing?.medianNs, row.target).toBeGreaterThan(0);
    }
    expect(rows.find((r) => r.target === 'heap:slab')?.speedup).toBeGreaterThan(0);
  }, 180_000);

  it('runs every scenario, strategy and reference, and renders the report', async () => {
    if (!cc) console.warn(`bench smoke: ${noCc}; the TypeScript rows still run`);
    const result = await runSuite({ profile: PROFILES.tiny });
    const ids = loopScenarios(PROFILES.tiny).map((s) => s.id);
    expect(result.scenarios.map((s) => s.id)).toEqual(ids);
    expect(result.nativeAvailable).toBe(Boolean(cc));
    for (const id of ids) {
      const rows = result.rows.filter((r) => r.scenario === id);
      // The baseline serves every shape; a failure of any strategy under the bench is a bug.
      expect(rows.find((r) => r.strategy === 'baseline')?.medianNs).toBeGreaterThan(0);
      for (const row of rows) expect(row.skipped ?? '', `${id} × ${row.strategy}`).not.toMatch(/^failed/);
      if (cc) expect(rows.some((r) => r.kind === 'c' && (r.medianNs ?? 0) > 0)).toBe(true);
    }
    for (const init of result.init) expect(init.error ?? '', init.strategy).not.toMatch(/^failed|Error/);
    expect(result.init.some((i) => i.strategy === 'baseline' && i.timing)).toBe(true);
    expect(result.memory.some((m) => m.strategy === 'withRefCounts')).toBe(true);
    for (const v of result.vm) expect(v.skipped, `vm × ${v.strategy}`).toBeUndefined();
    expect(result.heap?.rows.some((r) => r.target === 'heap:slab' && r.timing)).toBe(true);
    for (const r of result.heap?.rows ?? []) expect(r.skipped ?? '', `${r.scenario} × ${r.target}`).toBe('');
    expect(result.heap?.peaks.length).toBeGreaterThan(0);
    const checks = checkBudgets(result);
    expect(checks.length).toBeGreaterThan(5);
    // The buddy's `below` growth budget is judged on the TypeScript rows alone (no C needed).
    for (const subject of ['buddy · below-1 vs below-1-small', 'buddy · below-run vs below-run-small']) {
      expect(checks.find((c) => c.subject === subject)?.holds, subject).toBeTypeOf('boolean');
    }
    const markdown = renderMarkdown(result, checks);
    for (const id of ids) expect(markdown).toContain(`### ${id}:`);
    expect(markdown).toContain('## Budgets');
    expect(markdown).toContain('## Heap');
  }, 60_000);
});
