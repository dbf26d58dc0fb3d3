import { FrameError } from '../errors';

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
