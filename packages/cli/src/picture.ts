import type { NormalizedBootMap } from '@framekit/core';

/**
 * One line of characters for the whole physical address space up to the end of the last
 * region: █ usable, ▓ mostly usable, ▒ reserved or firmware, ░ a little of anything, space a hole.
 */
export function memoryPicture(map: NormalizedBootMap, width = 72): string {
  const last = map.regions[map.regions.length - 1];
  const end = Math.min(last ? last.base + last.length : 1, 2 ** 52);
  const slice = end / width;
  let line = '';
  for (let i = 0; i < width; i++) {
    const from = i * slice;
    const to = from + slice;
    let usable = 0;
    let other = 0;
    for (const r of map.regions) {
      const overlap = Math.min(to, r.base + r.length) - Math.max(from, r.base);
      if (overlap <= 0) continue;
      if (r.kind === 'usable') usable += overlap;
      else other += overlap;
    }
    const u = usable / slice;
    const o = other / slice;
    line += u > 0.9 ? '█' : u > 0.5 ? '▓' : o > 0.5 ? '▒' : u + o > 0.001 ? '░' : ' ';
  }
  const top = `0x${end.toString(16)}`;
  return `0 |${line}| ${top}`;
}
