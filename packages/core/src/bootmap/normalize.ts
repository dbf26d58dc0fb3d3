import type { FrameRange } from '../api';
import { FrameError } from '../errors';
import { FRAME_SIZE } from '../units';
import { firstBootMapIssue } from './check';
import { KIND_RANK, REGION_KINDS, type RegionKind } from './kinds';
import type { BootMap, BootRegion } from './schema';

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
  /** Reserve every byte below this byte address (e.g. `1 * MiB` keeps real-mode memory out). */
  readonly reserveBelowBytes?: number;
  /** The same as `reserveBelowBytes` (a byte address, not a frame number), under the contract's first name. */
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

const PRESETS: readonly string[] = ['linux-x86'];

/**
 * Sort, resolve overlaps (the stricter kind wins), merge touching regions of one kind, apply
 * reservations and trim usable memory inward to whole frames. Idempotent and independent of
 * the order of the input regions. With `preset: 'linux-x86'` the usable frames are exactly
 * the ranges Linux x86 registers with memblock ("Early memory node ranges").
 */
export function normalizeBootMap(map: BootMap, options: NormalizeOptions = {}): NormalizedBootMap {
  const issue = firstBootMapIssue(map);
  if (issue) {
    throw new FrameError(
      'BAD_BOOT_MAP',
      `normalizeBootMap: ${issue.path.join('.') || 'map'}: ${issue.message}`,
      { op: 'normalizeBootMap', path: issue.path },
    );
  }
  if (options.preset !== undefined && !PRESETS.includes(options.preset)) {
    throw new FrameError('INVALID_REQUEST', `normalizeBootMap: unknown preset '${String(options.preset)}'`, {
      op: 'normalizeBootMap',
      preset: options.preset,
    });
  }
  // Copies with only the schema's keys, as zod's parse gives them.
  const regions: BootRegion[] = map.regions.filter((r) => r.length > 0).map(copyRegion);
  for (const range of options.reserve ?? []) {
    checkByteRange('reserve', range);
    if (range.length > 0) regions.push({ base: range.base, length: range.length, kind: 'reserved' });
  }
  const below = reserveBelowBytes(options);
  if (below !== undefined) {
    checkByteRange('reserveBelowBytes', { base: 0, length: below });
    if (below > 0) regions.push({ base: 0, length: below, kind: 'reserved' });
  }

  let pieces = resolveOverlaps(regions);
  if (options.preset === 'linux-x86') {
    // e820__range_update(0, PAGE_SIZE, E820_TYPE_RAM, E820_TYPE_RESERVED): page 0 is never RAM.
    pieces = convertUsable(pieces, 0, FRAME_SIZE, { kind: 'reserved', raw: 'linux: first page' });
    // e820__range_remove(0xa0000, 0x60000, E820_TYPE_RAM): usable bytes there vanish.
    pieces = convertUsable(pieces, LEGACY_HOLE.base, LEGACY_HOLE.end, undefined);
  }
  const merged = mergeTouching(pieces);

  const totals = Object.fromEntries(REGION_KINDS.map((k) => [k, 0])) as Record<RegionKind, number>;
  const usable: FrameRange[] = [];
  let usableFrames = 0;
  for (const piece of merged) {
    totals[piece.kind] += piece.end - piece.base;
    if (piece.kind !== 'usable') continue;
    // memblock_trim_memory(PAGE_SIZE): partial frames at either end are not memory.
    const first = Math.ceil(piece.base / FRAME_SIZE);
    const end = Math.floor(piece.end / FRAME_SIZE);
    if (end <= first) continue;
    usable.push({ start: first, count: end - first });
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
    typeof range !== 'object' ||
    range === null ||
    !Number.isSafeInteger(range.base) ||
    !Number.isSafeInteger(range.length) ||
    range.base < 0 ||
    range.length < 0
  ) {
    throw new FrameError('INVALID_REQUEST', `normalizeBootMap: ${what} needs integer base and length >= 0`, {
      op: 'normalizeBootMap',
      range,
    });
  }
}

/** The text ordering of a region's firmware detail, for deterministic tie-breaks. */
function detailKey(r: BootRegion): string {
  const raw = r.raw === undefined ? '' : typeof r.raw === 'number' ? `n${r.raw}` : `s${r.raw}`;
  const attributes = r.attributes === undefined ? '' : `a${r.attributes}`;
  return `${raw}\u0000${attributes}`;
}

/**
 * A sweep over region edges: between two consecutive edges, the covering region with the
 * highest rank decides the kind (Linux's e820 sanitizer does the same with type numbers).
 * Regions of one kind but different firmware detail tie-break on that detail's text, so
 * the input order never matters. A heap of the covering priorities keeps it O(n log n).
 */
function resolveOverlaps(regions: readonly BootRegion[]): Piece[] {
  const n = regions.length;
  if (n === 0) return [];
  // Priority 0 wins: higher rank first, then the smaller detail key.
  const keys = regions.map((r) => `${r.kind}\u0001${detailKey(r)}`);
  const distinct = [...new Set(keys)];
  const representative = distinct.map((k) => regions[keys.indexOf(k)]);
  const order = distinct.map((_, i) => i);
  order.sort((a, b) => {
    const ra = representative[a];
    const rb = representative[b];
    const byRank = KIND_RANK[rb.kind] - KIND_RANK[ra.kind];
    if (byRank !== 0) return byRank;
    const ka = detailKey(ra);
    const kb = detailKey(rb);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const priorityOfDistinct = new Int32Array(distinct.length);
  order.forEach((d, p) => {
    priorityOfDistinct[d] = p;
  });
  const byKey = new Map(distinct.map((k, d) => [k, priorityOfDistinct[d]]));
  const winner = order.map((d) => representative[d]);

  // Edges: opening at base, closing at base + length.
  const at = new Float64Array(2 * n);
  const priority = new Int32Array(2 * n);
  const opens = new Uint8Array(2 * n);
  regions.forEach((r, i) => {
    const p = byKey.get(keys[i]) as number;
    at[2 * i] = r.base;
    priority[2 * i] = p;
    opens[2 * i] = 1;
    at[2 * i + 1] = r.base + r.length;
    priority[2 * i + 1] = p;
  });
  const edges = Array.from({ length: 2 * n }, (_, i) => i).sort((a, b) => at[a] - at[b]);

  const covering = new Int32Array(distinct.length);
  const heap = new MinHeap(2 * n);
  const pieces: (Piece & { priority: number })[] = [];
  let i = 0;
  while (i < edges.length) {
    const here = at[edges[i]];
    while (i < edges.length && at[edges[i]] === here) {
      const e = edges[i++];
      const p = priority[e];
      if (opens[e] === 1) {
        if (covering[p]++ === 0) heap.push(p);
      } else {
        covering[p]--;
      }
    }
    while (heap.size > 0 && covering[heap.peek()] === 0) heap.pop();
    if (heap.size === 0 || i >= edges.length) continue;
    const next = at[edges[i]];
    const p = heap.peek();
    const last = pieces[pieces.length - 1];
    if (last && last.end === here && last.priority === p) last.end = next;
    else pieces.push({ ...pieceOf(winner[p], here, next), priority: p });
  }
  return pieces.map(({ priority: _, ...piece }) => piece);
}

/** A binary min-heap of small integers (the covering priorities); stale entries are popped lazily. */
class MinHeap {
  readonly #items: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.#items = new Int32Array(Math.max(1, capacity));
  }

  peek(): number {
    return this.#items[0];
  }

  push(value: number): void {
    const items = this.#items;
    let i = this.size++;
    items[i] = value;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent] <= items[i]) break;
      const t = items[parent];
      items[parent] = items[i];
      items[i] = t;
      i = parent;
    }
  }

  pop(): void {
    const items = this.#items;
    items[0] = items[--this.size];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.size && items[l] < items[m]) m = l;
      if (r < this.size && items[r] < items[m]) m = r;
      if (m === i) return;
      const t = items[m];
      items[m] = items[i];
      items[i] = t;
      i = m;
    }
  }
}

function pieceOf(region: BootRegion, base: number, end: number): Piece {
  const piece: Piece = { base, end, kind: region.kind };
  if (region.raw !== undefined) piece.raw = region.raw;
  if (region.attributes !== undefined) piece.attributes = region.attributes;
  return piece;
}

/**
 * Turns the usable bytes of `[base, end)` into `into` (or removes them when `into` is
 * undefined); other kinds stay, as Linux's updates only touch RAM.
 */
function convertUsable(
  pieces: readonly Piece[],
  base: number,
  end: number,
  into: { kind: RegionKind; raw: string } | undefined,
): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    if (p.kind !== 'usable' || p.end <= base || p.base >= end) {
      out.push(p);
      continue;
    }
    if (p.base < base) out.push({ ...p, end: base });
    if (into)
      out.push({ base: Math.max(p.base, base), end: Math.min(p.end, end), kind: into.kind, raw: into.raw });
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
  return out.map((p) => {
    const clean: Piece = { base: p.base, end: p.end, kind: p.kind };
    if (p.raw !== undefined) clean.raw = p.raw;
    if (p.attributes !== undefined) clean.attributes = p.attributes;
    return clean;
  });
}

function toRegion(p: Piece): BootRegion {
  const region: BootRegion = { base: p.base, length: p.end - p.base, kind: p.kind };
  if (p.raw !== undefined) region.raw = p.raw;
  if (p.attributes !== undefined) region.attributes = p.attributes;
  return region;
}

/** `reserveBelowBytes`, or its other name `reserveBelow`; both given and different is `INVALID_REQUEST`. */
function reserveBelowBytes(options: NormalizeOptions): number | undefined {
  const { reserveBelowBytes: bytes, reserveBelow } = options;
  if (bytes !== undefined && reserveBelow !== undefined && !Object.is(bytes, reserveBelow)) {
    throw new FrameError(
      'INVALID_REQUEST',
      `normalizeBootMap: reserveBelowBytes (${bytes}) and reserveBelow (${reserveBelow}) name the same option and differ`,
      { op: 'normalizeBootMap', reserveBelowBytes: bytes, reserveBelow },
    );
  }
  return bytes ?? reserveBelow;
}

function copyRegion({ base, length, kind, raw, attributes }: BootRegion): BootRegion {
  return {
    base,
    length,
    kind,
    ...(raw !== undefined && { raw }),
    ...(attributes !== undefined && { attributes }),
  };
}
