import type { FrameRange } from '../api';
import { FrameError } from '../errors';
import { FRAME_SIZE } from '../units';
import {
  type BootMap,
  BootMapSchema,
  type BootRegion,
  KIND_RANK,
  REGION_KINDS,
  type RegionKind,
} from './schema';

/** A byte range, as the kernel's later reservations are given. */
export interface ByteRange {
  readonly base: number;
  readonly length: number;
}

export interface NormalizeOptions {
  /** `'linux-x86'`: reserve the first page and remove usable 0xA0000–0xFFFFF, as Linux x86 does at boot. */
  readonly preset?: 'linux-x86';
  /** Byte ranges to mark reserved (the kernel image, initrd, early allocations…). */
  readonly reserve?: readonly ByteRange[];
  /** Reserve everything below this address (e.g. 1 MiB to keep real-mode memory out). */
  readonly reserveBelow?: number;
}

/** A boot map after normalization: what a kernel would build its frame allocator from. */
export interface NormalizedBootMap {
  readonly normalized: true;
  /** Sorted, non-overlapping; touching regions of one kind merged. Holes are absent. */
  readonly regions: readonly BootRegion[];
  /** Usable memory trimmed inward to whole frames, as `{ start, count }` runs. */
  readonly usable: readonly FrameRange[];
  readonly usableFrames: number;
  /** Bytes per kind, after overlaps were resolved. */
  readonly totals: Readonly<Record<RegionKind, number>>;
}

/** Usable memory the Linux x86 preset takes out: the legacy VGA hole and BIOS ROM area. */
const LEGACY_HOLE = { base: 0xa0000, end: 0x100000 } as const;

interface Piece {
  base: number;
  end: number;
  kind: RegionKind;
  raw?: string | number;
  attributes?: string;
}

/**
 * Sort, resolve overlaps (the stricter kind wins), merge touching regions of one kind, apply
 * reservations and trim usable memory to whole frames. Idempotent and independent of the
 * order of the input regions.
 */
export function normalizeBootMap(map: BootMap, options: NormalizeOptions = {}): NormalizedBootMap {
  const parsed = BootMapSchema.safeParse(map);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FrameError(
      'BAD_BOOT_MAP',
      `normalizeBootMap: ${issue.path.join('.') || 'map'}: ${issue.message}`,
      { op: 'normalizeBootMap', path: issue.path },
    );
  }
  const regions: BootRegion[] = parsed.data.regions.filter((r) => r.length > 0);
  for (const range of options.reserve ?? []) {
    checkByteRange('reserve', range);
    if (range.length > 0) regions.push({ base: range.base, length: range.length, kind: 'reserved' });
  }
  if (options.reserveBelow !== undefined) {
    checkByteRange('reserveBelow', { base: 0, length: options.reserveBelow });
    if (options.reserveBelow > 0) regions.push({ base: 0, length: options.reserveBelow, kind: 'reserved' });
  }
  if (options.preset === 'linux-x86') {
    // Linux: e820__update_range(0, PAGE_SIZE, RAM -> RESERVED), so page 0 is never RAM.
    regions.push({ base: 0, length: FRAME_SIZE, kind: 'reserved', raw: 'linux: first page' });
  }

  let pieces = resolveOverlaps(regions);
  if (options.preset === 'linux-x86') {
    // Linux: e820__range_remove(0xa0000, 0x60000, E820_TYPE_RAM): usable bytes there vanish.
    pieces = cutUsable(pieces, LEGACY_HOLE.base, LEGACY_HOLE.end);
  }
  const merged = mergeTouching(pieces);

  const totals = Object.fromEntries(REGION_KINDS.map((k) => [k, 0])) as Record<RegionKind, number>;
  const usable: FrameRange[] = [];
  let usableFrames = 0;
  for (const piece of merged) {
    totals[piece.kind] += piece.end - piece.base;
    if (piece.kind !== 'usable') continue;
    const first = Math.ceil(piece.base / FRAME_SIZE);
    const end = Math.floor(piece.end / FRAME_SIZE);
    if (end <= first) continue;
    const last = usable[usable.length - 1];
    if (last && last.start + last.count === first) {
      usable[usable.length - 1] = { start: last.start, count: last.count + end - first };
    } else {
      usable.push({ start: first, count: end - first });
    }
    usableFrames += end - first;
  }

  return {
    normalized: true,
    regions: merged.map(toRegion),
    usable,
    usableFrames,
    totals,
  };
}

/** True for the result of `normalizeBootMap`. */
export function isNormalizedBootMap(value: unknown): value is NormalizedBootMap {
  return typeof value === 'object' && value !== null && (value as NormalizedBootMap).normalized === true;
}

function checkByteRange(what: string, range: ByteRange): void {
  if (
    !Number.isSafeInteger(range.base) ||
    !Number.isSafeInteger(range.length) ||
    range.base < 0 ||
    range.length < 0
  ) {
    throw new FrameError('INVALID_REQUEST', `normalizeBootMap: ${what} needs integer base and length >= 0`, {
      op: 'normalizeBootMap',
      ...range,
    });
  }
}

/**
 * A sweep over region edges: between two consecutive edges, the covering region with the
 * highest rank decides the kind (Linux's e820 sanitizer does the same with type numbers).
 */
function resolveOverlaps(regions: readonly BootRegion[]): Piece[] {
  interface Edge {
    at: number;
    index: number;
    open: boolean;
  }
  const edges: Edge[] = [];
  regions.forEach((r, index) => {
    edges.push({ at: r.base, index, open: true }, { at: r.base + r.length, index, open: false });
  });
  edges.sort((a, b) => a.at - b.at);

  const active = new Set<number>();
  const pieces: Piece[] = [];
  let i = 0;
  while (i < edges.length) {
    const at = edges[i].at;
    while (i < edges.length && edges[i].at === at) {
      const edge = edges[i++];
      if (edge.open) active.add(edge.index);
      else active.delete(edge.index);
    }
    if (active.size === 0 || i >= edges.length) continue;
    const next = edges[i].at;
    let best: BootRegion | undefined;
    for (const index of active) {
      const r = regions[index];
      // Ties between regions of one kind go to the smaller raw text, so input order never matters.
      if (
        !best ||
        KIND_RANK[r.kind] > KIND_RANK[best.kind] ||
        (r.kind === best.kind && String(r.raw ?? '') < String(best.raw ?? ''))
      ) {
        best = r;
      }
    }
    if (best && next > at) pieces.push(pieceOf(best, at, next));
  }
  return pieces;
}

function pieceOf(region: BootRegion, base: number, end: number): Piece {
  const piece: Piece = { base, end, kind: region.kind };
  if (region.raw !== undefined) piece.raw = region.raw;
  if (region.attributes !== undefined) piece.attributes = region.attributes;
  return piece;
}

/** Removes the usable bytes of `[base, end)`; other kinds stay. */
function cutUsable(pieces: readonly Piece[], base: number, end: number): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    if (p.kind !== 'usable' || p.end <= base || p.base >= end) {
      out.push(p);
      continue;
    }
    if (p.base < base) out.push({ ...p, end: base });
    if (p.end > end) out.push({ ...p, base: end });
  }
  return out;
}

/** Joins touching pieces of one kind. Firmware detail (`raw`) is kept only when both sides agree. */
function mergeTouching(pieces: readonly Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (last && last.end === p.base && last.kind === p.kind) {
      last.end = p.end;
      if (last.raw !== p.raw) last.raw = undefined;
      if (last.attributes !== p.attributes) last.attributes = undefined;
    } else {
      out.push({ ...p });
    }
  }
  return out;
}

function toRegion(p: Piece): BootRegion {
  const region: BootRegion = { base: p.base, length: p.end - p.base, kind: p.kind };
  if (p.raw !== undefined) region.raw = p.raw;
  if (p.attributes !== undefined) region.attributes = p.attributes;
  return region;
}
