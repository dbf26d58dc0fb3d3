import { Rng } from '@framekit/core/plugin';
import { describe, expect, it } from 'vitest';
import { setup, used } from './__fixtures__/setup';
import { type AddressSpace, MemoryFile } from './index';

const PAGE = 4096;
const MiB2 = 2 * 1024 * 1024;

/** `n => an integer in [0, n)` from core's seeded generator, so the stress run is the same every time. */
function random(seed: number) {
  const rng = new Rng(seed);
  return (n: number) => rng.int(0, n - 1);
}

/*
 * In the spirit of KeOS's fork/exit cleanup stress: a process tree forks, writes, remaps and
 * exits many times over; afterwards the allocator has every frame back — data pages, tables,
 * deposits, the zero page and the files' pages.
 */
describe('many forks and exits leak nothing', () => {
  for (const backing of ['dense', 'sparse'] as const) {
    it(`${backing}: 800 steps of fork / write / munmap / mprotect / exit`, () => {
      const env = setup(16384, backing);
      const { pmm, freeAtStart } = env;
      const next = random(backing === 'dense' ? 0x5eed : 0xbeef);
      const file = MemoryFile.create(pmm, new Uint8Array(4 * PAGE).fill(3))!;
      const root = env.as;
      const heap = root.mmap({ length: MiB2 + 8 * PAGE, prot: 'rw', content: 'heap' });
      const stack = root.mmap({ length: 8 * PAGE, prot: 'rw', content: 'stack', huge: false });
      const shm = root.mmap({ length: 4 * PAGE, prot: 'rw', shared: true });
      const mapped = root.mmap({ length: 4 * PAGE, prot: 'rw', content: 'file', file });
      root.mmap({ length: 2 * PAGE, prot: 'rw', content: 'dma' });
      root.write(heap, Uint8Array.of(1));
      file[Symbol.dispose]();

      const live: AddressSpace[] = [root];
      let forks = 0;
      for (let step = 0; step < 800 && live.length > 0; step++) {
        const as = live[next(live.length)];
        switch (next(10)) {
          case 0:
          case 1: {
            if (live.length >= 12) break;
            const child = as.fork();
            expect(child).not.toBeNull();
            live.push(child!);
            forks++;
            break;
          }
          case 2:
          case 3: {
            if (live.length <= 1) break;
            as[Symbol.dispose]();
            live.splice(live.indexOf(as), 1);
            break;
          }
          case 4:
            as.munmap(heap + next(MiB2 / PAGE + 8) * PAGE, (1 + next(3)) * PAGE);
            break;
          case 5: {
            const at = stack + next(8) * PAGE;
            if (as.regions().some((r) => r.start <= at && at < r.end))
              as.mprotect(at, PAGE, next(2) ? 'r' : 'rw');
            break;
          }
          default: {
            const target = [heap, stack, shm, mapped][next(4)];
            const length = target === heap ? MiB2 + 8 * PAGE : target === stack ? 8 * PAGE : 4 * PAGE;
            const va = target + next(length);
            try {
              as.write(va, Uint8Array.of(next(256)));
            } catch (error) {
              // Unmapped or read-only pages fault; nothing else may.
              expect((error as { code?: string }).code).toMatch(/NOT_MAPPED|PROTECTION/);
            }
          }
        }
      }
      expect(forks).toBeGreaterThan(100);
      for (const as of live) as[Symbol.dispose]();
      expect(used(pmm, freeAtStart)).toBe(0);
      for (let f = 0; f < env.space.frameCount; f++) {
        if (pmm.refCount(f) !== 0) expect.fail(`frame ${f} still has ${pmm.refCount(f)} references`);
      }
    });
  }

  it('a chain of 200 fork-and-exit generations keeps a constant footprint', () => {
    const { as: first, pmm, freeAtStart } = setup();
    const a = first.mmap({ length: 16 * PAGE, prot: 'rw' });
    first.write(a, new Uint8Array(16 * PAGE).fill(1));
    const footprint = used(pmm, freeAtStart);
    let current = first;
    for (let generation = 0; generation < 200; generation++) {
      const child = current.fork()!;
      child.write(a + (generation % 16) * PAGE, Uint8Array.of(generation & 0xff));
      current[Symbol.dispose]();
      current = child;
      expect(used(pmm, freeAtStart)).toBe(footprint);
    }
    expect(current.read(a + 7 * PAGE, 1)[0]).toBe(199);
    current[Symbol.dispose]();
    expect(used(pmm, freeAtStart)).toBe(0);
  });
});
