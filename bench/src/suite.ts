import { DMA_LIMIT_PFN } from '@framekit/core';
import type { Profile } from './profiles';
import type { LoopScenario } from './scenarios';
import type { Strategy } from './strategies';

const any = () => true as const;
/** The recipe places used and free frames exactly; MemPool's 4 KiB blocks take 8 KiB of heap each. */
const noPeer = (s: Strategy) =>
  s.kind === 'peer'
    ? 'the recipe needs frame-exact placement, and a MemPool block of 4 KiB takes 8 KiB of heap'
    : (true as const);
const needsRuns = (allowed: readonly Strategy['runs'][]) => (s: Strategy) =>
  allowed.includes(s.runs) ? (true as const) : `no runs of this shape (runs: '${s.runs}')`;
const both =
  (...checks: ((s: Strategy) => true | string)[]) =>
  (s: Strategy) => {
    for (const check of checks) {
      const verdict = check(s);
      if (verdict !== true) return verdict;
    }
    return true as const;
  };
const belowRuns = (s: Strategy) => (s.belowRuns ? (true as const) : 'no `below` for runs of this shape');

/** Runs on a space the recipe fragments to 90%, measured against the C bitmap. */
const fragmentedRuns = (
  s: Pick<LoopScenario, 'id' | 'title' | 'op' | 'params' | 'frames' | 'natives' | 'accepts'>,
): LoopScenario => ({ ...s, loop: 'run', fragmented: true, prefault: false, reference: 'bitmap' });

/** Every loop scenario of a run, sized by the profile. */
export function loopScenarios(p: Profile): LoopScenario[] {
  const frag = p.fragFrames;
  const small = p.fragSmallFrames;
  const gib = (frames: number) => {
    const bytes = frames * 4096;
    return bytes >= 2 ** 30 ? `${bytes / 2 ** 30} GiB` : `${bytes / 2 ** 20} MiB`;
  };
  return [
    {
      id: 'single-lifo',
      title: `Single frames, LIFO (${gib(p.singleFrames)} space)`,
      op: 'one alloc() + one free(); 64 allocs then 64 frees in reverse order per timed call',
      loop: 'single-lifo',
      params: { perCall: 64 },
      frames: p.singleFrames,
      fragmented: false,
      prefault: true,
      reference: 'stack',
      natives: ['stack', 'bitmap', 'hier2m', 'buddy'],
      accepts: any,
    },
    {
      id: 'single-random',
      title: `Single frames, random order (${gib(p.singleFrames)} space, 4096 held)`,
      op: 'free() of a randomly picked held frame + alloc() of its replacement',
      loop: 'single-random',
      params: { perCall: 64, hold: Math.min(4096, p.singleFrames / 2) },
      frames: p.singleFrames,
      fragmented: false,
      prefault: true,
      reference: 'stack',
      natives: ['stack', 'bitmap', 'hier2m', 'buddy'],
      accepts: any,
    },
    {
      id: 'batch-64',
      title: `64-frame batches (${gib(p.singleFrames)} space)`,
      op: 'allocMany(out, 64) + freeMany(out, 64)',
      loop: 'batch',
      params: { perCall: 4, batch: 64 },
      frames: p.singleFrames,
      fragmented: false,
      prefault: true,
      reference: 'stack',
      natives: ['stack', 'bitmap', 'hier2m', 'buddy'],
      accepts: any,
    },
    {
      id: 'huge-2mib',
      title: `2 MiB pages (${gib(p.hugeFrames)} space)`,
      op: 'allocRun(512, { align: 512 }) + freeRun(pfn, 512); 8 of each per call',
      loop: 'run',
      params: { perCall: 8, countMin: 512, align: 512 },
      frames: p.hugeFrames,
      fragmented: false,
      prefault: true,
      reference: 'hier2m',
      natives: ['hier2m', 'bitmap', 'buddy'],
      accepts: needsRuns(['any', 'huge']),
    },
    fragmentedRuns({
      id: 'frag-512',
      title: `Aligned 512-frame runs, ${gib(frag)} fragmented to 90%`,
      op: 'allocRun(512, { align: 512 }) + freeRun; 8 of each per call',
      params: { perCall: 8, countMin: 512, align: 512 },
      frames: frag,
      natives: ['bitmap', 'hier2m', 'buddy'],
      accepts: both(needsRuns(['any', 'huge']), noPeer),
    }),
    fragmentedRuns({
      id: 'frag-1-64',
      title: `1–64-frame runs, ${gib(frag)} fragmented to 90%`,
      op: 'allocRun(n) with n uniform in 1..64 + freeRun; 32 of each per call',
      params: { perCall: 32, countMin: 1, countMax: 64 },
      frames: frag,
      natives: ['bitmap', 'buddy'],
      accepts: both(needsRuns(['any']), noPeer),
    }),
    fragmentedRuns({
      id: 'frag-miss',
      title: `A 16 MiB run that does not exist, ${gib(frag)} fragmented to 90%`,
      op: 'allocRun(4096) returning NO_FRAME (no hole of the recipe is that long); 16 per call',
      params: { perCall: 16, countMin: 4096 },
      frames: frag,
      natives: ['bitmap', 'buddy'],
      accepts: both(needsRuns(['any']), noPeer),
    }),
    fragmentedRuns({
      id: 'frag-miss-small',
      title: `The same miss on ${gib(small)} (growth check)`,
      op: 'allocRun(4096) returning NO_FRAME; 16 per call',
      params: { perCall: 16, countMin: 4096 },
      frames: small,
      natives: ['bitmap', 'buddy'],
      accepts: both(needsRuns(['any']), noPeer),
    }),
    fragmentedRuns({
      id: 'frag-512-small',
      title: `Aligned 512-frame runs on ${gib(small)} fragmented (growth check)`,
      op: 'allocRun(512, { align: 512 }) + freeRun; 8 of each per call',
      params: { perCall: 8, countMin: 512, align: 512 },
      frames: small,
      natives: ['bitmap', 'hier2m', 'buddy'],
      accepts: both(needsRuns(['any', 'huge']), noPeer),
    }),
    fragmentedRuns({
      id: 'below-1',
      title: `One frame below 16 MiB (DMA), ${gib(frag)} fragmented to 90%`,
      op: 'allocRun(1, { below: 4096 }) + freeRun; 16 of each per call',
      params: { perCall: 16, countMin: 1, below: Math.min(DMA_LIMIT_PFN, frag) },
      frames: frag,
      natives: ['bitmap', 'buddy'],
      accepts: both(needsRuns(['any']), belowRuns, noPeer),
    }),
    fragmentedRuns({
      id: 'below-run',
      title: `1–8-frame runs below 16 MiB (DMA), ${gib(frag)} fragmented to 90%`,
      op: 'allocRun(n, { below: 4096 }) with n uniform in 1..8 + freeRun; 16 of each per call',
      params: { perCall: 16, countMin: 1, countMax: 8, below: Math.min(DMA_LIMIT_PFN, frag) },
      frames: frag,
      natives: ['bitmap', 'buddy'],
      accepts: both(needsRuns(['any']), belowRuns, noPeer),
    }),
    fragmentedRuns({
      id: 'below-1-small',
      title: `One frame below 16 MiB on ${gib(small)} fragmented (growth check)`,
      op: 'allocRun(1, { below: 4096 }) + freeRun; 16 of each per call',
      params: { perCall: 16, countMin: 1, below: Math.min(DMA_LIMIT_PFN, small) },
      frames: small,
      natives: ['bitmap', 'buddy'],
      accepts: both(needsRuns(['any']), belowRuns, noPeer),
    }),
    fragmentedRuns({
      id: 'below-run-small',
      title: `1–8-frame runs below 16 MiB on ${gib(small)} fragmented (growth check)`,
      op: 'allocRun(n, { below: 4096 }) with n uniform in 1..8 + freeRun; 16 of each per call',
      params: { perCall: 16, countMin: 1, countMax: 8, below: Math.min(DMA_LIMIT_PFN, small) },
      frames: small,
      natives: ['bitmap', 'buddy'],
      accepts: both(needsRuns(['any']), belowRuns, noPeer),
    }),
  ];
}
