import type { FrameAllocator } from '../api';
import { FrameError } from '../errors';
import { addBuddyBlocks, ORDER_COUNT } from './fragmentation';
import { forEachFreeRunOf } from './free-runs';

/** One line of `/proc/buddyinfo`: a zone of a NUMA node and its free blocks per order. */
export interface BuddyInfoZone {
  readonly node: number;
  readonly zone: string;
  /** Free blocks of order 0, 1, … (11 columns on x86-64). */
  readonly freeBlocksPerOrder: number[];
}

const LINE = /^Node\s+(\d+),\s*zone\s+(\S+)((?:\s+\d+)+)\s*$/;

/**
 * The zones of a `/proc/buddyinfo` dump (`Node 0, zone   Normal  82 32 11 …`). Blank lines and
 * `#` comments are skipped; any other line that is not a buddyinfo line is an `INVALID_REQUEST`
 * naming it.
 */
export function parseBuddyInfo(text: string): BuddyInfoZone[] {
  const zones: BuddyInfoZone[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE.exec(line);
    if (m === null) {
      throw new FrameError(
        'INVALID_REQUEST',
        `parseBuddyInfo: line ${i + 1} is not a buddyinfo line: ${line}`,
        {
          line: i + 1,
          text: line,
        },
      );
    }
    zones.push({
      node: Number(m[1]),
      zone: m[2],
      freeBlocksPerOrder: m[3].trim().split(/\s+/).map(Number),
    });
  });
  return zones;
}

/**
 * One `/proc/buddyinfo` line as Linux prints it (`mm/vmstat.c`, `frag_show_print`):
 * `"Node %d, zone %8s "` and then `"%6lu "` per order, so the line ends with a space.
 * `parseBuddyInfo` reads it back.
 */
export function formatBuddyInfo(zone: string, freeBlocksPerOrder: readonly number[], node = 0): string {
  let line = `Node ${node}, zone ${zone.padStart(8)} `;
  for (const n of freeBlocksPerOrder) line += `${String(n).padStart(6)} `;
  return line;
}

/** A zone to report: its name and exclusive end frame (zones are consecutive, the first starts at 0). */
export interface BuddyInfoZoneBounds {
  readonly name: string;
  readonly end: number;
}

/**
 * What `/proc/buddyinfo` would show for `allocator`, whatever its strategy: its free runs
 * (every maximal run of free frames, cached frames of a router included) cut at the zone
 * boundaries and into naturally aligned blocks of order 0 … 10, as a buddy allocator with full
 * merging holds them. For a buddy with `maxOrder` 10 this equals its own free lists. One entry
 * per zone (default: one zone `Normal` over everything); print them with `formatBuddyInfo`.
 */
export function buddyInfoOf(
  allocator: FrameAllocator,
  zones: readonly BuddyInfoZoneBounds[] = [{ name: 'Normal', end: Number.POSITIVE_INFINITY }],
): BuddyInfoZone[] {
  const counts = zones.map(() => new Array<number>(ORDER_COUNT).fill(0));
  let z = 0;
  forEachFreeRunOf(allocator, (start, count) => {
    let from = start;
    const end = start + count;
    while (from < end) {
      while (z < zones.length - 1 && from >= zones[z].end) z++;
      const to = Math.min(end, zones[z].end);
      if (to <= from) break;
      addBuddyBlocks(counts[z], from, to - from);
      from = to;
    }
  });
  return zones.map((zone, i) => ({ node: 0, zone: zone.name, freeBlocksPerOrder: counts[i] }));
}
