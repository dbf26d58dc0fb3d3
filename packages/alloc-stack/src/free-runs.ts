import type { Pfn } from '@framekit/core';
import type { FreeRunList } from '@framekit/core/plugin';
import type { UsedBits } from './used-bits';

/** Trailing zero bits of a non-zero 32-bit word. */
function ctz(word: number): number {
  return 31 - Math.clz32(word & -word);
}

/**
 * Calls `visit(start, count)` for every maximal run of free managed frames, in ascending
 * order: free means managed and not marked used. Reads the used bits 32 at a time and skips
 * whole chunks that were never touched, so the cost follows the allocated memory, not the
 * size of the space.
 */
export function forEachFreeRun(
  managed: FreeRunList,
  used: UsedBits,
  visit: (start: Pfn, count: number) => void,
): void {
  const chunkFrames = used.chunkFrames;
  let runStart = -1;
  let runEnd = -1;
  const flush = () => {
    if (runStart >= 0) visit(runStart, runEnd - runStart);
    runStart = -1;
    runEnd = -1;
  };
  const extend = (from: Pfn, to: Pfn) => {
    if (runEnd !== from) {
      flush();
      runStart = from;
    }
    runEnd = to;
  };
  for (let r = 0; r < managed.length; r++) {
    const end = managed.starts[r] + managed.counts[r];
    let at = managed.starts[r];
    while (at < end) {
      if (used.chunkIsUntouched(at)) {
        const to = Math.min(end, (Math.floor(at / chunkFrames) + 1) * chunkFrames);
        extend(at, to);
        at = to;
        continue;
      }
      const offset = at % 32;
      const span = Math.min(32 - offset, end - at);
      // Bit i: frame at + i is used.
      const bits = used.word(at) >>> offset;
      const free = bits === 0 ? span : Math.min(span, ctz(bits));
      if (free > 0) extend(at, at + free);
      if (free === span) {
        at += span;
        continue;
      }
      flush();
      const inverted = ~(bits >>> free);
      const taken = inverted === 0 ? 32 : ctz(inverted);
      at += free + Math.min(taken, span - free);
    }
  }
  flush();
}
