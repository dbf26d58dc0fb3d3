/**
 * Thrown by `Page.alloc` when the allocator has no frame left (KeOS's `Page::new` panics
 * here). Running out is not misuse, so it is not a `FrameError`; `Page.tryAlloc` and
 * `ContigPages.alloc` return `null` instead.
 */
export class OutOfFramesError extends Error {
  override readonly name = 'OutOfFramesError';
  /** Frames the failed request asked for. */
  readonly frames: number;
  /** The allocator that ran out. */
  readonly allocator: string;

  constructor(allocator: string, frames: number) {
    super(`${allocator}: no free frame left for a ${frames}-frame allocation`);
    this.allocator = allocator;
    this.frames = frames;
  }
}
