/**
 * The reference for the heap's LIFO budget: the least a heap that checks its frees can do per
 * malloc + free in the bench's loop. One class per 16-byte granule up to a frame (no rounding
 * beyond 16 bytes), each with frames of its own carved from a bump pointer, and a LIFO stack of
 * freed addresses per class; a frame → class table; one live bit per 16 bytes, so freeing a
 * foreign, interior or freed address throws. No owners, no statistics, nothing given back.
 */
export class CheckedClassStacks {
  /** Per frame: its class, 0 when not carved. */
  readonly #frameClass: Uint16Array;
  /** One bit per 16 bytes: an object starts here and is live. */
  readonly #live: Int32Array;
  /** Per class `c`: freed addresses, a LIFO stack at `c * #capacity` (all stacks grow together). */
  #stacks = new Float64Array((GRANULES + 1) * 16);
  #capacity = 16;
  readonly #tops = new Int32Array(GRANULES + 1);
  /** Per class: the next address to carve in its newest frame, and where that frame ends. */
  readonly #carve = new Float64Array(GRANULES + 1);
  readonly #carveEnd = new Float64Array(GRANULES + 1);
  readonly #frames: number;
  #nextFrame = 0;

  constructor(frames: number) {
    if (frames * FRAME > 2 ** 31) throw new Error('CheckedClassStacks: at most 2 GiB (addresses are int32)');
    this.#frames = frames;
    this.#frameClass = new Uint16Array(frames);
    this.#live = new Int32Array((frames * FRAME) / 512);
  }

  malloc(size: number): number {
    // An integer in [1, 4096].
    if (((size - 1) & (FRAME - 1)) !== size - 1) throw new Error(`malloc: size ${size} is not in [1, 4096]`);
    const c = (size + 15) >>> 4;
    const top = this.#tops[c];
    let address: number;
    if (top > 0) {
      this.#tops[c] = top - 1;
      address = this.#stacks[c * this.#capacity + top - 1];
    } else {
      address = this.#carveOne(c);
      if (address < 0) return -1;
    }
    this.#live[address >>> 9] |= 1 << ((address >>> 4) & 31);
    return address;
  }

  free(address: number): void {
    const word = address >>> 9;
    const mask = 1 << ((address >>> 4) & 31);
    if ((address & 0x7ffffff0) !== address || word >= this.#live.length || (this.#live[word] & mask) === 0) {
      throw new Error(`free: ${address} is not a live allocation`);
    }
    this.#live[word] &= ~mask;
    const c = this.#frameClass[address >>> 12];
    const top = this.#tops[c];
    if (top === this.#capacity) this.#grow();
    this.#stacks[c * this.#capacity + top] = address;
    this.#tops[c] = top + 1;
  }

  /** Twice the room in every class's stack. */
  #grow(): void {
    const capacity = this.#capacity * 2;
    const stacks = new Float64Array((GRANULES + 1) * capacity);
    for (let c = 0; c <= GRANULES; c++) {
      stacks.set(this.#stacks.subarray(c * this.#capacity, c * this.#capacity + this.#tops[c]), c * capacity);
    }
    this.#stacks = stacks;
    this.#capacity = capacity;
  }

  /** A new object of class `c` from its newest frame, or a new frame; -1 when none is left. */
  #carveOne(c: number): number {
    const bytes = c * 16;
    if (this.#carve[c] + bytes > this.#carveEnd[c]) {
      if (this.#nextFrame === this.#frames) return -1;
      const frame = this.#nextFrame++;
      this.#frameClass[frame] = c;
      this.#carve[c] = frame * FRAME;
      this.#carveEnd[c] = (frame + 1) * FRAME;
    }
    const address = this.#carve[c];
    this.#carve[c] = address + bytes;
    return address;
  }
}

const FRAME = 4096;
const GRANULES = FRAME / 16;
