import type { FrameAllocator, Pfn } from '../api';

/**
 * Calls `visit` for every maximal run of free frames of `allocator`, in ascending order: from
 * its `forEachFreeRun` when it has one (touching runs joined), else by asking `isFree` about
 * every frame of `allocator.ranges`.
 */
export function forEachFreeRunOf(
  allocator: FrameAllocator,
  visit: (start: Pfn, count: number) => void,
): void {
  let runStart = -1;
  let runEnd = -1;
  const add = (start: Pfn, count: number) => {
    if (count <= 0) return;
    if (start === runEnd) {
      runEnd += count;
      return;
    }
    if (runEnd > runStart) visit(runStart, runEnd - runStart);
    runStart = start;
    runEnd = start + count;
  };
  if (allocator.forEachFreeRun !== undefined) {
    allocator.forEachFreeRun(add);
  } else {
    for (const r of allocator.ranges) {
      const end = r.start + r.count;
      let from = -1;
      for (let pfn = r.start; pfn < end; pfn++) {
        if (allocator.isFree(pfn)) {
          if (from < 0) from = pfn;
        } else if (from >= 0) {
          add(from, pfn - from);
          from = -1;
        }
      }
      if (from >= 0) add(from, end - from);
    }
  }
  if (runEnd > runStart) visit(runStart, runEnd - runStart);
}
