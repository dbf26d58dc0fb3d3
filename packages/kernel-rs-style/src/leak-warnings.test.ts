import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FRAME_SIZE } from '@framekit/core';
import { afterEach, expect, it } from 'vitest';
import { setup } from '../test/helpers';
import type { CollectedOwner } from './api';
import { ContigPages } from './contig';
import { drop } from './drop';
import { enableLeakWarnings } from './leak-warnings';
import { Page } from './page';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects garbage until `done()` or enough rounds passed; finalizers run between rounds. */
async function collectUntil(done: () => boolean): Promise<void> {
  for (let round = 0; round < 50 && !done(); round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

let disable: (() => void) | undefined;
afterEach(() => disable?.());

/** Owners made here become garbage as soon as this returns. */
function leakOwners(pmm: ReturnType<typeof setup>): { page: number; run: number } {
  const page = Page.alloc(pmm);
  const run = ContigPages.alloc(pmm, 2 * FRAME_SIZE)!;
  drop(Page.alloc(pmm));
  const disposedRun = ContigPages.alloc(pmm, FRAME_SIZE)!;
  drop(disposedRun);
  drop(page.clone());
  Page.alloc(pmm).intoRaw();
  return { page: page.pfn, run: run.pfn };
}

it('warns about owners collected without dispose, naming where they were allocated', async () => {
  const pmm = setup();
  const seen: CollectedOwner[] = [];
  const messages: string[] = [];
  disable = enableLeakWarnings((owner, message) => {
    seen.push(owner);
    messages.push(message);
  });
  const leaked = leakOwners(pmm);
  await collectUntil(() => seen.length >= 2);
  expect(seen.map((owner) => `${owner.kind}@${owner.pfn}`).sort()).toEqual(
    [`ContigPages@${leaked.run}`, `Page@${leaked.page}`].sort(),
  );
  const page = seen.find((owner) => owner.kind === 'Page')!;
  expect(page.location).toMatch(/leak-warnings\.test\.ts:\d+:\d+$/);
  expect(seen.find((owner) => owner.kind === 'ContigPages')!.frames).toBe(2);
  expect(messages.join('\n')).toMatch(/garbage-collected without being disposed/);
  // The frames are not freed behind the program's back.
  expect(pmm.refCount(leaked.page)).toBe(1);
});

it('stays silent once turned off', async () => {
  const pmm = setup();
  const seen: CollectedOwner[] = [];
  const off = enableLeakWarnings((owner) => seen.push(owner));
  leakOwners(pmm);
  off();
  await collectUntil(() => false);
  expect(seen).toEqual([]);
});
