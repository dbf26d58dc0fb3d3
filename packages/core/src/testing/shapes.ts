import type { Backing, FrameRange } from '../api';

/** A frame-space layout the conformance kit runs every allocator on. */
export interface SpaceShape {
  readonly name: string;
  readonly frames: number;
  readonly ranges: readonly FrameRange[];
  /** True when the space is too large for dense contents: only 'none' and 'sparse' are tried. */
  readonly large?: boolean;
  /**
   * At most this many random sequences (each makes a fresh allocator): for shapes whose
   * allocators take long to make, such as a 2^31-frame bitmap (256 MiB of bits).
   */
  readonly maxRuns?: number;
  /**
   * Not in the default set: run only when a test names it in `shapes` (a full-size arena costs
   * hundreds of MiB of metadata for most allocators; the allocators whose arithmetic it guards
   * name it in their own conformance tests).
   */
  readonly optIn?: boolean;
}

const TiB_FRAMES = 2 ** 28;

export const SPACE_SHAPES = {
  /** One range from frame 0: the textbook case. */
  'one-range': { name: 'one-range', frames: 2048, ranges: [{ start: 0, count: 2048 }] },
  /** Holes, one-page islands and a fully usable 2 MiB block, like a real e820 map. */
  'ranges-with-holes': {
    name: 'ranges-with-holes',
    frames: 3072,
    ranges: [
      { start: 1, count: 158 },
      { start: 256, count: 1 },
      { start: 300, count: 200 },
      { start: 511, count: 1 },
      { start: 513, count: 600 },
      { start: 1536, count: 1536 },
    ],
  },
  /** Ranges that start and end at odd frames: alignment must use absolute frame numbers. */
  'odd-starts': {
    name: 'odd-starts',
    frames: 2600,
    ranges: [
      { start: 3, count: 509 },
      { start: 517, count: 1 },
      { start: 1023, count: 1537 },
    ],
  },
  /** A 1 TiB space with a little memory at the bottom, in the middle and at the top. */
  'large-sparse': {
    name: 'large-sparse',
    frames: TiB_FRAMES,
    large: true,
    ranges: [
      { start: 0, count: 1024 },
      { start: TiB_FRAMES / 2 + 1, count: 1535 },
      { start: TiB_FRAMES - 2048, count: 2048 },
    ],
  },
  /**
   * One arena of exactly 2^31 frames starting at an odd frame: in-arena bit offsets reach 2^31,
   * where a signed 32-bit shift (`>>`, `<<`, `| 0`) turns negative (issue 21, bug 2).
   */
  'arena-2-31-odd': {
    name: 'arena-2-31-odd',
    frames: 2 ** 31 + 1,
    large: true,
    maxRuns: 2,
    optIn: true,
    ranges: [{ start: 1, count: 2 ** 31 }],
  },
  /**
   * Ranges just below 2^40 frames (the top of x86-64's 52-bit physical addresses), at odd
   * starts, with a whole 2 MiB block: frame numbers far past 2^32.
   */
  'near-2-40': {
    name: 'near-2-40',
    frames: 2 ** 40,
    large: true,
    ranges: [
      { start: 2 ** 32 - 5, count: 1029 },
      { start: 2 ** 40 - 2 ** 21 - 3, count: 1539 },
      { start: 2 ** 40 - 1024, count: 1024 },
    ],
  },
} as const satisfies Record<string, SpaceShape>;

export type SpaceShapeName = keyof typeof SPACE_SHAPES;

/** The backings a shape can be tried with. */
export function backingsFor(shape: SpaceShape, wanted: readonly Backing[]): Backing[] {
  return wanted.map((b) => (shape.large && (b === 'dense' || b === 'shared') ? 'sparse' : b));
}

/** The shapes a conformance run takes when it names none: every shape but the opt-in ones. */
export const DEFAULT_SHAPES: readonly SpaceShapeName[] = (
  Object.keys(SPACE_SHAPES) as SpaceShapeName[]
).filter((name) => !(SPACE_SHAPES[name] as SpaceShape).optIn);
