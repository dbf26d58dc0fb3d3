/**
 * Every block the heap holds: a run of frames taken from the frame allocator for one owner's
 * slot, either for its byte allocator (a slab, a span; `tag` is the allocator's own number for
 * it) or as one frame-run allocation (`tag` = -1). Blocks of a slot are linked, so releasing an
 * owner walks exactly what it holds. State in growable typed arrays; ids are reused.
 */
export class BlockRegistry {
  /** Per block, side by side (one cache line for a free's lookup): `[2 * id]` slot, `[2 * id + 1]` tag. */
  info = new Int32Array(128);
  pfn = new Float64Array(64);
  frames = new Float64Array(64);
  #next = new Int32Array(64);
  #prev = new Int32Array(64);
  /** Freed ids, reused first. */
  #freeIds = new Int32Array(64);
  #freeCount = 0;
  #used = 0;
  /** Per slot: the first block, and frames held. */
  #head = new Int32Array(8).fill(-1);
  slotFrames = new Float64Array(8);
  slot(id: number): number {
    return this.info[2 * id];
  }

  tag(id: number): number {
    return this.info[2 * id + 1];
  }

  setTag(id: number, tag: number): void {
    this.info[2 * id + 1] = tag;
  }

  /** Live blocks. */
  count = 0;

  /** Files a block and returns its id. */
  add(slot: number, tag: number, pfn: number, frames: number): number {
    let id: number;
    if (this.#freeCount > 0) id = this.#freeIds[--this.#freeCount];
    else {
      if (this.#used === this.pfn.length) this.#grow();
      id = this.#used++;
    }
    this.#ensureSlot(slot);
    this.info[2 * id] = slot;
    this.info[2 * id + 1] = tag;
    this.pfn[id] = pfn;
    this.frames[id] = frames;
    const head = this.#head[slot];
    this.#next[id] = head;
    this.#prev[id] = -1;
    if (head >= 0) this.#prev[head] = id;
    this.#head[slot] = id;
    this.slotFrames[slot] += frames;
    this.count++;
    return id;
  }

  remove(id: number): void {
    const slot = this.info[2 * id];
    const next = this.#next[id];
    const prev = this.#prev[id];
    if (prev >= 0) this.#next[prev] = next;
    else this.#head[slot] = next;
    if (next >= 0) this.#prev[next] = prev;
    this.slotFrames[slot] -= this.frames[id];
    this.info[2 * id] = -1;
    this.#freeIds[this.#freeCount++] = id;
    this.count--;
  }

  /** The first block of `slot`, or -1; then `nextOf` until -1. */
  firstOf(slot: number): number {
    return slot < this.#head.length ? this.#head[slot] : -1;
  }

  nextOf(id: number): number {
    return this.#next[id];
  }

  /** Ids of every live block. */
  ids(): number[] {
    const out: number[] = [];
    for (let id = 0; id < this.#used; id++) if (this.info[2 * id] >= 0) out.push(id);
    return out;
  }

  framesOf(slot: number): number {
    return slot < this.slotFrames.length ? this.slotFrames[slot] : 0;
  }

  bytes(): number {
    return (
      this.info.byteLength +
      this.pfn.byteLength * 2 +
      this.#next.byteLength * 3 +
      this.#head.byteLength +
      this.slotFrames.byteLength
    );
  }

  #grow(): void {
    const n = this.pfn.length * 2;
    this.info = grown(this.info, 2 * n);
    this.pfn = grown(this.pfn, n);
    this.frames = grown(this.frames, n);
    this.#next = grown(this.#next, n);
    this.#prev = grown(this.#prev, n);
    this.#freeIds = grown(this.#freeIds, n);
  }

  #ensureSlot(slot: number): void {
    if (slot < this.#head.length) return;
    let n = this.#head.length;
    while (n <= slot) n *= 2;
    const head = new Int32Array(n).fill(-1);
    head.set(this.#head);
    this.#head = head;
    this.slotFrames = grown(this.slotFrames, n);
  }
}

/** A copy of `array` with room for `length` entries. */
export function grown<T extends Int32Array | Uint32Array | Float64Array | Uint16Array | Uint8Array>(
  array: T,
  length: number,
): T {
  const out = new (array.constructor as new (n: number) => T)(length);
  out.set(array);
  return out;
}
