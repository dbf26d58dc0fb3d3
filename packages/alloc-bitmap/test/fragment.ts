import { Rng } from '@framekit/core/plugin';

/*
 * A deterministic "90% used" pattern for large spaces, shared by the large-space test and
 * the benchmark. Start from everything allocated, then free, per 4 MiB pair of 2 MiB blocks:
 *
 *   1 pair in 128: the first 2 MiB block whole — the only 512-aligned 512-frame runs;
 *   1 pair in 32:  a 600-frame decoy at offset 200, long enough for 512 frames but never
 *                  512-aligned ones (only 288 frames follow the aligned frame 512);
 *   elsewhere:     holes of 1–4 frames with gaps of 1–52 frames between them, about 9%.
 *
 * Spans come out in ascending order, never overlapping (they may touch).
 */

export interface FragmentStats {
  readonly freeFrames: number;
  /** First frames of the wholly free 2 MiB blocks, ascending. */
  readonly hugeBlocks: number[];
  /** First frames of the decoys, ascending. */
  readonly decoys: number[];
}

/** Calls `release(start, count)` for every span to free in `[0, frames)` (a multiple of 1024). */
export function fragment(
  frames: number,
  release: (start: number, count: number) => void,
  seed = 1,
): FragmentStats {
  const rng = new Rng(seed);
  const next = () => rng.next();
  const stats = { freeFrames: 0, hugeBlocks: [] as number[], decoys: [] as number[] };
  const emit = (start: number, count: number) => {
    release(start, count);
    stats.freeFrames += count;
  };
  const holes = (from: number, to: number) => {
    let at = from + 1 + Math.floor(next() * 52);
    while (at < to) {
      const count = Math.min(1 + Math.floor(next() * 4), to - at);
      emit(at, count);
      at += count + 1 + Math.floor(next() * 52);
    }
  };
  for (let pair = 0; pair < frames; pair += 1024) {
    const kind = next();
    if (kind < 1 / 128) {
      emit(pair, 512);
      stats.hugeBlocks.push(pair);
      holes(pair + 512, pair + 1024);
    } else if (kind < 1 / 128 + 1 / 32) {
      holes(pair, pair + 199);
      emit(pair + 200, 600);
      stats.decoys.push(pair + 200);
      holes(pair + 801, pair + 1024);
    } else {
      holes(pair, pair + 1024);
    }
  }
  return stats;
}
