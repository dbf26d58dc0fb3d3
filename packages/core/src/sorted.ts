/**
 * The index of the last element of ascending `sorted` that is `<= value`, or -1 when there
 * is none: which range, arena or segment a frame falls in. Binary search; allocates nothing.
 */
export function lastAtOrBelow(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= value) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi;
}
