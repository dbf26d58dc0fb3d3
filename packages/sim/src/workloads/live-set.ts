import type { Rng } from '../rng';

/** Ids of live allocations with O(1) add and O(1) removal of a random one. */
export class LiveSet {
  readonly #ids: number[] = [];

  get size(): number {
    return this.#ids.length;
  }

  add(id: number): void {
    this.#ids.push(id);
  }

  /** Removes and returns a random id (the set must not be empty). */
  takeRandom(rng: Rng): number {
    const k = Math.floor(rng.next() * this.#ids.length);
    const id = this.#ids[k];
    this.#ids[k] = this.#ids[this.#ids.length - 1];
    this.#ids.pop();
    return id;
  }

  /** Removes and returns every id. */
  drain(): number[] {
    return this.#ids.splice(0);
  }
}
