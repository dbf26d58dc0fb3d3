/**
 * Built-in memory maps, written by us in the e820 form Linux prints, modelled on common
 * machines: what `framekit compare` and the web playground start from.
 */
export interface MapPreset {
  readonly name: string;
  readonly description: string;
  readonly text: string;
}

const e820 = (lines: [number, number, string][]) =>
  lines
    .map(
      ([start, end, type]) =>
        `BIOS-e820: [mem 0x${start.toString(16).padStart(16, '0')}-0x${end.toString(16).padStart(16, '0')}] ${type}`,
    )
    .join('\n');

export const MAP_PRESETS: readonly MapPreset[] = [
  {
    name: 'qemu-q35-2g',
    description: 'QEMU q35 guest with 2 GiB (SeaBIOS): low RAM, the PCIe MMCONFIG window and BIOS ROM',
    text: e820([
      [0x0, 0x9fbff, 'usable'],
      [0x9fc00, 0x9ffff, 'reserved'],
      [0xf0000, 0xfffff, 'reserved'],
      [0x100000, 0x7ffdbfff, 'usable'],
      [0x7ffdc000, 0x7fffffff, 'reserved'],
      [0xb0000000, 0xbfffffff, 'reserved'],
      [0xfed1c000, 0xfed1ffff, 'reserved'],
      [0xfeffc000, 0xfeffffff, 'reserved'],
      [0xfffc0000, 0xffffffff, 'reserved'],
    ]),
  },
  {
    name: 'tiny-64m',
    description: 'A 64 MiB machine: small enough to see single frames in the frame map',
    text: e820([
      [0x0, 0x9fbff, 'usable'],
      [0x9fc00, 0x9ffff, 'reserved'],
      [0xe0000, 0xfffff, 'reserved'],
      [0x100000, 0x3feffff, 'usable'],
      [0x3ff0000, 0x3ffffff, 'ACPI data'],
      [0xfffc0000, 0xffffffff, 'reserved'],
    ]),
  },
  {
    name: 'laptop-16g',
    description:
      'A UEFI laptop with 16 GiB: firmware holes, ACPI tables and NVS below 4 GiB, most RAM above it',
    text: e820([
      [0x0, 0x9efff, 'usable'],
      [0x9f000, 0xfffff, 'reserved'],
      [0x100000, 0x3fffffff, 'usable'],
      [0x40000000, 0x403fffff, 'reserved'],
      [0x40400000, 0x6a3e2fff, 'usable'],
      [0x6a3e3000, 0x6a3e3fff, 'ACPI NVS'],
      [0x6a3e4000, 0x6a3e4fff, 'reserved'],
      [0x6a3e5000, 0x7416afff, 'usable'],
      [0x7416b000, 0x7596afff, 'reserved'],
      [0x7596b000, 0x759fefff, 'ACPI data'],
      [0x759ff000, 0x75d4efff, 'ACPI NVS'],
      [0x75d4f000, 0x77ffefff, 'reserved'],
      [0x77fff000, 0x77ffffff, 'usable'],
      [0x78000000, 0x7fffffff, 'reserved'],
      [0xfe000000, 0xfe010fff, 'reserved'],
      [0xfec00000, 0xfec00fff, 'reserved'],
      [0xfed00000, 0xfed00fff, 'reserved'],
      [0xfee00000, 0xfee00fff, 'reserved'],
      [0xff000000, 0xffffffff, 'reserved'],
      [0x100000000, 0x47fffffff, 'usable'],
    ]),
  },
  {
    name: 'server-64g',
    description: 'A two-socket server with 64 GiB: one-page islands below 1 MiB and a large MMIO hole',
    text: e820([
      [0x0, 0x3ffff, 'usable'],
      [0x40000, 0x40fff, 'reserved'],
      [0x41000, 0x41fff, 'usable'],
      [0x42000, 0x42fff, 'reserved'],
      [0x43000, 0x9bfff, 'usable'],
      [0x9c000, 0xfffff, 'reserved'],
      [0x100000, 0x7b5f8fff, 'usable'],
      [0x7b5f9000, 0x7b9f8fff, 'reserved'],
      [0x7b9f9000, 0x7baf8fff, 'ACPI NVS'],
      [0x7baf9000, 0x7bbf8fff, 'ACPI data'],
      [0x7bbf9000, 0x7bbfffff, 'usable'],
      [0x7bc00000, 0x8fffffff, 'reserved'],
      [0xfed1c000, 0xfed44fff, 'reserved'],
      [0xff000000, 0xffffffff, 'reserved'],
      [0x100000000, 0x1047ffffff, 'usable'],
    ]),
  },
];

export const DEFAULT_MAP = 'qemu-q35-2g';

export function findMapPreset(name: string): MapPreset | undefined {
  return MAP_PRESETS.find((m) => m.name === name);
}
