import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFrameError } from '../errors';
import { binaryForms } from './__fixtures__/binary-forms';
import { realMap } from './__fixtures__/realdata';
import { encodeE820Records } from './formats/e820-raw';
import { encodeLimineMemmap } from './formats/limine';
import { encodeMultiboot1MemoryMap } from './formats/multiboot1';
import { encodeMultiboot2MemoryMap } from './formats/multiboot2';
import { encodeUefiMemoryMap } from './formats/uefi-bytes';
import { EFI_TYPE } from './formats/uefi-types';
import { parseBootMap } from './parse';
import type { BootMap, BootRegion, RegionKind } from './schema';

const PAGE = 4096;
const FIRMWARE_KINDS: RegionKind[] = [
  'usable',
  'reserved',
  'acpi-reclaimable',
  'acpi-nvs',
  'unusable',
  'persistent',
];
const LIMINE_KINDS: RegionKind[] = [
  'usable',
  'reserved',
  'acpi-reclaimable',
  'acpi-nvs',
  'unusable',
  'bootloader-reclaimable',
  'kernel',
  'framebuffer',
];

/** Maps with at least one usable region; `unit` 1 gives byte-granular regions, 4096 whole pages. */
function mapArb(kinds: RegionKind[], unit: number): fc.Arbitrary<BootMap> {
  const region = fc
    .record({
      base: fc.integer({ min: 0, max: 2 ** 40 / unit }),
      length: fc.integer({ min: 1, max: 2 ** 32 / unit }),
      kind: fc.constantFrom(...kinds),
    })
    .map(({ base, length, kind }): BootRegion => ({ base: base * unit, length: length * unit, kind }));
  // Reserved space near 2^64 (exact: whole pages).
  const high = fc
    .integer({ min: 1, max: 2 ** 20 })
    .map((pages): BootRegion => ({ base: 2 ** 64 - pages * PAGE, length: pages * PAGE, kind: 'reserved' }));
  return fc
    .tuple(
      region,
      fc.array(fc.oneof({ weight: 9, arbitrary: region }, { weight: 1, arbitrary: high }), { maxLength: 10 }),
    )
    .map(([first, rest]) => ({ regions: [{ ...first, kind: 'usable' as const }, ...rest] }));
}

const triples = (map: BootMap) => map.regions.map((r) => [r.base, r.length, r.kind]);

describe('binary formats round-trip: parse(encode(map)) gives the map back', () => {
  it('raw E820 records, 20 and 24 bytes', () => {
    fc.assert(
      fc.property(mapArb(FIRMWARE_KINDS, 1), fc.constantFrom(20 as const, 24 as const), (map, recordSize) => {
        const bytes = encodeE820Records(map, { recordSize });
        const back = parseBootMap(bytes, 'e820-raw', { recordSize });
        expect(triples(back)).toEqual(triples(map));
        expect(encodeE820Records(back, { recordSize })).toEqual(bytes);
      }),
      { numRuns: 150 },
    );
  });

  it('multiboot1 entries', () => {
    fc.assert(
      fc.property(mapArb(FIRMWARE_KINDS, 1), (map) => {
        const bytes = encodeMultiboot1MemoryMap(map);
        const back = parseBootMap(bytes, 'multiboot1');
        expect(triples(back)).toEqual(triples(map));
        expect(parseBootMap(bytes).format).toBe('multiboot1');
        expect(encodeMultiboot1MemoryMap(back)).toEqual(bytes);
      }),
      { numRuns: 150 },
    );
  });

  it('multiboot2 memory-map tags, alone or in a boot information structure, with any entry size', () => {
    fc.assert(
      fc.property(
        mapArb(FIRMWARE_KINDS, 1),
        fc.integer({ min: 3, max: 8 }).map((n) => n * 8),
        fc.constantFrom('tag' as const, 'info' as const),
        (map, entrySize, container) => {
          const bytes = encodeMultiboot2MemoryMap(map, { entrySize, container });
          const back = parseBootMap(bytes);
          expect(back.format).toBe('multiboot2');
          expect(triples(back)).toEqual(triples(map));
          expect(encodeMultiboot2MemoryMap(back, { entrySize, container })).toEqual(bytes);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('Limine memmap entries', () => {
    fc.assert(
      fc.property(mapArb(LIMINE_KINDS, 1), (map) => {
        const bytes = encodeLimineMemmap(map);
        const back = parseBootMap(bytes, 'limine');
        expect(triples(back)).toEqual(triples(map));
        expect(encodeLimineMemmap(back)).toEqual(bytes);
      }),
      { numRuns: 150 },
    );
  });

  it('EFI memory descriptors of any size', () => {
    fc.assert(
      fc.property(
        mapArb(FIRMWARE_KINDS, PAGE),
        fc.integer({ min: 5, max: 16 }).map((n) => n * 8),
        (map, descriptorSize) => {
          const bytes = encodeUefiMemoryMap(map, { descriptorSize });
          const back = parseBootMap(bytes, 'uefi', { descriptorSize });
          expect(triples(back)).toEqual(triples(map));
          expect(encodeUefiMemoryMap(back, { descriptorSize })).toEqual(bytes);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('encoding real maps', () => {
  const e820Maps = [
    'e820/tablet-airis-winpad-atom-2g-i686pae.dmesg',
    'e820-vm/xen-pvh-qemu-bytegranular-acpi-unusable.log',
    'e820-vm/xen-pv-domU-gentoo-unusable-98g.log',
    'e820-legacy-format/k2.6-copy_e820_map-debug-1g-subpage-acpi.log',
  ];

  for (const file of e820Maps) {
    it(`${file}: every binary form reads back, by its own format and by auto detection`, () => {
      const map = parseBootMap(realMap(file));
      for (const [format, bytes] of binaryForms(map)) {
        expect(triples(parseBootMap(bytes, format))).toEqual(triples(map));
        const auto = parseBootMap(bytes);
        expect(auto.format).toBe(format);
        expect(triples(auto)).toEqual(triples(map));
      }
    });
  }

  it('keeps e820 types it cannot name (type 20, persistent type 12)', () => {
    const map = parseBootMap(
      'BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable\nBIOS-e820: [mem 0x00000000000a0000-0x00000000000fffff] type 20\nBIOS-e820: [mem 0x0000000100000000-0x00000001ffffffff] persistent (type 12)',
    );
    expect(parseBootMap(encodeE820Records(map), 'e820-raw').regions.map((r) => r.raw)).toEqual([1, 20, 12]);
  });

  it('the RPi 4 shell memmap keeps its EFI types and attributes through descriptors', () => {
    const map = parseBootMap(realMap('uefi-memmap/rpi4-2g-edk2-uefi-shell-memmap.txt'));
    const back = parseBootMap(encodeUefiMemoryMap(map));
    expect(back.format).toBe('uefi');
    expect(triples(back)).toEqual(triples(map));
    expect(back.regions.map((r) => r.attributes)).toEqual(map.regions.map((r) => r.attributes));
    expect(back.regions[2].raw).toBe(EFI_TYPE.reserved);
    expect(back.regions.filter((r) => r.raw === EFI_TYPE.bootServicesData)).toHaveLength(
      map.regions.filter((r) => r.raw === 'BS_Data').length,
    );
  });
});

describe('encoder errors', () => {
  const code = (run: () => unknown): string | undefined => {
    try {
      run();
    } catch (error) {
      return isFrameError(error) ? error.code : 'not a FrameError';
    }
    return undefined;
  };
  const limine: BootMap = {
    regions: [
      { base: 0, length: 0x100000, kind: 'usable' },
      { base: 0x100000, length: 0x1000, kind: 'kernel' },
    ],
  };

  it('refuses kinds the format has no type for', () => {
    expect(code(() => encodeE820Records(limine))).toBe('INVALID_REQUEST');
    expect(code(() => encodeMultiboot1MemoryMap(limine))).toBe('INVALID_REQUEST');
    expect(code(() => encodeMultiboot2MemoryMap(limine))).toBe('INVALID_REQUEST');
    expect(code(() => encodeUefiMemoryMap(limine))).toBe('INVALID_REQUEST');
    expect(code(() => encodeLimineMemmap({ regions: [{ base: 0, length: 4096, kind: 'persistent' }] }))).toBe(
      'INVALID_REQUEST',
    );
  });

  it('refuses partial pages in EFI descriptors, bad sizes and bad maps', () => {
    expect(code(() => encodeUefiMemoryMap({ regions: [{ base: 0, length: 0x9fc00, kind: 'usable' }] }))).toBe(
      'INVALID_REQUEST',
    );
    expect(code(() => encodeUefiMemoryMap(limine, { descriptorSize: 36 }))).toBe('INVALID_REQUEST');
    expect(code(() => encodeMultiboot2MemoryMap(limine, { entrySize: 20 }))).toBe('INVALID_REQUEST');
    expect(code(() => encodeE820Records(limine, { recordSize: 16 as never }))).toBe('INVALID_REQUEST');
    expect(code(() => encodeE820Records({ regions: [{ base: -4096, length: 1, kind: 'usable' }] }))).toBe(
      'BAD_BOOT_MAP',
    );
  });
});
