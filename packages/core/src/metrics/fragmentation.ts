import type { FrameAllocator, Pfn } from '../api';
import { FrameError } from '../errors';
import { FRAMES_PER_2MIB } from '../units';
import { forEachFreeRunOf } from './free-runs';

/** Linux's largest buddy order on x86-64 (`MAX_PAGE_ORDER`): blocks of up to 2^10 frames (4 MiB). */
export const MAX_ORDER = 10;
/** Orders 0 … MAX_ORDER (`NR_PAGE_ORDERS`). */
export const ORDER_COUNT = MAX_ORDER + 1;

/** Linux's two per-order indices, in thousandths (the kernel prints them as `index / 1000` with three decimals). */
export interface FragmentationIndices {
  /**
   * Unusable free space index per order: the share of free memory that cannot serve a request
   * of that order, 0 … 1000 (1000 when nothing is free). `/sys/kernel/debug/extfrag/unusable_index`.
   */
  readonly unusableIndex: number[];
  /**
   * Fragmentation index per order: towards 1000 a request would fail because memory is
   * fragmented, towards 0 because it is short; -1000 when a suitable block exists, 0 when no
   * block is free. `/sys/kernel/debug/extfrag/extfrag_index`.
   */
  readonly fragmentationIndex: number[];
}

export interface FragmentationReport extends FragmentationIndices {
  readonly freeFrames: number;
  /** The longest run of free frames. */
  readonly largestFreeRun: number;
  /**
   * Free blocks per order 0 … 10: every free run cut into naturally aligned power-of-two
   * blocks, as a buddy allocator would hold them (what `/proc/buddyinfo` shows).
   */
  readonly freeBlocksPerOrder: number[];
  /** Free, 512-aligned runs of 512 frames: the 2 MiB pages that could be handed out now. */
  readonly free2MiBBlocks: number;
}

/** Adds the buddy blocks of the free run `[start, start + count)` to `blocks` (orders 0 … MAX_ORDER). */
export function addBuddyBlocks(blocks: number[], start: Pfn, count: number): void {
  const top = 2 ** MAX_ORDER;
  let pfn = start;
  const end = start + count;
  while (pfn < end) {
    if (pfn % top === 0 && end - pfn >= top) {
      // The aligned middle of a long run: all top-order blocks at once.
      const n = Math.floor((end - pfn) / top);
      blocks[MAX_ORDER] += n;
      pfn += n * top;
      continue;
    }
    let order = MAX_ORDER;
    while (order > 0 && (pfn % 2 ** order !== 0 || pfn + 2 ** order > end)) order--;
    blocks[order]++;
    pfn += 2 ** order;
  }
}

function checkCounts(freeBlocksPerOrder: readonly number[]): void {
  const ok =
    Array.isArray(freeBlocksPerOrder) &&
    freeBlocksPerOrder.length >= 1 &&
    freeBlocksPerOrder.length <= 40 &&
    freeBlocksPerOrder.every((n) => Number.isSafeInteger(n) && n >= 0);
  if (!ok) {
    throw new FrameError(
      'INVALID_REQUEST',
      `fragmentationIndices: expected 1 to 40 free-block counts (orders 0, 1, …), each an integer >= 0; got ${JSON.stringify(freeBlocksPerOrder)}`,
      { freeBlocksPerOrder },
    );
  }
}

/**
 * Linux's unusable free space index and fragmentation index for each order of
 * `freeBlocksPerOrder` (free blocks of order 0, 1, …, as in a `/proc/buddyinfo` line), with the
 * kernel's integer arithmetic (`mm/vmstat.c`: `fill_contig_page_info`, `unusable_free_index`,
 * `__fragmentation_index`).
 */
export function fragmentationIndices(freeBlocksPerOrder: readonly number[]): FragmentationIndices {
  checkCounts(freeBlocksPerOrder);
  const orders = freeBlocksPerOrder.length;
  let freePages = 0;
  let freeBlocksTotal = 0;
  for (let k = 0; k < orders; k++) {
    freeBlocksTotal += freeBlocksPerOrder[k];
    freePages += freeBlocksPerOrder[k] * 2 ** k;
  }
  const unusableIndex: number[] = [];
  const fragmentationIndex: number[] = [];
  for (let order = 0; order < orders; order++) {
    // Blocks that can serve a request of this order, counted in blocks of this order.
    let suitable = 0;
    for (let k = order; k < orders; k++) suitable += freeBlocksPerOrder[k] * 2 ** (k - order);
    const requested = 2 ** order;
    unusableIndex.push(
      freePages === 0 ? 1000 : Math.floor(((freePages - suitable * requested) * 1000) / freePages),
    );
    fragmentationIndex.push(
      freeBlocksTotal === 0
        ? 0
        : suitable > 0
          ? -1000
          : 1000 - Math.floor((1000 + Math.floor((freePages * 1000) / requested)) / freeBlocksTotal),
    );
  }
  return { unusableIndex, fragmentationIndex };
}

/**
 * How fragmented `allocator`'s free memory is: free frames, the longest free run, free buddy
 * blocks per order 0 … 10, free 2 MiB blocks, and Linux's two indices per order. Uses the
 * allocator's `forEachFreeRun` when it has one, else `isFree` over its `ranges`.
 */
export function measureFragmentation(allocator: FrameAllocator): FragmentationReport {
  const freeBlocksPerOrder = new Array<number>(ORDER_COUNT).fill(0);
  let freeFrames = 0;
  let largestFreeRun = 0;
  let free2MiBBlocks = 0;
  forEachFreeRunOf(allocator, (start, count) => {
    freeFrames += count;
    if (count > largestFreeRun) largestFreeRun = count;
    const first = Math.ceil(start / FRAMES_PER_2MIB) * FRAMES_PER_2MIB;
    const last = Math.floor((start + count) / FRAMES_PER_2MIB) * FRAMES_PER_2MIB;
    if (last > first) free2MiBBlocks += (last - first) / FRAMES_PER_2MIB;
    addBuddyBlocks(freeBlocksPerOrder, start, count);
  });
  return {
    freeFrames,
    largestFreeRun,
    freeBlocksPerOrder,
    free2MiBBlocks,
    ...fragmentationIndices(freeBlocksPerOrder),
  };
}
