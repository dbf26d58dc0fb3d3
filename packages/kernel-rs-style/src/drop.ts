import { disposeSymbol } from './dispose-symbol';

/** Disposes `owner` now, as Rust's `drop(page)`: `page[Symbol.dispose]()` by another name. */
export function drop(owner: Disposable): void {
  owner[disposeSymbol]();
}
