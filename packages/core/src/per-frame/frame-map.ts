/** Slots of a new table (a power of two). */
const MIN_SLOTS = 16;
/** Tables at most this large never shrink: a table that empties and fills again (a batch of runs handed out and freed) must not resize each time. */
const SHRINK_SLOTS = 1024;
/** No key: frame numbers are never negative. */
const EMPTY = -1;

/**
 * A hash map from frame numbers to non-zero numbers, in two typed arrays (open addressing,
 * linear probing, deletion by backward shift: no tombstones). Lookups, inserts and deletes are
 * O(1) expected and allocate nothing unless the table grows (doubling at 1/2 full) or
 * shrinks (halving at 1/8 full, above 1,024 slots), so its memory follows the live
 * entries, not the frame span: the table behind the whole-run tracker, where a 2^40-frame
 * space with a few runs costs a few hundred bytes.
 */
export class FrameMap {
  #keys: Float64Array = new Float64Array(0);
  #values: Float64Array = new Float64Array(0);
  /** `slots - 1`. */
  #mask: number = 0;
  #size = 0;

  constructor() {
    this.#keys = new Float64Array(MIN_SLOTS).fill(EMPTY);
    this.#values = new Float64Array(MIN_SLOTS);
    this.#mask = MIN_SLOTS - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** The value at `key`, or 0 when there is none (any number is accepted). */
  get(key: number): number {
    const i = this.#find(key);
    return i < 0 ? 0 : this.#values[i];
  }

  /** Sets `key` (a frame number) to `value` (non-zero). */
  set(key: number, value: number): void {
    const keys = this.#keys;
    const mask = this.#mask;
    let i = slotOf(key, mask);
    for (; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) {
        this.#values[i] = value;
        return;
      }
      if (k === EMPTY) break;
    }
    keys[i] = key;
    this.#values[i] = value;
    if (++this.#size * 2 > keys.length) this.#resize(keys.length * 2);
  }

  /** Removes `key` and returns its value, or 0 (and no change) when there is none. */
  take(key: number): number {
    const i = this.#find(key);
    if (i < 0) return 0;
    const value = this.#values[i];
    this.#removeAt(i);
    return value;
  }

  /**
   * Removes `key` when its value lies in `[lo, hi)` and returns that value; otherwise 0 and no
   * change (a check and a removal in one probe).
   */
  takeIfIn(key: number, lo: number, hi: number): number {
    const i = this.#find(key);
    if (i < 0) return 0;
    const value = this.#values[i];
    if (!(value >= lo && value < hi)) return 0;
    this.#removeAt(i);
    return value;
  }

  /** The slot holding `key`, or -1. */
  #find(key: number): number {
    const keys = this.#keys;
    const mask = this.#mask;
    for (let i = slotOf(key, mask); ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) return i;
      if (k === EMPTY) return -1;
    }
  }

  /** Empties slot `i`, moving later entries of its probe chain into the hole (backward shift: no tombstones). */
  #removeAt(i: number): void {
    const keys = this.#keys;
    const values = this.#values;
    const mask = this.#mask;
    let hole = i;
    for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = slotOf(keys[j], mask);
      // Entry j may move into the hole unless its home lies cyclically in (hole, j].
      const stays = hole < j ? home > hole && home <= j : home > hole || home <= j;
      if (!stays) {
        keys[hole] = keys[j];
        values[hole] = values[j];
        hole = j;
      }
    }
    keys[hole] = EMPTY;
    values[hole] = 0;
    this.#size--;
    if (keys.length > SHRINK_SLOTS && this.#size * 8 < keys.length) this.#resize(keys.length / 2);
  }

  bytes(): number {
    return this.#keys.byteLength + this.#values.byteLength;
  }

  #resize(slots: number): void {
    const keys = this.#keys;
    const values = this.#values;
    this.#keys = new Float64Array(slots).fill(EMPTY);
    this.#values = new Float64Array(slots);
    this.#mask = slots - 1;
    this.#size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) this.set(keys[i], values[i]);
  }
}

/**
 * The home slot of `key`: its low 32 bits (`>>> 0` is ToUint32, exact modulo 2^32 for any
 * integer frame number, also past 2^32; keys equal in those bits just share a probe chain),
 * mixed by a Fibonacci multiply and a fold of the high half, masked.
 */
function slotOf(key: number, mask: number): number {
  const h = Math.imul(key >>> 0, 0x9e3779b1);
  return (h ^ (h >>> 16)) & mask;
}
