import { FrameError, NO_FRAME, type Pfn, type RefCountedAllocator } from '@framekit/core';
import { PAGE_SIZE } from './address';

/**
 * A file's contents held in frames, as a page cache would hold them: what `'file'` regions map.
 * Pages are allocated (zeroed) on first use. The file holds one reference on each of its
 * frames and every mapping of a page holds another, so pages outlive the file while mapped.
 *
 * The file lives while its creator has not disposed it or a region still maps it. Shared
 * anonymous regions are backed by an anonymous file of their own, so that every space that
 * shares the region after `fork()` sees the same pages, even pages first touched after the fork.
 */
export class MemoryFile implements Disposable {
  readonly size: number;
  readonly pages: number;
  readonly #pmm: RefCountedAllocator;
  /** Page index → frame, for the pages allocated so far (a large, mostly untouched file costs nothing). */
  readonly #frames = new Map<number, Pfn>();
  /** The creator's handle (1 while open) plus one per region mapping the file. */
  #users: number;
  #open: boolean;

  private constructor(pmm: RefCountedAllocator, size: number, open: boolean) {
    this.#pmm = pmm;
    this.size = size;
    this.pages = Math.ceil(size / PAGE_SIZE);
    this.#open = open;
    this.#users = open ? 1 : 0;
  }

  /**
   * A file of `contents` (bytes, or a size in bytes for a zero-filled file) in frames of `pmm`.
   * Null when `pmm` has no frames for the contents given.
   */
  static create(pmm: RefCountedAllocator, contents: Uint8Array | number): MemoryFile | null {
    if (!pmm.space.hasContents) {
      throw new FrameError('UNSUPPORTED', 'MemoryFile.create: the frame space has no contents', {
        op: 'MemoryFile.create',
      });
    }
    const size = typeof contents === 'number' ? contents : contents.length;
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new FrameError('INVALID_REQUEST', `MemoryFile.create: size ${size} must be an integer >= 1`, {
        op: 'MemoryFile.create',
        size,
      });
    }
    const file = new MemoryFile(pmm, size, true);
    if (typeof contents !== 'number' && !file.write(0, contents)) {
      file[Symbol.dispose]();
      return null;
    }
    return file;
  }

  /** @internal The backing of a shared anonymous region: owned by the regions that map it. */
  static anonymous(pmm: RefCountedAllocator, pages: number): MemoryFile {
    return new MemoryFile(pmm, pages * PAGE_SIZE, false);
  }

  /** The allocator the file's frames come from; a region can only map a file of its own allocator. */
  get pmm(): RefCountedAllocator {
    return this.#pmm;
  }

  /** True once the creator disposed it (regions may still map its pages). */
  get disposed(): boolean {
    return !this.#open;
  }

  /** The frame holding page `index`, allocated and zeroed on first use; `NO_FRAME` when exhausted. */
  page(index: number): Pfn {
    const frame = this.#frames.get(index);
    if (frame !== undefined) return frame;
    const fresh = this.#pmm.alloc();
    if (fresh === NO_FRAME) return NO_FRAME;
    this.#pmm.space.bytes(fresh).fill(0);
    this.#frames.set(index, fresh);
    return fresh;
  }

  /** `length` bytes from `offset` (pages never written read as zeros). */
  read(offset: number, length: number): Uint8Array {
    this.#check('read', offset, length);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = offset + done;
      const index = Math.floor(at / PAGE_SIZE);
      const within = at - index * PAGE_SIZE;
      const n = Math.min(length - done, PAGE_SIZE - within);
      const frame = this.#frames.get(index);
      if (frame !== undefined) out.set(this.#pmm.space.bytes(frame).subarray(within, within + n), done);
      done += n;
    }
    return out;
  }

  /** Writes `bytes` at `offset`; false (having written nothing) when a page cannot be allocated. */
  write(offset: number, bytes: Uint8Array): boolean {
    this.#check('write', offset, bytes.length);
    const first = Math.floor(offset / PAGE_SIZE);
    const last = Math.floor((offset + bytes.length - 1) / PAGE_SIZE);
    // Allocate every page first, so that exhaustion writes nothing.
    const made: number[] = [];
    for (let i = first; i <= last && bytes.length > 0; i++) {
      if (this.#frames.has(i)) continue;
      if (this.page(i) === NO_FRAME) {
        for (const j of made) {
          this.#pmm.free(this.#frames.get(j)!);
          this.#frames.delete(j);
        }
        return false;
      }
      made.push(i);
    }
    let done = 0;
    while (done < bytes.length) {
      const at = offset + done;
      const index = Math.floor(at / PAGE_SIZE);
      const within = at - index * PAGE_SIZE;
      const n = Math.min(bytes.length - done, PAGE_SIZE - within);
      this.#pmm.space.bytes(this.#frames.get(index)!).set(bytes.subarray(done, done + n), within);
      done += n;
    }
    return true;
  }

  /** @internal A region maps the file. */
  retain(): void {
    this.#users++;
  }

  /** @internal A region stopped mapping the file; the last user frees its frames. */
  release(): void {
    this.#users--;
    if (this.#users > 0) return;
    for (const frame of this.#frames.values()) this.#pmm.unref(frame);
    this.#frames.clear();
  }

  /** Closes the creator's handle; the frames go back once no region maps the file either. */
  [Symbol.dispose](): void {
    if (!this.#open) return;
    this.#open = false;
    this.release();
  }

  #check(op: string, offset: number, length: number): void {
    if (!this.#open) {
      throw new FrameError('INVALID_REQUEST', `MemoryFile.${op}: the file was disposed`, { op });
    }
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > this.size
    ) {
      throw new FrameError(
        'INVALID_REQUEST',
        `MemoryFile.${op}: [${offset}, ${offset} + ${length}) is not inside the file's ${this.size} bytes`,
        { op, offset, length, size: this.size },
      );
    }
  }
}
