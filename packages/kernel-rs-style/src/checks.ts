import { FRAME_SIZE, FrameError, type FrameSpace, type Pfn, type RefCountedAllocator } from '@framekit/core';
import { checkFrame, SPARSE_CHUNK_FRAMES } from '@framekit/core/plugin';
import type { ReadonlyBytes } from './api';

/** Throws unless `pmm` has reference counts (`withRefCounts(allocator)`); owners need them. */
export function checkRefCounted(op: string, pmm: RefCountedAllocator): void {
  if (
    pmm === null ||
    typeof pmm !== 'object' ||
    typeof pmm.ref !== 'function' ||
    typeof pmm.unref !== 'function' ||
    typeof pmm.refCount !== 'function'
  ) {
    throw new FrameError(
      'INVALID_REQUEST',
      `${op}: needs a RefCountedAllocator; wrap the allocator with withRefCounts(allocator) from @framekit/core`,
      { op },
    );
  }
}

/**
 * The frame of a physical address that must hold a reference: `INVALID_REQUEST` unless a
 * frame-aligned address, `OUT_OF_RANGE` outside the space (a negative frame such as
 * `-FRAME_SIZE`'s -1 too, as core's contract table says), `NOT_USABLE`, then `NOT_ALLOCATED`
 * when its count is 0.
 */
export function allocatedFrameOf(op: string, pmm: RefCountedAllocator, pa: number): Pfn {
  if (!Number.isSafeInteger(pa) || pa % FRAME_SIZE !== 0) {
    throw new FrameError('INVALID_REQUEST', `${op}: ${pa} is not a frame-aligned physical address`, {
      op,
      pa,
    });
  }
  const pfn = pa / FRAME_SIZE;
  checkFrame(op, pmm.space, pfn);
  if (!pmm.space.isUsable(pfn)) {
    throw new FrameError('NOT_USABLE', `${op}: frame ${pfn} is not usable memory (a hole or reserved)`, {
      op,
      pfn,
    });
  }
  if (pmm.refCount(pfn) === 0) {
    throw new FrameError('NOT_ALLOCATED', `${op}: frame ${pfn} is not allocated`, { op, pfn });
  }
  return pfn;
}

/** The live bytes of `count` frames from `pfn`, or a clear error when the space cannot give one view. */
export function frameBytes(op: string, space: FrameSpace, pfn: Pfn, count: number): Uint8Array {
  if (!space.hasContents) {
    throw new FrameError(
      'UNSUPPORTED',
      `${op}: the frame space has no contents (backing 'none'); create it with createFrameSpace(input, { backing: 'dense' | 'sparse' | 'shared' }) to read and write frames`,
      { op, pfn },
    );
  }
  if (
    space.backing === 'sparse' &&
    Math.floor(pfn / SPARSE_CHUNK_FRAMES) !== Math.floor((pfn + count - 1) / SPARSE_CHUNK_FRAMES)
  ) {
    throw new FrameError(
      'INVALID_REQUEST',
      `${op}: frames [${pfn}, ${pfn + count}) cross a ${SPARSE_CHUNK_FRAMES}-frame chunk of a sparse frame space, which has no single view of them; split() the run and read it page by page, or use a 'dense' space`,
      { op, pfn, count },
    );
  }
  return space.bytes(pfn, count);
}

/** The same bytes, typed read-only (no copy). */
export function readOnly(bytes: Uint8Array): ReadonlyBytes {
  return bytes as unknown as ReadonlyBytes;
}
