import { DMA_LIMIT_PFN, DMA32_LIMIT_PFN, FRAME_SIZE, MiB } from '../units';
import type { RouterConfig, StrategyConfig } from './config';

/** PatchworkOS's `PMM_BITMAP_MAX_ADDR` as a frame number: frames below 64 MiB are the bitmap's, frames above the stack's. */
export const PATCHWORK_BITMAP_LIMIT_PFN = (64 * MiB) / FRAME_SIZE;
export { DMA_LIMIT_PFN, DMA32_LIMIT_PFN };

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * PatchworkOS (`pmm.c`): a bitmap for the frames below 64 MiB, where contiguous and
 * `below`-limited requests are served (lowest first, as `pmm_alloc_bitmap` searches from 0);
 * a free-page stack for the frames above, which serves single frames and batches, falling
 * back to the bitmap only when the stack is empty. A single frame freed above 64 MiB goes on
 * the stack and stays there ('unbounded'), as in PatchworkOS. Where PatchworkOS gives up — a
 * contiguous run above 64 MiB — the stack sits over a bitmap of its own zone, which serves
 * such runs.
 *
 * What differs from the seed, and why: a run freed above 64 MiB goes back to that zone's
 * bitmap whole (in PatchworkOS, `pmm_free_pages` pushes each of its frames on the stack), as
 * PatchworkOS's bitmap zone keeps a freed run where a later run can use it; pushed frame by
 * frame, the bitmap would lose its aligned holes and every run request would first have to
 * drain the stack.
 */
const patchwork: RouterConfig = {
  name: 'patchwork',
  zones: [
    { name: 'bitmap', end: PATCHWORK_BITMAP_LIMIT_PFN, strategies: [{ plugin: 'bitmap' }] },
    {
      name: 'stack',
      strategies: [{ plugin: 'bitmap' }, { plugin: 'stack', over: 'bitmap', high: 'unbounded' }],
    },
  ],
  routes: {
    single: ['stack', 'bitmap'],
    run: { use: ['bitmap'], zones: 'lowest-first' },
  },
};

/** Z903: the two-layer 2 MiB / 4 KiB bitmap alone, for single frames and 2 MiB pages. */
const z903: RouterConfig = {
  name: 'z903',
  zones: [{ name: 'all', strategies: [{ plugin: 'hier2m' }] }],
  routes: { single: ['hier2m'], huge: ['hier2m'] },
};

/**
 * Linux's per-CPU page lists (`struct per_cpu_pages`) with the defaults the kernel computes
 * (`zone_batchsize`): `batch` = a quarter of the smaller of 1/1024 of the zone and 1 MiB worth
 * of frames (256), rounded down to `2^n - 1`, which is 63 on any zone of 1 GiB or more (older
 * kernels capped it at 512 KiB, giving 31). `high` = 6 × batch = 378, the ratio
 * `pageset_set_batch` fixed until Linux 5.14, which sizes `high` from the zone's low watermark
 * and its CPUs instead. Refills and spills move `batch` frames, as `rmqueue_bulk` and
 * `free_pcppages_bulk` do.
 */
export const LINUX_PCP_BATCH = 63;
export const LINUX_PCP_HIGH = 6 * LINUX_PCP_BATCH;

/**
 * The DMA zone's list: the same formula gives a 16 MiB zone (4,096 frames, 1/1024 of it 3)
 * batch 0, so Linux sets batch 1 and high 0 and the list keeps nothing (`/proc/zoneinfo`:
 * `high: 0`, `batch: 1`). A cache here keeps at least one frame, so: batch 1, high 1.
 */
export const LINUX_DMA_PCP_BATCH = 1;
export const LINUX_DMA_PCP_HIGH = 1;

/**
 * A kernel zone: a bitmap owns the frames; a stack caches single frames (`batch`, `high`),
 * hier2m caches 2 MiB blocks.
 */
const kernelZone = (batch: number, high: number): StrategyConfig[] => [
  { plugin: 'bitmap' },
  { plugin: 'stack', over: 'bitmap', batch, high },
  { plugin: 'hier2m', over: 'bitmap', holds: '2mib', batch: 1, high: 8 },
];

/**
 * A Linux-like kernel: zones DMA (< 16 MiB), DMA32 (< 4 GiB) and Normal, tried from the
 * highest that satisfies a request down. In each, single frames come from a stack layered
 * over the zone's bitmap like a per-CPU page list (refilled and spilled 64 at a time, spilling
 * above 384; in DMA one at a time, keeping at most one, so the zone's few low frames stay in
 * the bitmap for `below` requests, as Linux's DMA list keeps none), 2 MiB pages from hier2m
 * caching whole blocks of the bitmap, and any other run from the bitmap itself.
 */
const kernel: RouterConfig = {
  name: 'kernel',
  zones: [
    // DMA's stack keeps one frame at most, as Linux's DMA per-CPU list keeps none.
    { name: 'dma', end: DMA_LIMIT_PFN, strategies: kernelZone(LINUX_DMA_PCP_BATCH, LINUX_DMA_PCP_HIGH) },
    { name: 'dma32', end: DMA32_LIMIT_PFN, strategies: kernelZone(64, 384) },
    { name: 'normal', strategies: kernelZone(64, 384) },
  ],
  routes: {
    single: ['stack'],
    run: ['bitmap'],
    huge: ['hier2m', 'bitmap'],
  },
};

/** A Linux zone: a buddy owns the frames; a stack in front is the per-CPU list of order-0 pages. */
const linuxZone = (batch: number, high: number): StrategyConfig[] => [
  { plugin: 'buddy' },
  { plugin: 'stack', over: 'buddy', batch, high },
];

/**
 * Linux's page allocator: zones DMA (< 16 MiB), DMA32 (< 4 GiB) and Normal, each owned by a
 * binary buddy (orders 0 … 10), tried from the highest zone that suits a request down (the
 * zonelist fallback). Single frames and batches come from the zone's per-CPU list (a stack
 * refilled from and spilled to the buddy 63 frames at a time, spilling above 378; in DMA one
 * frame at a time, keeping at most one, as Linux's DMA list keeps none); every run,
 * 2 MiB pages included, comes from the buddy itself (a 2 MiB page from its order-9 list, split
 * from a larger block when that list is empty), and `below` from the buddy's lowest blocks.
 *
 * How it differs from `kernel`: there the owner of each zone is a bitmap (any run that fits is
 * found, lowest address first) and 2 MiB pages come from a hier2m cache of whole blocks; here
 * the owner is a buddy, runs come from power-of-two blocks (free memory is counted in the
 * buddy's own lists, `/proc/buddyinfo`-exact), and nothing caches 2 MiB pages.
 */
const linux: RouterConfig = {
  name: 'linux',
  zones: [
    { name: 'DMA', end: DMA_LIMIT_PFN, strategies: linuxZone(LINUX_DMA_PCP_BATCH, LINUX_DMA_PCP_HIGH) },
    { name: 'DMA32', end: DMA32_LIMIT_PFN, strategies: linuxZone(LINUX_PCP_BATCH, LINUX_PCP_HIGH) },
    { name: 'Normal', strategies: linuxZone(LINUX_PCP_BATCH, LINUX_PCP_HIGH) },
  ],
  routes: {
    single: ['stack'],
    run: ['buddy'],
    huge: ['buddy'],
  },
};

/**
 * Ready-made configs: `createRouter(space, routerPresets.kernel, [stack.plugin, bitmap.plugin, hier2m.plugin])`,
 * `createRouter(space, routerPresets.linux, [stack.plugin, buddy.plugin])`.
 */
export const routerPresets: {
  readonly patchwork: RouterConfig;
  readonly z903: RouterConfig;
  readonly kernel: RouterConfig;
  readonly linux: RouterConfig;
} = deepFreeze({ patchwork, z903, kernel, linux });
