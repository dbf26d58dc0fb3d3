/*
 * 32-bit word tricks the bitmap is built on. A set bit means a FREE frame. Every function
 * works on int32 values (as read from an Int32Array) in a fixed number of steps: there is
 * no loop over the bits of a word anywhere on a hot path.
 */

/** Index of the lowest set bit of a non-zero word. */
export function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Set bits from bit 0 upwards (the word's free prefix); `x` must not be all ones. */
export function trailingOnes(x: number): number {
  return lowestBit(~x);
}

/** Set bits from bit 31 downwards (the word's free suffix). */
export function leadingOnes(x: number): number {
  return Math.clz32(~x);
}

/** Bits `[lo, hi]` of a word, `0 <= lo <= hi <= 31`. */
export function bitRange(lo: number, hi: number): number {
  return (-1 << lo) & (-1 >>> (31 - hi));
}

/**
 * Length of the longest run of set bits in `x`. Builds "runs of 2, 4, 8, 16" masks by
 * doubling, then finds the length bit by bit from 16 down (a binary search, five steps).
 */
export function longestRun(x: number): number {
  if (x === 0) return 0;
  if (x === -1) return 32;
  // mK has bit i set when bits i … i+K-1 of x are all set (`>>>` shifts zeros in at the top).
  const m2 = x & (x >>> 1);
  const m4 = m2 & (m2 >>> 2);
  const m8 = m4 & (m4 >>> 4);
  const m16 = m8 & (m8 >>> 8);
  // Invariant: `m` marks the starts of runs of at least `length` bits.
  let length = 0;
  let m = -1;
  let t = m & (m16 >>> length);
  if (t !== 0) {
    m = t;
    length += 16;
  }
  t = m & (m8 >>> length);
  if (t !== 0) {
    m = t;
    length += 8;
  }
  t = m & (m4 >>> length);
  if (t !== 0) {
    m = t;
    length += 4;
  }
  t = m & (m2 >>> length);
  if (t !== 0) {
    m = t;
    length += 2;
  }
  t = m & (x >>> length);
  if (t !== 0) length += 1;
  return length;
}

/**
 * The positions where a run of `n` set bits (1 <= n <= 32) starts inside `x`: bit i of the
 * result is set when bits i … i+n-1 of `x` are all set. At most five shift-and steps.
 */
export function runStarts(x: number, n: number): number {
  let m = x;
  let length = 1;
  while (length * 2 <= n) {
    m &= m >>> length;
    length *= 2;
  }
  if (length < n) m &= m >>> (n - length);
  return m;
}

/** `floor(log2 n)` for `1 <= n < 2^32`. */
export function floorLog2(n: number): number {
  return 31 - Math.clz32(n);
}

/**
 * The largest o such that the free run `[start, end)` (absolute frames, shorter than 2^32)
 * holds a block of 2^o frames starting at a multiple of 2^o; -1 for an empty run. A run of
 * at least 2^o frames always holds an aligned 2^(o-1) block, so two candidates suffice.
 */
export function alignedOrder(start: number, end: number): number {
  if (end <= start) return -1;
  const order = floorLog2(end - start);
  // `1 << order` below 2^31 (`2 ** order` is a call to pow); a run of 2^31 frames has order 31.
  const size = order < 31 ? 1 << order : 2 ** order;
  return Math.ceil(start / size) * size + size <= end ? order : order - 1;
}

/** For `align` = 1, 2, 4, 8, 16, 32: the bits of a word (starting at a multiple of 32) that are aligned. */
const ALIGN_MASKS = [-1, 0x55555555, 0x11111111, 0x01010101, 0x00010001, 0x00000001];

/**
 * The bit positions of a word starting at frame `wordStart` (a multiple of 32) where an
 * `align`-aligned run may start.
 */
export function alignMask(align: number, wordStart: number): number {
  if (align <= 32) return ALIGN_MASKS[31 - Math.clz32(align)];
  return wordStart % align === 0 ? 1 : 0;
}
