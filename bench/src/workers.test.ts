/**
 * A smoke pass of the worker-thread bench (not a benchmark: no figure is asserted): every
 * configuration starts, runs a few milliseconds, and llfree is whole and consistent after.
 */
import { describe, expect, it } from 'vitest';
import { checkWorkerBudgets } from './budgets';
import { measureWorkers } from './workers';

describe('worker-thread bench', () => {
  it('runs llfree and locked hier2m across workers and judges the budgets', { timeout: 60_000 }, async () => {
    const rows = [
      await measureWorkers('hier2m', 1, 64 * 200),
      await measureWorkers('llfree', 1, 64 * 200),
      await measureWorkers('llfree', 2, 64 * 200),
      await measureWorkers('hier2m-locked', 2, 64 * 200),
    ];
    for (const r of rows) {
      expect(r.opsPerSec).toBeGreaterThan(0);
      expect(r.verified).toBe(true);
    }
    const checks = checkWorkerBudgets(rows);
    expect(checks.map((c) => c.budget)).toHaveLength(3);
    expect(checks.every((c) => c.holds !== undefined)).toBe(true);
  });
});
