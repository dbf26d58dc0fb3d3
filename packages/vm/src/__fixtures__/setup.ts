import { createFrameSpace, type FrameSpace, type RefCountedAllocator, withRefCounts } from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';
import { AddressSpace } from '../index';

/** A frame space with contents, a refcounted baseline allocator over it, and its free count at the start. */
export function setup(frames = 4096, backing: 'dense' | 'sparse' | 'shared' = 'dense') {
  const space = createFrameSpace({ frames }, { backing });
  const pmm = withRefCounts(createBaselineAllocator(space));
  const freeAtStart = pmm.stats().freeFrames;
  const as = AddressSpace.create(pmm, space)!;
  return { space, pmm, as, freeAtStart };
}

/** An entry read by hand from the frame's bytes: 8 little-endian bytes as a bigint. */
export function rawEntry(space: FrameSpace, table: number, index: number): bigint {
  const bytes = space.bytes(table);
  let value = 0n;
  for (let b = 7; b >= 0; b--) value = (value << 8n) | BigInt(bytes[index * 8 + b]);
  return value;
}

/** The architectural fields of an entry, decoded from its 64 bits. */
export function decode(entry: bigint) {
  const bit = (n: number) => ((entry >> BigInt(n)) & 1n) === 1n;
  return {
    p: bit(0),
    rw: bit(1),
    us: bit(2),
    pwt: bit(3),
    pcd: bit(4),
    a: bit(5),
    d: bit(6),
    ps: bit(7),
    g: bit(8),
    ref: bit(9),
    nx: bit(63),
    pfn: Number((entry >> 12n) & ((1n << 40n) - 1n)),
    /** Bits 52–62 must stay zero (available / protection keys): framekit never sets them. */
    high: Number((entry >> 52n) & 0x7ffn),
  };
}

/** Walks the tables by hand from `root` for a 48-bit address, returning each level's decoded entry. */
export function walkByHand(space: FrameSpace, root: number, va: bigint) {
  const u = va & ((1n << 48n) - 1n);
  const path: ReturnType<typeof decode>[] = [];
  let table = root;
  for (const shift of [39n, 30n, 21n, 12n]) {
    const index = Number((u >> shift) & 511n);
    const entry = decode(rawEntry(space, table, index));
    path.push(entry);
    if (!entry.p || (shift === 21n && entry.ps)) break;
    table = entry.pfn;
  }
  return path;
}

/** Frames `pmm` holds for anyone: what must drop back to zero. */
export function used(pmm: RefCountedAllocator, freeAtStart: number): number {
  return freeAtStart - pmm.stats().freeFrames;
}
