import type { PfnArray, RunOptions } from '@framekit/core';
import { MemPool } from '@thi.ng/malloc';
import type { Target } from './strategies';

const PAGE = 4096;
/** MemPool addresses are 32-bit: its heap is one ArrayBuffer of at most 4 GiB. */
export const MEMPOOL_MAX_BYTES = 2 ** 32 - PAGE;

/**
 * The JS peer: `@thi.ng/malloc`'s `MemPool` doing the page-granular job a JavaScript user
 * would give it — `malloc(4096)` with 4096-byte alignment per frame, `malloc(n * 4096)` per
 * run — with a "frame number" being `address / 4096`. Its heap is sized to the frames the
 * scenario could ever hold (each 4 KiB block takes 8 KiB: its 8-byte header pushes the next
 * aligned block one page further), capped at MemPool's 4 GiB.
 */
export class MemPoolPages implements Target {
  readonly pool: MemPool;
  readonly heapBytes: number;

  constructor(frames: number) {
    this.heapBytes = Math.min(MEMPOOL_MAX_BYTES, Math.max(16 * 2 ** 20, frames * PAGE * 2));
    this.pool = new MemPool({ size: this.heapBytes, align: PAGE });
  }

  alloc(): number {
    const address = this.pool.malloc(PAGE);
    return address === 0 ? -1 : address / PAGE;
  }

  free(pfn: number): void {
    this.pool.free(pfn * PAGE);
  }

  allocMany(out: PfnArray, count: number): boolean {
    for (let i = 0; i < count; i++) {
      const address = this.pool.malloc(PAGE);
      if (address === 0) {
        for (let j = 0; j < i; j++) this.pool.free(out[j] * PAGE);
        return false;
      }
      out[i] = address / PAGE;
    }
    return true;
  }

  freeMany(pfns: PfnArray, count: number): void {
    for (let i = 0; i < count; i++) this.pool.free(pfns[i] * PAGE);
  }

  /** MemPool aligns every block to the pool's 4096: `align` and `below` cannot be asked for. */
  allocRun(count: number, _options?: RunOptions): number {
    const address = this.pool.malloc(count * PAGE);
    return address === 0 ? -1 : address / PAGE;
  }

  freeRun(pfn: number, _count: number): void {
    this.pool.free(pfn * PAGE);
  }

  /** Heap bytes per 4 KiB block beyond the block itself (headers and alignment padding). */
  overheadPerFrame(): number {
    const probe = new MemPool({ size: 64 * PAGE * 4, align: PAGE });
    const first = probe.malloc(PAGE);
    let last = first;
    for (let i = 1; i < 64; i++) last = probe.malloc(PAGE);
    return (last - first) / 63 - PAGE;
  }
}
