import {
  type Backing,
  createFrameSpace,
  FRAME_SIZE,
  FrameError,
  type FrameRange,
  type FrameSpace,
  type Pfn,
} from '@framekit/core';
import { checkFrame } from '@framekit/core/plugin';
import { z } from 'zod';
import { LLFree } from './allocator';
import type { LLFreeAllocator, LLFreeDescriptor } from './api';
import {
  computeLayout,
  H_CHILDREN,
  H_MAGIC,
  H_SLOTS,
  H_TREES,
  H_VERSION,
  MAGIC,
  S_CLAIMED,
  SLOT_WORDS,
  VERSION,
} from './layout';

const RangeSchema = z.strictObject({ start: z.number().int().min(0), count: z.number().int().min(1) });

const DescriptorSchema = z.object({
  kind: z.literal('framekit/llfree'),
  version: z.literal(1),
  state: z.custom<SharedArrayBuffer>(
    (v) => v instanceof SharedArrayBuffer,
    'state must be a SharedArrayBuffer',
  ),
  frameCount: z.number().int().min(1),
  spaceRanges: z.array(RangeSchema),
  ranges: z.array(RangeSchema),
  contents: z.custom<SharedArrayBuffer>((v) => v instanceof SharedArrayBuffer).nullable(),
});

/**
 * A handle on an allocator another thread shared (`allocator.share()`): the same
 * `FrameAllocator` contract over the same SharedArrayBuffer. Its `space` has the shared
 * frame contents when the original space had `backing: 'shared'`. Throws
 * `INVALID_REQUEST` for a descriptor that is not one, and when every worker slot is taken.
 */
export function attach(descriptor: LLFreeDescriptor): LLFreeAllocator {
  const parsed = DescriptorSchema.safeParse(descriptor);
  if (!parsed.success) {
    throw new FrameError(
      'INVALID_REQUEST',
      `attach: not an llfree descriptor\n${z.prettifyError(parsed.error)}`,
      {
        op: 'attach',
      },
    );
  }
  const d = parsed.data;
  const state = new Int32Array(d.state);
  const slots = state.length > H_SLOTS ? state[H_SLOTS] : 0;
  const layout = computeLayout(d.ranges, slots);
  if (
    state[H_MAGIC] !== MAGIC ||
    state[H_VERSION] !== VERSION ||
    state[H_CHILDREN] !== layout.childCount ||
    state[H_TREES] !== layout.treeCount ||
    state.length !== layout.words
  ) {
    throw new FrameError('INVALID_REQUEST', 'attach: the state does not match the descriptor’s ranges', {
      op: 'attach',
    });
  }
  const inner = createFrameSpace({ frames: d.frameCount, ranges: d.spaceRanges });
  const space = d.contents ? new SharedContentsSpace(inner, d.contents) : inner;
  return new LLFree(space, d.ranges, layout, d.state, claimSlot(state, layout.slots, slots));
}

/** Claims a free worker slot with a compare-exchange; throws when all are taken. */
export function claimSlot(state: Int32Array, slotsAt: number, slots: number): number {
  for (let s = 0; s < slots; s++) {
    if (Atomics.compareExchange(state, slotsAt + s * SLOT_WORDS + S_CLAIMED, 0, 1) === 0) return s;
  }
  throw new FrameError(
    'INVALID_REQUEST',
    `attach: all ${slots} worker slots are taken; create the allocator with a larger maxWorkers`,
    {
      op: 'attach',
      slots,
    },
  );
}

/** A frame space whose contents are a SharedArrayBuffer another thread created. */
class SharedContentsSpace implements FrameSpace {
  readonly frameCount: number = 0;
  readonly ranges: readonly FrameRange[];
  readonly usableFrames: number = 0;
  readonly backing: Backing = 'shared';
  readonly hasContents = true;
  readonly #inner: FrameSpace;
  readonly #bytes: Uint8Array = new Uint8Array(0);

  constructor(inner: FrameSpace, contents: SharedArrayBuffer) {
    if (contents.byteLength !== inner.frameCount * FRAME_SIZE) {
      throw new FrameError('INVALID_REQUEST', 'attach: the shared contents do not match the frame count', {
        op: 'attach',
      });
    }
    this.#inner = inner;
    this.#bytes = new Uint8Array(contents);
    this.frameCount = inner.frameCount;
    this.ranges = inner.ranges;
    this.usableFrames = inner.usableFrames;
  }

  isUsable(pfn: Pfn): boolean {
    return this.#inner.isUsable(pfn);
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
    return this.#bytes.subarray(pfn * FRAME_SIZE, (pfn + count) * FRAME_SIZE);
  }

  contentBytes(): number {
    return this.#bytes.byteLength;
  }
}
