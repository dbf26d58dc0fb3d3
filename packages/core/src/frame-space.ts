import type { Backing, FrameRange, FrameSpace, Pfn } from './api';
import { isNormalizedBootMap, type NormalizedBootMap, normalizeBootMap } from './bootmap/normalize';
import type { BootMap } from './bootmap/schema';
import { checkFrame } from './checks';
import { FrameError } from './errors';
import { lastAtOrBelow } from './sorted';
import { FRAME_SIZE, MAX_PFN } from './units';

/** A space given directly in frames: `frames` frames, all usable unless `ranges` says which. */
export interface FrameCountInput {
  readonly frames: number;
  readonly ranges?: readonly FrameRange[];
}

export type FrameSpaceInput = BootMap | NormalizedBootMap | FrameCountInput;

export interface FrameSpaceOptions {
  /** Where frame contents live: nowhere (default), one ArrayBuffer, a SharedArrayBuffer, or per touched 2 MiB chunk. */
  readonly backing?: Backing;
}

/** Sparse spaces materialise contents 2 MiB (512 frames) at a time. */
export const SPARSE_CHUNK_FRAMES = 512;

/** A dense or shared space keeps all contents in one buffer; past this, use `'sparse'`. */
export const MAX_DENSE_BYTES = 2 ** 32;

/**
 * The physical memory an allocator manages. From a boot map (normalized with default
 * options unless already normalized), `frameCount` is one past the highest usable frame.
 */
export function createFrameSpace(input: FrameSpaceInput, options: FrameSpaceOptions = {}): FrameSpace {
  const backing = options.backing ?? 'none';
  let ranges: FrameRange[];
  let frameCount: number;
  if ('frames' in input) {
    if (!Number.isSafeInteger(input.frames) || input.frames < 1 || input.frames > MAX_PFN) {
      throw new FrameError(
        'INVALID_REQUEST',
        `createFrameSpace: frames ${input.frames} must be an integer in [1, 2^40]`,
        {
          op: 'createFrameSpace',
          frames: input.frames,
        },
      );
    }
    frameCount = input.frames;
    ranges = canonicalRanges(input.ranges ?? [{ start: 0, count: frameCount }], frameCount);
  } else {
    const normalized = isNormalizedBootMap(input) ? input : normalizeBootMap(input);
    ranges = canonicalRanges(normalized.usable, MAX_PFN);
    const last = ranges[ranges.length - 1];
    if (!last) {
      throw new FrameError('BAD_BOOT_MAP', 'createFrameSpace: the memory map has no usable frame', {
        op: 'createFrameSpace',
      });
    }
    frameCount = last.start + last.count;
  }
  return new RangeFrameSpace(frameCount, ranges, backing);
}

/** Sorts and checks ranges, joining touching ones; throws on overlaps or frames beyond `limit`. */
function canonicalRanges(input: readonly FrameRange[], limit: number): FrameRange[] {
  const sorted = input.filter((r) => r.count !== 0).map((r) => ({ start: r.start, count: r.count }));
  for (const r of sorted) {
    if (!Number.isSafeInteger(r.start) || !Number.isSafeInteger(r.count) || r.start < 0 || r.count < 0) {
      throw new FrameError(
        'INVALID_REQUEST',
        `createFrameSpace: range ${JSON.stringify(r)} needs integers >= 0`,
        {
          op: 'createFrameSpace',
          range: r,
        },
      );
    }
    if (r.start + r.count > limit) {
      throw new FrameError(
        'OUT_OF_RANGE',
        `createFrameSpace: range [${r.start}, ${r.start + r.count}) passes ${limit}`,
        {
          op: 'createFrameSpace',
          range: r,
        },
      );
    }
  }
  sorted.sort((a, b) => a.start - b.start);
  const out: FrameRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start < last.start + last.count) {
      throw new FrameError('INVALID_REQUEST', `createFrameSpace: ranges overlap at frame ${r.start}`, {
        op: 'createFrameSpace',
        pfn: r.start,
      });
    }
    if (last && r.start === last.start + last.count)
      out[out.length - 1] = { start: last.start, count: last.count + r.count };
    else out.push(r);
  }
  return out;
}

class RangeFrameSpace implements FrameSpace {
  readonly frameCount: number;
  readonly ranges: readonly FrameRange[];
  readonly usableFrames: number;
  readonly backing: Backing;
  readonly hasContents: boolean;
  /** Range starts and ends, for the binary search in `isUsable`. */
  readonly #starts: Float64Array;
  readonly #ends: Float64Array;
  readonly #buffer: Uint8Array | undefined;
  readonly #chunks: Map<number, Uint8Array> | undefined;

  constructor(frameCount: number, ranges: FrameRange[], backing: Backing) {
    this.frameCount = frameCount;
    this.ranges = Object.freeze(ranges.map((r) => Object.freeze(r)));
    this.usableFrames = ranges.reduce((sum, r) => sum + r.count, 0);
    this.backing = backing;
    this.hasContents = backing !== 'none';
    this.#starts = Float64Array.from(ranges, (r) => r.start);
    this.#ends = Float64Array.from(ranges, (r) => r.start + r.count);
    if (backing === 'dense' || backing === 'shared') {
      const size = frameCount * FRAME_SIZE;
      if (size > MAX_DENSE_BYTES) {
        throw new FrameError(
          'INVALID_REQUEST',
          `createFrameSpace: ${backing} backing of ${frameCount} frames needs ${size} bytes, over ${MAX_DENSE_BYTES}; use 'sparse'`,
          { op: 'createFrameSpace', frameCount, backing },
        );
      }
      this.#buffer = new Uint8Array(
        backing === 'shared' ? new SharedArrayBuffer(size) : new ArrayBuffer(size),
      );
    } else if (backing === 'sparse') {
      this.#chunks = new Map();
    } else if (backing !== 'none') {
      throw new FrameError('INVALID_REQUEST', `createFrameSpace: unknown backing '${backing}'`, {
        op: 'createFrameSpace',
        backing,
      });
    }
  }

  isUsable(pfn: Pfn): boolean {
    const hi = lastAtOrBelow(this.#starts, pfn);
    return hi >= 0 && pfn < this.#ends[hi] && Number.isInteger(pfn);
  }

  bytes(pfn: Pfn, count = 1): Uint8Array {
    checkFrame('bytes', this, pfn);
    if (!Number.isSafeInteger(count) || count < 1 || pfn + count > this.frameCount) {
      throw new FrameError('OUT_OF_RANGE', `bytes: ${count} frames from ${pfn} pass the end of the space`, {
        op: 'bytes',
        pfn,
        count,
      });
    }
    if (this.#buffer) return this.#buffer.subarray(pfn * FRAME_SIZE, (pfn + count) * FRAME_SIZE);
    if (this.#chunks) {
      const chunk = Math.floor(pfn / SPARSE_CHUNK_FRAMES);
      if (Math.floor((pfn + count - 1) / SPARSE_CHUNK_FRAMES) !== chunk) {
        throw new FrameError(
          'INVALID_REQUEST',
          `bytes: frames [${pfn}, ${pfn + count}) cross a ${SPARSE_CHUNK_FRAMES}-frame chunk of a sparse space; ask per chunk`,
          { op: 'bytes', pfn, count },
        );
      }
      let data = this.#chunks.get(chunk);
      if (!data) {
        data = new Uint8Array(SPARSE_CHUNK_FRAMES * FRAME_SIZE);
        this.#chunks.set(chunk, data);
      }
      const offset = (pfn - chunk * SPARSE_CHUNK_FRAMES) * FRAME_SIZE;
      return data.subarray(offset, offset + count * FRAME_SIZE);
    }
    throw new FrameError('UNSUPPORTED', `bytes: this frame space has no contents (backing 'none')`, {
      op: 'bytes',
      pfn,
    });
  }

  contentBytes(): number {
    if (this.#buffer) return this.#buffer.byteLength;
    if (this.#chunks) return this.#chunks.size * SPARSE_CHUNK_FRAMES * FRAME_SIZE;
    return 0;
  }
}

/**
 * Calls `fn(pfn, count)` for each piece of `[pfn, pfn + count)` that `space.bytes` can
 * give as one view (a sparse space splits at chunk boundaries).
 */
export function forEachContentSpan(
  space: FrameSpace,
  pfn: Pfn,
  count: number,
  fn: (pfn: Pfn, count: number) => void,
): void {
  if (space.backing !== 'sparse') {
    fn(pfn, count);
    return;
  }
  let at = pfn;
  const end = pfn + count;
  while (at < end) {
    const chunkEnd = (Math.floor(at / SPARSE_CHUNK_FRAMES) + 1) * SPARSE_CHUNK_FRAMES;
    const n = Math.min(end, chunkEnd) - at;
    fn(at, n);
    at += n;
  }
}

/** Fills `count` frames from `pfn` with zeros (or `value`), across sparse chunks. */
export function fillFrames(space: FrameSpace, pfn: Pfn, count: number, value = 0): void {
  forEachContentSpan(space, pfn, count, (at, n) => {
    space.bytes(at, n).fill(value);
  });
}
