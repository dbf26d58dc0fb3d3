import type { Pfn } from '@framekit/core';
import type { EntryMap } from './entry-map';
import type { EntryTable } from './entry-table';
import {
  FIELDS_PER_ENTRY,
  FRAMES_PER_ENTRY,
  FRAMES_PER_FIELD,
  FREE_2M,
  FULL_FIELD,
  lowestBit,
  NOT_2M,
} from './layout';

/**
 * Calls `visit(start, count)` for every maximal run of free frames, in ascending order, a
 * page field (32 frames) at a time: all-free and all-used fields cost one comparison, mixed
 * ones one bit scan per edge. A run continues across entries only when they are adjacent.
 * A 2 MiB entry counts as 512 free frames when free and none when handed out.
 */
export function forEachFreeRunIn(
  map: EntryMap,
  table: EntryTable,
  visit: (start: Pfn, count: number) => void,
): void {
  const { fields, flags } = table;
  let runStart = -1;
  // Where the previous entry ended: a run is still open only if the next entry starts here.
  let expected = -1;
  for (let e = 0; e < table.count; e++) {
    const base = map.globalOf(e) * FRAMES_PER_ENTRY;
    if (runStart >= 0 && base !== expected) {
      visit(runStart, expected - runStart);
      runStart = -1;
    }
    expected = base + FRAMES_PER_ENTRY;
    const f = flags[e];
    if ((f & NOT_2M) === 0) {
      if ((f & FREE_2M) !== 0) {
        if (runStart < 0) runStart = base;
      } else if (runStart >= 0) {
        visit(runStart, base - runStart);
        runStart = -1;
      }
      continue;
    }
    const s = table.slotOf(e);
    // A 4 KiB entry without a slot has no free frame.
    if (s < 0) {
      if (runStart >= 0) {
        visit(runStart, base - runStart);
        runStart = -1;
      }
      continue;
    }
    for (let i = 0; i < FIELDS_PER_ENTRY; i++) {
      const word = fields[s * FIELDS_PER_ENTRY + i];
      const p = base + i * FRAMES_PER_FIELD;
      if (word === FULL_FIELD) {
        if (runStart < 0) runStart = p;
        continue;
      }
      if (word === 0) {
        if (runStart >= 0) {
          visit(runStart, p - runStart);
          runStart = -1;
        }
        continue;
      }
      // A mixed field: jump from edge to edge.
      let pos = 0;
      for (;;) {
        if (runStart >= 0) {
          const zeros = ~word & (-1 << pos);
          if (zeros === 0) break;
          pos = lowestBit(zeros);
          visit(runStart, p + pos - runStart);
          runStart = -1;
        } else {
          const ones = word & (-1 << pos);
          if (ones === 0) break;
          pos = lowestBit(ones);
          runStart = p + pos;
        }
      }
    }
  }
  if (runStart >= 0) visit(runStart, expected - runStart);
}
