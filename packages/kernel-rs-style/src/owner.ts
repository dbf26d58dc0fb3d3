import { FRAME_SIZE, FrameError, type Pfn, type RefCountedAllocator } from '@framekit/core';
import type { ReadonlyBytes } from './api';
import { frameBytes, readOnly } from './checks';
import { disposeSymbol } from './dispose-symbol';
import { unwatchOwner, watchOwner } from './leak-warnings';
import { type Allocation, droppedReferences } from './tracking';

/** Proves a constructor call comes from this package: owners are made by `alloc`, `clone`, `fromRaw`… */
export const OWNER_TOKEN: unique symbol = Symbol('@framekit/kernel-rs-style owner');

const LIVE = 0;
const DISPOSED = 1;
const MOVED = 2;

/**
 * What `Page` and `ContigPages` share: one reference on each of `count` frames from `first`,
 * given back by `[Symbol.dispose]()`. After dispose (or a move: `intoRaw`, `split`) every use
 * throws `INVALID_REQUEST`.
 */
export abstract class FrameOwner implements Disposable {
  protected readonly allocator: RefCountedAllocator;
  protected readonly first: Pfn;
  protected readonly count: number;
  protected readonly allocation: Allocation | undefined;
  readonly #kind: 'Page' | 'ContigPages';
  #state = LIVE;
  #movedBy = '';

  protected constructor(
    token: typeof OWNER_TOKEN,
    kind: 'Page' | 'ContigPages',
    pmm: RefCountedAllocator,
    pfn: Pfn,
    count: number,
    allocation: Allocation | undefined,
  ) {
    if (token !== OWNER_TOKEN) {
      throw new FrameError(
        'INVALID_REQUEST',
        `${kind}: owners are made by ${kind}.alloc, clone or fromRaw, not by new`,
        { op: 'new' },
      );
    }
    this.#kind = kind;
    this.allocator = pmm;
    this.first = pfn;
    this.count = count;
    this.allocation = allocation;
    watchOwner(this, kind, pfn, count, allocation);
  }

  /** Physical address of the (first) frame. */
  get pa(): number {
    this.assertLive('pa');
    return this.first * FRAME_SIZE;
  }

  /** Frame number of the (first) frame. */
  get pfn(): Pfn {
    this.assertLive('pfn');
    return this.first;
  }

  /** True once disposed or moved out (`intoRaw`, `split`): the owner holds nothing any more. */
  get disposed(): boolean {
    return this.#state !== LIVE;
  }

  /**
   * The frames' bytes for reading: the live memory, not a copy (typed read-only; writing
   * through it is a contract violation, use `innerMut()`). Needs a frame space with contents.
   */
  inner(): ReadonlyBytes {
    this.assertLive('inner');
    return readOnly(frameBytes(`${this.#kind}.inner`, this.allocator.space, this.first, this.count));
  }

  /** The frames' bytes for reading and writing (a live view). Needs a frame space with contents. */
  innerMut(): Uint8Array {
    this.assertLive('innerMut');
    return frameBytes(`${this.#kind}.innerMut`, this.allocator.space, this.first, this.count);
  }

  /**
   * Gives the reference back: the frames return to the allocator when this was the last
   * owner (Rust's `Drop`). Idempotent: disposing an owner that is already disposed or moved out
   * (`intoRaw`, `split`) does nothing, as everywhere in framekit; every other use of it throws.
   * If the allocator refuses (frames freed behind this owner's back), the error propagates and
   * the owner stays live.
   */
  [disposeSymbol](): void {
    if (this.#state !== LIVE) return;
    this.allocator.unref(this.first, this.count);
    this.#state = DISPOSED;
    unwatchOwner(this);
    droppedReferences(this.allocation, this.first, this.count);
  }

  /** Throws `INVALID_REQUEST` when the owner was disposed or moved out. */
  protected assertLive(op: string): void {
    if (this.#state === LIVE) return;
    const why = this.#state === MOVED ? ` (its ownership moved out by ${this.#movedBy})` : '';
    throw new FrameError(
      'INVALID_REQUEST',
      `${this.#kind}.${op}: this ${this.#kind} is disposed${why}; it holds no frames any more`,
      { op, pfn: this.first },
    );
  }

  /** Ends this owner without giving its references back: they went to `by` (`intoRaw`, `split`). */
  protected moveOut(by: string): void {
    this.#state = MOVED;
    this.#movedBy = by;
    unwatchOwner(this);
  }
}
