import { describe, expect, it } from 'vitest';
import { keepFastest, settled } from './row-process';

type Result = { readonly id: string; readonly medianNs?: number };
const median = (r: Result) => r.medianNs;

describe('keepFastest and settled (one try per round, the fastest kept)', () => {
  it('keeps the first result, then only a faster one', () => {
    const kept = new Map<string, Result>();
    keepFastest(kept, 'row', { id: 'a', medianNs: 12 }, median);
    keepFastest(kept, 'row', { id: 'b', medianNs: 19 }, median);
    expect(kept.get('row')?.id).toBe('a');
    keepFastest(kept, 'row', { id: 'c', medianNs: 11 }, median);
    expect(kept.get('row')?.id).toBe('c');
    // A later try that fails does not replace a time.
    keepFastest(kept, 'row', { id: 'failed' }, median);
    expect(kept.get('row')?.id).toBe('c');
    expect(settled(kept, 'row', median)).toBe(false);
  });

  it('settles a row whose first answer is a skip or a failure', () => {
    const kept = new Map<string, Result>();
    expect(settled(kept, 'row', median)).toBe(false);
    keepFastest(kept, 'row', { id: 'skipped' }, median);
    expect(settled(kept, 'row', median)).toBe(true);
    keepFastest(kept, 'row', { id: 'timed', medianNs: 5 }, median);
    expect(kept.get('row')?.id).toBe('skipped');
  });
});
