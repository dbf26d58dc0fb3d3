/**
 * What Linux prints about memory, computed the way Linux computes it, so tests can compare
 * our normalized usable frames with kernel logs. Test-only models; see the comments for
 * which kernel function each mirrors.
 */
import type { FrameRange } from '../../api';

/** `[mem 0x%018Lx-0x%018Lx]` as "Early memory node ranges" prints a pfn range. */
export function memText(range: FrameRange): string {
  const first = (range.start * 4096).toString(16).padStart(16, '0');
  const last = ((range.start + range.count) * 4096 - 1).toString(16).padStart(16, '0');
  return `0x${first}-0x${last}`;
}

/** `e820_end_pfn(limit, E820_TYPE_RAM)`: one past the last usable frame below `limit`. */
export function lastPfn(usable: readonly FrameRange[], limit = Number.POSITIVE_INFINITY): number {
  let last = 0;
  for (const r of usable) {
    if (r.start >= limit) continue;
    last = Math.max(last, Math.min(r.start + r.count, limit));
  }
  return last;
}

/** Present pages: every frame memblock knows (`node_present_pages`, the K after the slash in "Memory:" ÷ 4). */
export function presentPages(usable: readonly FrameRange[]): number {
  return usable.reduce((sum, r) => sum + r.count, 0);
}

/** The log's node ranges, in order. */
export function loggedNodeRanges(log: string): string[] {
  return [...log.matchAll(/node\s+\d+: \[mem (0x[0-9a-f]+-0x[0-9a-f]+)\]/g)].map((m) => m[1]);
}

/** Every capture of `pattern` (global) as a number (hex when it starts with 0x). */
export function loggedNumbers(log: string, pattern: RegExp): number[] {
  return [...log.matchAll(pattern)].map((m) => Number(m[1].startsWith('0x') ? m[1] : m[1].replace(/,/g, '')));
}

const SECTION_PAGES = 1 << 15; // x86-64 SPARSEMEM: 128 MiB sections
const PAGEBLOCK_PAGES = 512;

interface Zone {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/** x86-64 zones: DMA below 16 MiB, DMA32 below 4 GiB, Normal above; each clipped to the memory there is. */
function zones(usable: readonly FrameRange[]): Zone[] {
  const lowest = usable[0].start;
  const highest = lastPfn(usable);
  const all: Zone[] = [
    { name: 'DMA', start: lowest, end: Math.min(0x1000, highest) },
    { name: 'DMA32', start: Math.max(lowest, 0x1000), end: Math.min(0x100000, highest) },
    { name: 'Normal', start: Math.max(lowest, 0x100000), end: highest },
  ];
  // populated_zone(): a zone with present pages.
  return all.filter((z) => usable.some((r) => r.start < z.end && r.start + r.count > z.start));
}

/** `init_unavailable_range`: pages in [from, to) whose sparse section exists (checked per pageblock). */
function unavailable(usable: readonly FrameRange[], from: number, to: number): number {
  const present = (pfn: number): boolean => {
    const section = Math.floor(pfn / SECTION_PAGES);
    return usable.some(
      (r) =>
        Math.floor(r.start / SECTION_PAGES) <= section &&
        Math.floor((r.start + r.count - 1) / SECTION_PAGES) >= section,
    );
  };
  let count = 0;
  for (
    let block = Math.floor(from / PAGEBLOCK_PAGES) * PAGEBLOCK_PAGES;
    block < to;
    block += PAGEBLOCK_PAGES
  ) {
    if (!present(block)) continue;
    count += Math.min(to, block + PAGEBLOCK_PAGES) - Math.max(from, block);
  }
  return count;
}

/**
 * "On node 0, zone X: N pages in unavailable ranges" as Linux ≥ 5.15 prints it
 * (`memmap_init` walks memblock ranges, each zone in turn, then the tail of the last section).
 */
export function unavailableRanges515(usable: readonly FrameRange[]): [string, number][] {
  const out: [string, number][] = [];
  const populated = zones(usable);
  let hole = 0;
  let end = 0;
  let lastZone = populated[populated.length - 1].name;
  for (const r of usable) {
    end = r.start + r.count;
    for (const zone of populated) {
      const start = Math.min(Math.max(r.start, zone.start), zone.end);
      const stop = Math.min(Math.max(end, zone.start), zone.end);
      lastZone = zone.name;
      if (start >= stop) continue;
      if (hole < start) {
        const n = unavailable(usable, hole, start);
        if (n > 0) out.push([zone.name, n]);
      }
      hole = stop;
    }
  }
  const tail = Math.ceil(end / SECTION_PAGES) * SECTION_PAGES;
  if (hole < tail) {
    const n = unavailable(usable, hole, tail);
    if (n > 0) out.push([lastZone, n]);
  }
  return out;
}

/**
 * "  X zone: N pages in unavailable ranges" as Linux 5.12–5.14 printed it: per zone, every
 * memblock range clamped to the zone, a static hole cursor, then the zone's section tail.
 */
export function unavailableRanges513(usable: readonly FrameRange[]): [string, number][] {
  const out: [string, number][] = [];
  let hole = 0;
  for (const zone of zones(usable)) {
    let count = 0;
    for (const r of usable) {
      const start = Math.min(Math.max(r.start, zone.start), zone.end);
      const stop = Math.min(Math.max(r.start + r.count, zone.start), zone.end);
      if (hole < start) count += unavailable(usable, hole, start);
      hole = stop;
    }
    const tail = Math.ceil(zone.end / SECTION_PAGES) * SECTION_PAGES;
    if (hole < tail) count += unavailable(usable, hole, tail);
    if (count > 0) out.push([zone.name, count]);
  }
  return out;
}
