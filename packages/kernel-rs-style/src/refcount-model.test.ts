import { FRAME_SIZE } from '@framekit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setup } from '../test/helpers';
import { ContigPages } from './contig';
import { drop } from './drop';
import { Page } from './page';
import { PageRef } from './page-ref';

/*
 * Random programs over owners, checked after every step against a model: a frame's count
 * is the number of live owners covering it plus the raw addresses held for it, and a frame
 * is free exactly when that number is 0.
 */

type Owner = Page | ContigPages;

const op = fc.oneof(
  fc.record({ kind: fc.constant('page' as const) }),
  fc.record({ kind: fc.constant('contig' as const), frames: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('clone' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dispose' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('intoRaw' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('fromRaw' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('split' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('borrow' as const), at: fc.nat() }),
);

function framesOf(owner: Owner): number[] {
  const count = owner instanceof ContigPages ? owner.frames : 1;
  return Array.from({ length: count }, (_, i) => owner.pfn + i);
}

describe('refcounts against a model', () => {
  it('match the allocator after every step of random owner programs', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (program) => {
        const pmm = setup({ frames: 48 });
        const owners: Owner[] = [];
        const raw: number[] = [];
        const check = () => {
          const model = new Array<number>(48).fill(0);
          for (const owner of owners) for (const pfn of framesOf(owner)) model[pfn]++;
          for (const pa of raw) model[pa / FRAME_SIZE]++;
          for (let pfn = 0; pfn < 48; pfn++) {
            expect(pmm.refCount(pfn)).toBe(model[pfn]);
            expect(pmm.isFree(pfn)).toBe(model[pfn] === 0);
          }
        };
        for (const step of program) {
          const owner = owners.length > 0 && 'at' in step ? owners[step.at % owners.length] : undefined;
          switch (step.kind) {
            case 'page': {
              const page = Page.tryAlloc(pmm);
              if (page) owners.push(page);
              break;
            }
            case 'contig': {
              const run = ContigPages.alloc(pmm, step.frames * FRAME_SIZE);
              if (run) owners.push(run);
              break;
            }
            case 'clone':
              if (owner) owners.push(owner.clone());
              break;
            case 'dispose':
              if (owner) {
                drop(owner);
                owners.splice(owners.indexOf(owner), 1);
              }
              break;
            case 'intoRaw':
              if (owner instanceof Page) {
                raw.push(owner.intoRaw());
                owners.splice(owners.indexOf(owner), 1);
              }
              break;
            case 'fromRaw':
              if (raw.length > 0) owners.push(Page.fromRaw(pmm, raw.splice(step.at % raw.length, 1)[0]));
              break;
            case 'split':
              if (owner instanceof ContigPages && framesOf(owner).every((pfn) => pmm.refCount(pfn) === 1)) {
                owners.splice(owners.indexOf(owner), 1, ...owner.split());
              }
              break;
            case 'borrow':
              if (owner) {
                using borrowed = PageRef.fromPa(pmm, owner.pa);
                owners.push(borrowed.intoPage());
              }
              break;
          }
          check();
        }
        for (const owner of owners) drop(owner);
        for (const pa of raw) drop(Page.fromRaw(pmm, pa));
        expect(pmm.stats().usedFrames).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
