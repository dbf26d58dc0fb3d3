import { FrameError, MAX_OWNER } from '@framekit/core';
import { grown } from './blocks';
import { CLASS_ROWS } from './size-classes';

/**
 * Owners (memm's process ids, 0 the kernel) and their slots: each owner that allocates gets a
 * slot, which indexes its allocator, its blocks in the registry and its counters (objects and
 * live bytes per size-class row). A released owner's slot is reused.
 */
export class OwnerSlots {
  readonly #slotOf = new Map<number, number>();
  owner = new Float64Array(8).fill(-1);
  /** Per `slot * CLASS_ROWS + row`: live objects and their usable bytes. */
  objects = new Float64Array(8 * CLASS_ROWS);
  bytes = new Float64Array(8 * CLASS_ROWS);
  #freeSlots: number[] = [];
  #used = 0;
  #lastOwner = Number.NaN;
  #lastSlot = -1;

  /** The slot of `owner`, made on first use. Throws `INVALID_REQUEST` for a bad owner id. */
  slotFor(op: string, owner: number): number {
    if (owner === this.#lastOwner) return this.#lastSlot;
    let slot = this.#slotOf.get(owner);
    if (slot === undefined) {
      checkOwner(op, owner);
      slot = this.#freeSlots.length > 0 ? this.#freeSlots.pop()! : this.#used++;
      if (slot >= this.owner.length) this.#grow();
      this.#slotOf.set(owner, slot);
      this.owner[slot] = owner;
    }
    this.#lastOwner = owner;
    this.#lastSlot = slot;
    return slot;
  }

  /** The slot of `owner`, or -1 when it holds nothing. */
  find(owner: number): number {
    return this.#slotOf.get(owner) ?? -1;
  }

  /** Forgets `slot`'s owner and counters; returns the objects it had. */
  release(slot: number): number {
    const owner = this.owner[slot];
    this.#slotOf.delete(owner);
    this.owner[slot] = -1;
    if (this.#lastOwner === owner) {
      this.#lastOwner = Number.NaN;
      this.#lastSlot = -1;
    }
    let objects = 0;
    for (let row = 0; row < CLASS_ROWS; row++) objects += this.objects[slot * CLASS_ROWS + row];
    this.objects.fill(0, slot * CLASS_ROWS, (slot + 1) * CLASS_ROWS);
    this.bytes.fill(0, slot * CLASS_ROWS, (slot + 1) * CLASS_ROWS);
    this.#freeSlots.push(slot);
    return objects;
  }

  /** Every live slot, by owner id. */
  slots(): number[] {
    return [...this.#slotOf.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  }

  bytesUsed(): number {
    return this.owner.byteLength + this.objects.byteLength + this.bytes.byteLength + this.#slotOf.size * 16;
  }

  #grow(): void {
    const n = this.owner.length * 2;
    const owner = new Float64Array(n).fill(-1);
    owner.set(this.owner);
    this.owner = owner;
    this.objects = grown(this.objects, n * CLASS_ROWS);
    this.bytes = grown(this.bytes, n * CLASS_ROWS);
  }
}

/** Throws unless `owner` is an owner id: an integer in [0, 2^32 - 2]. */
export function checkOwner(op: string, owner: number): void {
  if (!Number.isSafeInteger(owner) || owner < 0 || owner > MAX_OWNER) {
    throw new FrameError('INVALID_REQUEST', `${op}: owner ${owner} must be an integer in [0, ${MAX_OWNER}]`, {
      op,
      owner,
    });
  }
}
