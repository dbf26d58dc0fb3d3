import type { Pfn } from '@framekit/core';
import type { FrameBits, FreeRunList } from '@framekit/core/plugin';

/**
 * Calls `visit(start, count)` for every maximal run of free managed frames, in ascending
 * order: free means managed and its used bit clear. Each run is found with the bits'
 * word-at-a-time `firstSet` / `firstClear`, so the cost follows the words read, never one
 * call per frame.
 */
export function forEachFreeRun(
  managed: FreeRunList,
  used: FrameBits,
  visit: (start: Pfn, count: number) => void,
): void {
  let runStart = -1;
  let runEnd = -1;
  const extend = (from: Pfn, to: Pfn) => {
    if (runEnd !== from) {
      if (runStart >= 0) visit(runStart, runEnd - runStart);
      runStart = from;
    }
    runEnd = to;
  };
  for (let r = 0; r < managed.length; r++) {
    const end = managed.starts[r] + managed.counts[r];
    let at = managed.starts[r];
    while (at < end) {
      const taken = used.firstSet(at, end - at);
      if (taken < 0) {
        extend(at, end);
        break;
      }
      if (taken > at) extend(at, taken);
      const free = used.firstClear(taken, end - taken);
      if (free < 0) break;
      at = free;
    }
  }
  if (runStart >= 0) visit(runStart, runEnd - runStart);
}
