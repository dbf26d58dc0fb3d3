/*
 * A mutex on one Int32 of shared memory (Drepper's futex mutex: 0 free, 1 held, 2 held with
 * waiters): a short spin, then Atomics.wait. What "one lock around the allocator" costs.
 */
export function lock(word: Int32Array, at: number): void {
  for (let spin = 0; spin < 64; spin++) {
    if (Atomics.compareExchange(word, at, 0, 1) === 0) return;
  }
  let seen = Atomics.exchange(word, at, 2);
  while (seen !== 0) {
    Atomics.wait(word, at, 2);
    seen = Atomics.exchange(word, at, 2);
  }
}

export function unlock(word: Int32Array, at: number): void {
  if (Atomics.sub(word, at, 1) !== 1) {
    Atomics.store(word, at, 0);
    Atomics.notify(word, at, 1);
  }
}
