import type { FrameAllocator } from '@framekit/core';

/** One bit per frame, set where the frame is free: what the frame map draws. */
export function freeBits(allocator: FrameAllocator, frameCount: number): Uint8Array {
  const bits = new Uint8Array(Math.ceil(frameCount / 8));
  const mark = (start: number, count: number) => {
    for (let pfn = start; pfn < start + count; pfn++) bits[pfn >>> 3] |= 1 << (pfn & 7);
  };
  if (allocator.forEachFreeRun) {
    allocator.forEachFreeRun(mark);
  } else {
    for (const range of allocator.ranges) {
      for (let pfn = range.start; pfn < range.start + range.count; pfn++) {
        if (allocator.isFree(pfn)) bits[pfn >>> 3] |= 1 << (pfn & 7);
      }
    }
  }
  return bits;
}

export function isBitSet(bits: Uint8Array, pfn: number): boolean {
  return (bits[pfn >>> 3] & (1 << (pfn & 7))) !== 0;
}
