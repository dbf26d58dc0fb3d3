import { FRAME_SIZE, FrameError, type Pfn, type RefCountedAllocator } from '@framekit/core';
import type { ReadonlyBytes } from './api';
import { allocatedFrameOf, checkRefCounted, frameBytes, readOnly } from './checks';
import { disposeSymbol } from './dispose-symbol';
import { OWNER_TOKEN } from './owner';
import { Page } from './page';
import { allocationOf, tookReferences } from './tracking';

/**
 * A borrowed page (KeOS's `PageRef`): access to a frame some other owner holds, without a
 * reference of its own. Every use checks the frame is still allocated (`NOT_ALLOCATED` once
 * the owners freed it); a frame freed and handed out again cannot be told apart, so keep the
 * borrow shorter than the owner. Disposing it ends the borrow and leaves the count alone.
 */
export class PageRef implements Disposable {
  readonly #pmm: RefCountedAllocator;
  readonly #pfn: Pfn;
  #ended = false;

  private constructor(pmm: RefCountedAllocator, pfn: Pfn) {
    this.#pmm = pmm;
    this.#pfn = pfn;
  }

  /** Borrows the allocated frame at `pa` (`NOT_ALLOCATED` when it is free). */
  static fromPa(pmm: RefCountedAllocator, pa: number): PageRef {
    checkRefCounted('PageRef.fromPa', pmm);
    return new PageRef(pmm, allocatedFrameOf('PageRef.fromPa', pmm, pa));
  }

  get pa(): number {
    this.#check('pa');
    return this.#pfn * FRAME_SIZE;
  }

  get pfn(): Pfn {
    this.#check('pfn');
    return this.#pfn;
  }

  /** True once the borrow ended. */
  get disposed(): boolean {
    return this.#ended;
  }

  /** The frame's bytes for reading (live, typed read-only; see `Page.inner`). */
  inner(): ReadonlyBytes {
    this.#check('inner');
    return readOnly(frameBytes('PageRef.inner', this.#pmm.space, this.#pfn, 1));
  }

  /** The frame's bytes for reading and writing. */
  innerMut(): Uint8Array {
    this.#check('innerMut');
    return frameBytes('PageRef.innerMut', this.#pmm.space, this.#pfn, 1);
  }

  /** An owning `Page` of the frame: its count goes up by one (KeOS's `into_page`). The borrow stays usable. */
  intoPage(): Page {
    this.#check('intoPage');
    this.#pmm.ref(this.#pfn);
    const allocation = allocationOf(this.#pmm, this.#pfn);
    tookReferences(allocation, this.#pfn, 1);
    return new Page(OWNER_TOKEN, this.#pmm, this.#pfn, allocation);
  }

  /** Ends the borrow (the count is not touched); later uses throw. Idempotent: a second dispose does nothing. */
  [disposeSymbol](): void {
    this.#ended = true;
  }

  #check(op: string, needsFrame = true): void {
    if (this.#ended) {
      throw new FrameError('INVALID_REQUEST', `PageRef.${op}: this PageRef is disposed (the borrow ended)`, {
        op,
        pfn: this.#pfn,
      });
    }
    if (needsFrame && this.#pmm.refCount(this.#pfn) === 0) {
      throw new FrameError(
        'NOT_ALLOCATED',
        `PageRef.${op}: frame ${this.#pfn} was freed while borrowed; the PageRef dangles`,
        { op, pfn: this.#pfn },
      );
    }
  }
}
