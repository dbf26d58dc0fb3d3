import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { setup } from '../test/helpers';

/*
 * Browsers have no AsyncLocalStorage: tracking falls back to one global session slot.
 * Load a fresh copy of the package with `process.getBuiltinModule` hidden to check it.
 */
const proc = process as { getBuiltinModule?: unknown };
const original = proc.getBuiltinModule;

beforeEach(() => {
  vi.resetModules();
  proc.getBuiltinModule = undefined;
});

afterEach(() => {
  proc.getBuiltinModule = original;
});

it('tracks a synchronous fn exactly without AsyncLocalStorage', async () => {
  const { Page, drop, trackAllocations } = await import('./index');
  const pmm = setup();
  const { result, leaks } = trackAllocations(() => {
    using _gone = Page.alloc(pmm);
    const inner = trackAllocations(() => Page.alloc(pmm));
    expect(inner.leaks.map((leak) => leak.pfn)).toEqual([inner.result.pfn]);
    return [inner.result, Page.alloc(pmm)];
  });
  expect(leaks.map((leak) => leak.pfn)).toEqual(result.map((page) => page.pfn));
  const after = trackAllocations(() => undefined);
  expect(after.leaks).toEqual([]);
  for (const page of result) drop(page);
});

it('tracks an async fn until it settles without AsyncLocalStorage', async () => {
  const { Page, drop, trackAllocations } = await import('./index');
  const pmm = setup();
  const report = await trackAllocations(async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return Page.alloc(pmm);
  });
  expect(report.leaks.map((leak) => leak.pfn)).toEqual([report.result.pfn]);
  using outside = Page.alloc(pmm);
  expect(trackAllocations(() => outside.pfn).leaks).toEqual([]);
  drop(report.result);
});
