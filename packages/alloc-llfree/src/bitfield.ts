/*
 * The bottom layer: bitfields of 512 frames (one 2 MiB child), 16 Int32 words each, in the
 * shared state. A set bit is an allocated (or unusable) frame, as in LLFree. Every change is
 * one atomic read-modify-write on one word: `Atomics.or` / `Atomics.and` for a single bit
 * (their old value says whether the bit really changed, so a test-and-set or test-and-clear
 * needs no loop) and `Atomics.compareExchange` for a group of bits, which must change all
 * at once or not at all. Offsets inside a word are < 32, so the shifts here are safe.
 */

export const FRAMES_PER_WORD = 32;
export const WORDS_PER_CHILD = 16;
export const FRAMES_PER_CHILD = 512;

/** Counts compare-exchange and test-and-set attempts that lost a race (contention). */
export interface RetryCounter {
  retries: number;
}

/** Lowest clear bit of `word`, or -1 when every bit is set. */
export function lowestClear(word: number): number {
  const free = ~word;
  if (free === 0) return -1;
  return 31 - Math.clz32(free & -free);
}

/** The mask of a naturally aligned group of `size` bits (1, 2, 4, … 32) at bit 0. */
export function groupMask(size: number): number {
  return size === 32 ? -1 : (1 << size) - 1;
}

/**
 * Sets one clear bit of the child's bitfield at `base` (its first word), searching from word
 * `fromWord`. The in-child frame offset, or -1 when all 512 bits are set.
 */
export function setOne(bits: Int32Array, base: number, fromWord: number, counter: RetryCounter): number {
  for (let n = 0; n < WORDS_PER_CHILD; n++) {
    const w = (fromWord + n) & (WORDS_PER_CHILD - 1);
    const at = base + w;
    let word = bits[at]; // a plain read: only a guess, which the atomic operation below checks
    for (;;) {
      const bit = lowestClear(word);
      if (bit < 0) break;
      const mask = 1 << bit;
      const old = Atomics.or(bits, at, mask);
      if ((old & mask) === 0) return w * FRAMES_PER_WORD + bit;
      counter.retries++;
      word = old | mask;
    }
  }
  return -1;
}

/**
 * Sets a naturally aligned group of `size` clear bits (2 … 32) in one word, all at once with
 * a compare-exchange. The in-child offset of its first frame, or -1 when no word has one.
 */
export function setGroup(bits: Int32Array, base: number, size: number, counter: RetryCounter): number {
  const mask = groupMask(size);
  for (let w = 0; w < WORDS_PER_CHILD; w++) {
    const at = base + w;
    let word = bits[at]; // a plain read: only a guess, which the atomic operation below checks
    let pos = 0;
    while (pos < FRAMES_PER_WORD) {
      if (((word >>> pos) & mask) !== 0) {
        pos += size;
        continue;
      }
      const wanted = word | (mask << pos);
      const seen = Atomics.compareExchange(bits, at, word, wanted);
      if (seen === word) return w * FRAMES_PER_WORD + pos;
      counter.retries++;
      word = seen;
      pos = 0;
    }
  }
  return -1;
}

/** Clears one bit; false (and nothing changed) when it was already clear. */
export function clearOne(bits: Int32Array, at: number, mask: number): boolean {
  return (Atomics.and(bits, at, ~mask) & mask) !== 0;
}

/** Clears a group of bits all at once; false (and nothing changed) unless every one was set. */
export function clearGroup(bits: Int32Array, at: number, mask: number, counter: RetryCounter): boolean {
  let word = Atomics.load(bits, at);
  for (;;) {
    if ((word & mask) !== mask) return false;
    const seen = Atomics.compareExchange(bits, at, word, word & ~mask);
    if (seen === word) return true;
    counter.retries++;
    word = seen;
  }
}

/**
 * The lowest in-child frame offset in `[fromFrame, toFrame)` (0 ≤ fromFrame < toFrame ≤ 512)
 * whose bit is clear in the child's bitfield at `base`, or -1 when every one is set. Read-only,
 * a 32-bit word at a time with `Atomics.load`, as `countClear` reads; it allocates nothing.
 */
export function firstClearIn(bits: Int32Array, base: number, fromFrame: number, toFrame: number): number {
  let w = Math.floor(fromFrame / FRAMES_PER_WORD);
  const lastWord = Math.floor((toFrame - 1) / FRAMES_PER_WORD);
  // The clear bits of the first word, at or above `fromFrame`'s bit.
  let clear = ~Atomics.load(bits, base + w) & (-1 << (fromFrame % FRAMES_PER_WORD));
  for (;;) {
    // In the last word, only the bits below `toFrame`.
    if (w === lastWord) clear &= groupMask(((toFrame - 1) % FRAMES_PER_WORD) + 1);
    if (clear !== 0) return w * FRAMES_PER_WORD + (31 - Math.clz32(clear & -clear));
    if (w === lastWord) return -1;
    w++;
    clear = ~Atomics.load(bits, base + w);
  }
}

/** Number of set bits in a 32-bit word. */
export function popcount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Clear bits of a child's bitfield (its free frames, if the child is not a 2 MiB page). */
export function countClear(bits: Int32Array, base: number): number {
  let set = 0;
  for (let w = 0; w < WORDS_PER_CHILD; w++) set += popcount(Atomics.load(bits, base + w));
  return FRAMES_PER_CHILD - set;
}
