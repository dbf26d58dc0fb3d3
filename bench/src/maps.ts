import type { BootMap, BootRegion, RegionKind } from '@framekit/core';
import { GiB, MiB, TiB } from '@framekit/core';

/**
 * Boot maps for the initialisation scenarios, as `{ regions }` objects: a PC-style low
 * megabyte and 32-bit PCI hole, then the machine's RAM above 4 GiB. The 12 TiB-class map is
 * synthetic (no real map that large is in the repository's realdata/): a 16-socket server whose nodes
 * each start with firmware-reserved memory and end with a persistent-memory window, the
 * shape of a large NUMA e820 table.
 */
export type MapName = 'tiny' | '64g' | '1t' | '12t';

export const MAP_TITLES: Readonly<Record<MapName, string>> = {
  tiny: '64 MiB (smoke)',
  '64g': '64 GiB',
  '1t': '1 TiB',
  '12t': '12 TiB-class (16 nodes)',
};

function region(base: number, length: number, kind: RegionKind, raw?: string): BootRegion {
  return raw === undefined ? { base, length, kind } : { base, length, kind, raw };
}

/** The first 4 GiB of a PC: 639 KiB of low RAM, BIOS areas, RAM up to 2 GiB, ACPI, the PCI hole. */
function lowMemory(limit: number): BootRegion[] {
  const top = Math.min(limit, 2 * GiB - 2 * MiB);
  return [
    region(0, 0x9fc00, 'usable'),
    region(0x9fc00, 0x400, 'reserved'),
    region(0xf0000, 0x10000, 'reserved'),
    region(0x100000, top - 0x100000, 'usable'),
    region(top, MiB, 'acpi-reclaimable', 'ACPI data'),
    region(top + MiB, MiB, 'acpi-nvs', 'ACPI NVS'),
    region(0xe0000000, 0x10000000, 'reserved', 'PCI MMCONFIG'),
    region(0xfec00000, 0x1000, 'reserved', 'IOAPIC'),
    region(0xfee00000, 0x1000, 'reserved', 'LAPIC'),
    region(0xffc00000, 0x400000, 'reserved', 'firmware flash'),
  ];
}

/** A machine with `ram` bytes: about 2 GiB below the PCI hole, the rest from 4 GiB up. */
function pcMap(ram: number): BootMap {
  if (ram <= 2 * GiB) return { regions: lowMemory(ram) };
  const regions = lowMemory(2 * GiB);
  regions.push(region(4 * GiB, ram - 2 * GiB + 2 * MiB, 'usable'));
  return { regions };
}

function numaServerMap(nodes: number, perNode: number): BootMap {
  const regions = lowMemory(2 * GiB);
  let base = 4 * GiB;
  for (let node = 0; node < nodes; node++) {
    regions.push(region(base, 64 * MiB, 'reserved', `node ${node} firmware`));
    regions.push(region(base + 64 * MiB, perNode - 64 * MiB - 256 * MiB, 'usable'));
    regions.push(region(base + perNode - 256 * MiB, 256 * MiB, 'persistent', `node ${node} pmem window`));
    base += perNode;
  }
  return { regions };
}

export function bootMap(name: MapName): BootMap {
  switch (name) {
    case 'tiny':
      return pcMap(64 * MiB);
    case '64g':
      return pcMap(64 * GiB);
    case '1t':
      return pcMap(TiB);
    case '12t':
      return numaServerMap(16, 768 * GiB);
  }
}

/** The map as Linux would print it (`BIOS-e820: [mem 0x…-0x…] kind`), for the README and for people. */
export function toE820Text(map: BootMap): string {
  const hex = (n: number) => `0x${n.toString(16).padStart(16, '0')}`;
  return map.regions
    .map((r) => `BIOS-e820: [mem ${hex(r.base)}-${hex(r.base + r.length - 1)}] ${r.raw ?? r.kind}`)
    .join('\n');
}
