import { describe, expect, it } from 'vitest';
import { isFrameError } from '../errors';
import { Bytes, efiDescriptor } from './__fixtures__/bytes';
import { detectBootMapFormat } from './detect';
import { BOOT_MAP_FORMATS } from './formats';
import { normalizeBootMap } from './normalize';
import { parseBootMap } from './parse';
import type { BootMap } from './schema';

function badMap(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    expect(isFrameError(error, 'BAD_BOOT_MAP')).toBe(true);
    return error as Error;
  }
  throw new Error('expected a BAD_BOOT_MAP error');
}

const triples = (map: BootMap) => map.regions.map((r) => [r.base, r.length, r.kind]);

describe('parseBootMap: e820 as Linux prints it', () => {
  it('reads dmesg, journal and bare lines with inclusive ends, and every type name', () => {
    const log = [
      '[    0.000000] BIOS-provided physical RAM map:',
      '[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable',
      'Jun 11 20:15:39 host kernel: BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved',
      'BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable',
      '<6>[    0.000000] BIOS-e820: [mem 0x00000000bffe0000-0x00000000bffeffff] ACPI data',
      'BIOS-e820: [mem 0x00000000bfff0000-0x00000000bfffefff] ACPI NVS',
      'BIOS-e820: [mem 0x00000000bffff000-0x00000000bfffffff] unusable',
      'BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] persistent (type 12)',
      'BIOS-e820: [mem 0x0000000140000000-0x000000017fffffff] persistent (type 7)',
      'BIOS-e820: [mem 0x0000000180000000-0x0000000180000fff] type 20',
      'BIOS-e820: [mem 0x0000000180001000-0x0000000180001fff] soft reserved',
      '[    0.001] e820: update [mem 0x00000000-0x00000fff] usable ==> reserved',
      '[    0.002] e820: [mem 0xc0000000-0xfed1bfff] available for PCI devices',
    ].join('\n');
    const map = parseBootMap(log);
    expect(map.format).toBe('e820');
    expect(map.regions.map((r) => [r.base, r.length, r.kind, r.raw])).toEqual([
      [0, 0x9fc00, 'usable', 'usable'],
      [0x9fc00, 0x400, 'reserved', 'reserved'],
      [0x100000, 0xbfee0000, 'usable', 'usable'],
      [0xbffe0000, 0x10000, 'acpi-reclaimable', 'ACPI data'],
      [0xbfff0000, 0xf000, 'acpi-nvs', 'ACPI NVS'],
      [0xbffff000, 0x1000, 'unusable', 'unusable'],
      [0x100000000, 0x40000000, 'persistent', 'persistent (type 12)'],
      [0x140000000, 0x40000000, 'persistent', 'persistent (type 7)'],
      [0x180000000, 0x1000, 'reserved', 'type 20'],
      [0x180001000, 0x1000, 'reserved', 'soft reserved'],
    ]);
  });

  it('reads the Xen: and (XEN) variants', () => {
    const xen = parseBootMap(
      'Xen: [mem 0x0000000000000000-0x000000000009efff] usable\nXen: [mem 0x0000000000100000-0x00000000001fffff] usable',
    );
    expect(triples(xen)).toEqual([
      [0, 0x9f000, 'usable'],
      [0x100000, 0x100000, 'usable'],
    ]);
    const hypervisor = parseBootMap(
      '(XEN)  [0000000000000000, 000000000009efff] (usable)\n(XEN)  [00000000000f0000, 00000000000fffff] (reserved)',
    );
    expect(triples(hypervisor)).toEqual([
      [0, 0x9f000, 'usable'],
      [0xf0000, 0x10000, 'reserved'],
    ]);
  });

  it('goes on with the last table of a log, as the kernel did (a user: map after memmap=)', () => {
    const log = [
      'BIOS-provided physical RAM map:',
      'BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable',
      'BIOS-e820: [mem 0x0000000000100000-0x000000007fffffff] usable',
      'user-defined physical RAM map:',
      'user: [mem 0x0000000000000000-0x000000000009ffff] usable',
      'user: [mem 0x0000000000100000-0x000000003fffffff] usable',
      'user: [mem 0x0000000040000000-0x000000007fffffff] reserved',
    ].join('\n');
    expect(triples(parseBootMap(log))).toEqual([
      [0, 0xa0000, 'usable'],
      [0x100000, 0x3ff00000, 'usable'],
      [0x40000000, 0x40000000, 'reserved'],
    ]);
  });

  it('reads the legacy exclusive-end lines, also on their own with e820-legacy', () => {
    const log = [
      ' BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)',
      ' BIOS-e820: 000000003fffffc0 - 0000000040000000 (ACPI NVS)',
      ' BIOS-e820: 0000000040000000 - 0000000040001000 type 12',
    ].join('\n');
    for (const format of ['auto', 'e820', 'e820-legacy'] as const) {
      const map = parseBootMap(log, format);
      expect(map.format).toBe('e820-legacy');
      expect(triples(map)).toEqual([
        [0, 0x9fc00, 'usable'],
        [0x3fffffc0, 0x40, 'acpi-nvs'],
        [0x40000000, 0x1000, 'persistent'],
      ]);
    }
    badMap(() => parseBootMap('BIOS-e820: [mem 0x0-0xfff] usable', 'e820-legacy'));
  });

  it('names the line and the reason for bad lines', () => {
    const lines = (bad: string) => `BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable\n${bad}`;
    expect(
      badMap(() => parseBootMap(lines('BIOS-e820: [mem 0x00000000000zz000-0x0fff] usable'))).message,
    ).toMatch(/^\[BAD_BOOT_MAP\] parseBootMap\(e820\): line 2: malformed BIOS-e820 line/);
    expect(
      badMap(() => parseBootMap(lines('BIOS-e820: [mem 0x0000000000200000-0x00000000000fffff] reserved')))
        .message,
    ).toMatch(/line 2: end 0x00000000000fffff is before start 0x0000000000200000/);
    expect(
      badMap(() => parseBootMap(lines('BIOS-e820: [mem 0x10000000000000000-0x10000000000000fff] reserved')))
        .message,
    ).toMatch(/line 2: value 0x10000000000000000 is beyond 2\^64/);
    expect(
      badMap(() => parseBootMap(lines('BIOS-e820: [mem 0x0010000000000000-0x0010000000000fff] usable')))
        .message,
    ).toMatch(/line 2: usable memory 0x10000000000000-0x10000000000fff reaches beyond 2\^52/);
    expect(
      badMap(() => parseBootMap(lines('BIOS-e820: [mem 0x0000000000100000-0x0000000000100fff] fancy')))
        .message,
    ).toMatch(/line 2: unknown e820 type 'fancy'/);
    const error = badMap(() =>
      parseBootMap(lines('BIOS-e820: [mem 0x0000000000100000-0x0000000000100fff] fancy')),
    );
    expect((error as { details?: unknown }).details).toMatchObject({
      format: 'e820',
      line: 2,
      op: 'parseBootMap',
    });
    expect(
      badMap(() => parseBootMap('BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] reserved')).message,
    ).toMatch(/the map has no usable memory/);
    expect(badMap(() => parseBootMap('hello', 'e820')).message).toMatch(/no e820 lines found/);
  });

  it('keeps reserved space up to 2^64, widened to whole pages past 2^53', () => {
    const map = parseBootMap(
      'BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable\nBIOS-e820: [mem 0xfffffffffffff800-0xffffffffffffffff] reserved',
    );
    expect(map.regions[1]).toMatchObject({ base: 2 ** 64 - 4096, length: 4096, kind: 'reserved' });
    expect(normalizeBootMap(map).totals.reserved).toBe(4096);
  });
});

describe('parseBootMap: raw E820 records', () => {
  const records = (size: 20 | 24) => {
    const b = new Bytes();
    const add = (base: number, length: number, type: number) => {
      b.u64(base).u64(length).u32(type);
      if (size === 24) b.u32(1);
    };
    add(0, 0x9fc00, 1);
    add(0x9fc00, 0x400, 2);
    add(0x100000, 0x7ee0000, 1);
    add(0x7fe0000, 0, 0); // type 0 is nothing, as Linux's sanitizer treats it
    add(0xfffc0000, 0x40000, 2);
    return b.build();
  };

  it('reads 20- and 24-byte records, telling them apart by size', () => {
    for (const size of [20, 24] as const) {
      const map = parseBootMap(records(size), 'e820-raw');
      expect(triples(map)).toEqual([
        [0, 0x9fc00, 'usable'],
        [0x9fc00, 0x400, 'reserved'],
        [0x100000, 0x7ee0000, 'usable'],
        [0xfffc0000, 0x40000, 'reserved'],
      ]);
      expect(map.regions[0].attributes).toBe(size === 24 ? '0x1' : undefined);
      expect(parseBootMap(records(size), 'e820', { recordSize: size })).toEqual(map);
    }
  });

  it('reports truncated records by byte offset', () => {
    expect(badMap(() => parseBootMap(records(20).subarray(0, 90), 'e820-raw')).message).toMatch(
      /parseBootMap\(e820-raw\): byte 80: 90 bytes are not a whole number of 20- or 24-byte records \(truncated\)/,
    );
    expect(
      badMap(() => parseBootMap(records(20).subarray(0, 96), 'e820-raw', { recordSize: 20 })).message,
    ).toMatch(/byte 80: 96 bytes are not a whole number of 20-byte records/);
  });
});

describe('parseBootMap: multiboot', () => {
  it('reads multiboot1 size-prefixed entries, skipping over larger ones', () => {
    const bytes = new Bytes()
      .u32(20)
      .u64(0)
      .u64(0x9fc00)
      .u32(1)
      .u32(28)
      .u64(0x100000)
      .u64(0x3ff00000)
      .u32(1)
      .zeros(8)
      .u32(20)
      .u64(0xfffc0000)
      .u64(0x40000)
      .u32(2)
      .build();
    const map = parseBootMap(bytes, 'multiboot1');
    expect(triples(map)).toEqual([
      [0, 0x9fc00, 'usable'],
      [0x100000, 0x3ff00000, 'usable'],
      [0xfffc0000, 0x40000, 'reserved'],
    ]);
    expect(parseBootMap(bytes).format).toBe('multiboot1');
    expect(badMap(() => parseBootMap(bytes.subarray(0, 50), 'multiboot1')).message).toMatch(
      /byte 24: entry of 32 bytes runs past the end at 50 \(truncated\)/,
    );
    expect(badMap(() => parseBootMap(new Bytes().u32(12).zeros(12).build(), 'multiboot1')).message).toMatch(
      /byte 0: entry size 12 is below 20/,
    );
  });

  const mmapTag = (entrySize: number, version = 0) => {
    const entries: [number, number, number][] = [
      [0, 0x9fc00, 1],
      [0x100000, 0x7ef0000, 1],
      [0x7ff0000, 0x10000, 3],
      [0x8000000, 0x1000, 4],
      [0x8001000, 0x1000, 5],
      [0xfffc0000, 0x40000, 2],
    ];
    const b = new Bytes()
      .u32(6)
      .u32(16 + entries.length * entrySize)
      .u32(entrySize)
      .u32(version);
    for (const [base, length, type] of entries)
      b.u64(base)
        .u64(length)
        .u32(type)
        .u32(0)
        .zeros(entrySize - 24);
    return b.build();
  };
  const expected = [
    [0, 0x9fc00, 'usable'],
    [0x100000, 0x7ef0000, 'usable'],
    [0x7ff0000, 0x10000, 'acpi-reclaimable'],
    [0x8000000, 0x1000, 'acpi-nvs'],
    [0x8001000, 0x1000, 'unusable'],
    [0xfffc0000, 0x40000, 'reserved'],
  ];

  it('reads a multiboot2 memory-map tag, honouring entry_size', () => {
    expect(triples(parseBootMap(mmapTag(24), 'multiboot2'))).toEqual(expected);
    expect(triples(parseBootMap(mmapTag(32)))).toEqual(expected);
    expect(badMap(() => parseBootMap(mmapTag(24, 1), 'multiboot2')).message).toMatch(
      /byte 12: entry_version 1 is not 0/,
    );
    const odd = mmapTag(24);
    new DataView(odd.buffer).setUint32(8, 20, true);
    expect(badMap(() => parseBootMap(odd, 'multiboot2')).message).toMatch(
      /byte 8: entry_size 20 does not fit/,
    );
  });

  it('finds the memory-map tag in a boot information structure', () => {
    const tag = mmapTag(24);
    const info = new Bytes();
    const total = 8 + 16 + tag.length + 8;
    info.u32(total).u32(0);
    info.u32(1).u32(13).zeros(5).zeros(3); // a command-line tag of 13 bytes, padded to 16
    const bytes = new Uint8Array(total);
    bytes.set(info.build(), 0);
    bytes.set(tag, 24);
    bytes.set(new Bytes().u32(0).u32(8).build(), 24 + tag.length);
    expect(triples(parseBootMap(bytes))).toEqual(expected);
    expect(badMap(() => parseBootMap(bytes.subarray(0, total - 8), 'multiboot2')).message).toMatch(
      /total_size \d+ is past/,
    );
    const noMap = new Bytes().u32(24).u32(0).u32(1).u32(8).u32(0).u32(8).build();
    expect(badMap(() => parseBootMap(noMap, 'multiboot2')).message).toMatch(/no memory-map tag/);
  });

  it('reads the EFI memory-map tag (17) with the descriptor size it states', () => {
    const descriptors = new Bytes();
    efiDescriptor(descriptors, 7, 0x100000, 0x100, 0xfn, 56);
    efiDescriptor(descriptors, 5, 0x200000, 0x10, 0x800000000000000fn, 56);
    const body = descriptors.build();
    const tag = new Bytes()
      .u32(17)
      .u32(16 + body.length)
      .u32(56)
      .u32(1)
      .build();
    const bytes = new Uint8Array(tag.length + body.length);
    bytes.set(tag);
    bytes.set(body, 16);
    expect(triples(parseBootMap(bytes, 'multiboot2'))).toEqual([
      [0x100000, 0x100000, 'usable'],
      [0x200000, 0x10000, 'reserved'],
    ]);
    new DataView(bytes.buffer).setUint32(8, 36, true);
    expect(badMap(() => parseBootMap(bytes, 'multiboot2')).message).toMatch(
      /byte 8: descriptor size 36 does not fit/,
    );
  });

  it('reads multiboot text dumps (the spec example kernel and GRUB lsmmap)', () => {
    const spec =
      ' size = 0x14, base_addr = 0x0, length = 0x9fc00, type = 0x1\n size = 0x14, base_addr = 0xf0000, length = 0x10000, type = 0x2';
    expect(triples(parseBootMap(spec))).toEqual([
      [0, 0x9fc00, 'usable'],
      [0xf0000, 0x10000, 'reserved'],
    ]);
    const grub =
      'base_addr = 0x100000, length = 0x7ee0000, available RAM\nbase_addr = 0x7fe0000, length = 0x20000, ACPI non-volatile storage RAM';
    expect(triples(parseBootMap(grub, 'multiboot2'))).toEqual([
      [0x100000, 0x7ee0000, 'usable'],
      [0x7fe0000, 0x20000, 'acpi-nvs'],
    ]);
    expect(
      badMap(() => parseBootMap('base_addr = 0x0, length = 0x1000, shiny RAM', 'multiboot1')).message,
    ).toMatch(/line 1: unknown memory type 'shiny RAM'/);
  });
});

describe('parseBootMap: Limine', () => {
  it('reads memmap entries as bytes, new types as reserved', () => {
    const b = new Bytes();
    const types = [0, 1, 2, 3, 4, 5, 6, 7, 8, 42];
    for (const [i, type] of types.entries())
      b.u64(0x100000 * (i + 1))
        .u64(0x1000)
        .u64(type);
    const map = parseBootMap(b.build(), 'limine');
    expect(map.regions.map((r) => r.kind)).toEqual([
      'usable',
      'reserved',
      'acpi-reclaimable',
      'acpi-nvs',
      'unusable',
      'bootloader-reclaimable',
      'kernel',
      'framebuffer',
      'reserved',
      'reserved',
    ]);
    expect(parseBootMap(b.build()).format).toBe('limine');
    expect(badMap(() => parseBootMap(b.build().subarray(0, 30), 'limine')).message).toMatch(
      /byte 24: 30 bytes are not a whole number of 24-byte entries/,
    );
  });

  it('reads text dumps with names, numbers, human sizes and debugger output', () => {
    const text = [
      'Start: 0x1000, Size: 324KiB, Type: Bootloader Reclaimable',
      'base: 0x52000, type: 0, length: 0x4d000',
      'Start: 0x100000, Size: 1.5 MiB, Type: Usable',
      '$1 = Entry {base: 0x300000, length: 0x1000, entry_type: limine::memory_map::EntryType (0x6)}',
      'Start: 0x301000, Size: 4096, Type: Executable and Modules',
      'Start: 0x302000, Size: 4KiB, Type: LIMINE_MEMMAP_FRAMEBUFFER',
    ].join('\n');
    expect(triples(parseBootMap(text))).toEqual([
      [0x1000, 324 * 1024, 'bootloader-reclaimable'],
      [0x52000, 0x4d000, 'usable'],
      [0x100000, 0x180000, 'usable'],
      [0x300000, 0x1000, 'kernel'],
      [0x301000, 0x1000, 'kernel'],
      [0x302000, 0x1000, 'framebuffer'],
    ]);
    expect(
      badMap(() => parseBootMap('Start: 0x1000, Size: 1.0001KiB, Type: Usable', 'limine')).message,
    ).toMatch(/not a whole number of bytes/);
    expect(badMap(() => parseBootMap('Start: 0x1000, Size: 4KiB, Type: Sparkly', 'limine')).message).toMatch(
      /line 1: unknown Limine type 'Sparkly'/,
    );
    expect(badMap(() => parseBootMap('Start: 0x1000, Size: 4KiB', 'limine')).message).toMatch(
      /line 1: entry without type/,
    );
  });
});

describe('parseBootMap: UEFI', () => {
  const descriptors = (size: number) => {
    const b = new Bytes();
    efiDescriptor(b, 3, 0, 0xa0, 0xfn, size); // boot-services code: usable after ExitBootServices
    efiDescriptor(b, 7, 0x100000, 0x3ff00, 0xfn, size);
    efiDescriptor(b, 6, 0x40000000, 0x10, 0x800000000000000fn, size); // runtime data
    efiDescriptor(b, 9, 0x40010000, 0x10, 0xfn, size);
    efiDescriptor(b, 10, 0x40020000, 0x10, 0xfn, size);
    efiDescriptor(b, 11, 0xfec00000, 1, 0x8000000000000001n, size);
    efiDescriptor(b, 7, 0x40030000, 0x10, 0x800000000000000fn, size); // conventional but needed at runtime
    efiDescriptor(b, 7, 0x40040000, 0x10, 0x4000fn, size); // specific-purpose memory
    efiDescriptor(b, 14, 0x100000000, 0x100, 0xfn, size);
    efiDescriptor(b, 0x80000001, 0x100100000, 0x1, 0n, size);
    return b.build();
  };

  it('reads descriptor arrays, guessing the descriptor size, keeping attributes', () => {
    for (const size of [40, 48, 64]) {
      const map = parseBootMap(descriptors(size));
      expect(map.format).toBe('uefi');
      expect(map.regions.map((r) => r.kind)).toEqual([
        'usable',
        'usable',
        'reserved',
        'acpi-reclaimable',
        'acpi-nvs',
        'reserved',
        'reserved',
        'reserved',
        'persistent',
        'reserved',
      ]);
      expect(map.regions[2]).toMatchObject({ raw: 6, attributes: '0x800000000000000f' });
      expect(parseBootMap(descriptors(size), 'uefi', { descriptorSize: size })).toEqual(map);
    }
  });

  it('names bad descriptor layouts', () => {
    expect(badMap(() => parseBootMap(descriptors(48), 'uefi', { descriptorSize: 36 })).message).toMatch(
      /descriptor size 36 does not fit/,
    );
    expect(
      badMap(() => parseBootMap(descriptors(48), 'uefi', { descriptorSize: 48, descriptorVersion: 2 }))
        .message,
    ).toMatch(/descriptor version 2 is not 1/);
    expect(
      badMap(() => parseBootMap(descriptors(48).subarray(0, 100), 'uefi', { descriptorSize: 48 })).message,
    ).toMatch(/byte 96: 100 bytes are not a whole number of 48-byte descriptors/);
    const unaligned = efiDescriptor(new Bytes(), 7, 0x1800, 1).build();
    expect(badMap(() => parseBootMap(unaligned, 'uefi', { descriptorSize: 48 })).message).toMatch(
      /byte 0: PhysicalStart 0x1800 is not 4 KiB aligned/,
    );
  });

  it("reads Linux's efi=debug lines, new and old", () => {
    const text = [
      '[    0.000000] efi: mem00: [Boot Data   |   |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000000000-0x0000000000000fff] (0MB)',
      '[    0.000000] efi: mem01: [Conventional|   |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000001000-0x000000000009ffff] (0MB)',
      '[    0.000000] efi: mem02: [Runtime Data|RUN|  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x00000000000a0000-0x00000000000fffff] (0MB)',
      '[    0.000000] efi: mem03: [ACPI Mem NVS|   |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000100000-0x0000000000100fff] (0MB)',
      '[    0.000000] efi: mem04: type=7, attr=0xf, range=[0x0000000000200000-0x0000000000300000) (1MB)',
    ].join('\n');
    const map = parseBootMap(text);
    expect(map.format).toBe('uefi');
    expect(map.regions.map((r) => [r.base, r.length, r.kind, r.attributes])).toEqual([
      [0, 0x1000, 'usable', '0xf'],
      [0x1000, 0x9f000, 'usable', '0xf'],
      [0xa0000, 0x60000, 'reserved', '0x800000000000000f'],
      [0x100000, 0x1000, 'acpi-nvs', '0xf'],
      [0x200000, 0x100000, 'usable', '0xf'],
    ]);
  });

  it('checks shell memmap lines and their summary', () => {
    const head = 'Type       Start            End              # Pages          Attributes\n';
    const good = `${head}Available  0000000000001000-0000000000001FFF 0000000000000001 000000000000000F\n  Available :              1 Pages (4,096 Bytes)`;
    expect(triples(parseBootMap(good))).toEqual([[0x1000, 0x1000, 'usable']]);
    expect(
      badMap(() =>
        parseBootMap(`${head}Available  0000000000001000-0000000000002FFF 0000000000000001 000000000000000F`),
      ).message,
    ).toMatch(/line 2: 0000000000000001 \(hex\) pages do not span/);
    expect(badMap(() => parseBootMap(good.replace('1 Pages', '2 Pages'))).message).toMatch(
      /line 3: the summary counts 2 Available pages but the listing holds 1 \(truncated listing\?\)/,
    );
    expect(
      badMap(() =>
        parseBootMap(
          `${head}Sparkly    0000000000001000-0000000000001FFF 0000000000000001 000000000000000F`,
          'uefi',
        ),
      ).message,
    ).toMatch(/unknown EFI memory type 'Sparkly'/);
  });
});

describe('parseBootMap: /proc/iomem', () => {
  it('takes top-level resources, checks nesting, names ACPI and persistent memory', () => {
    const text = [
      '00000000-00000fff : Reserved',
      '00001000-0009ffff : System RAM',
      '00100000-3fffffff : System RAM',
      '  01000000-01c00e30 : Kernel code',
      '  01c00e31-0263093f : Kernel data',
      '40000000-4000ffff : ACPI Tables',
      '40010000-4001ffff : ACPI Non-volatile Storage',
      '100000000-13fffffff : Persistent Memory (legacy)',
      '  100000000-13fffffff : namespace0.0',
      'fec00000-fec003ff : IOAPIC 0',
    ].join('\n');
    const map = parseBootMap(text);
    expect(map.format).toBe('iomem');
    expect(triples(map)).toEqual([
      [0, 0x1000, 'reserved'],
      [0x1000, 0x9f000, 'usable'],
      [0x100000, 0x3ff00000, 'usable'],
      [0x40000000, 0x10000, 'acpi-reclaimable'],
      [0x40010000, 0x10000, 'acpi-nvs'],
      [0x100000000, 0x40000000, 'persistent'],
      [0xfec00000, 0x400, 'reserved'],
    ]);
    expect(
      badMap(() => parseBootMap('00100000-3fffffff : System RAM\n  40000000-40000fff : Kernel code')).message,
    ).toMatch(/line 2: 0x40000000-0x40000fff lies outside its parent on line 1/);
    expect(
      badMap(() => parseBootMap('00000000-00000000 : Reserved\n00000000-00000000 : System RAM')).message,
    ).toMatch(/hides addresses from non-root readers/);
  });
});

describe('parseBootMap: device tree source', () => {
  it('reads memory nodes with the root cell sizes, reserved-memory and /memreserve/', () => {
    const dts = `/dts-v1/;
/memreserve/ 0x48000000 0x1000;
// a board
/ {
\t#address-cells = <2>;
\t#size-cells = <2>;
\tmodel = "test, board";
\tlabel1: memory@40000000 {
\t\tdevice_type = "memory";
\t\treg = <0x0 0x40000000 0x0 0x20000000>, <0x1 0x0 0x0 0x10000000>;
\t};
\tmemory@80000000 { device_type = "memory"; status = "disabled"; reg = <0x0 0x80000000 0x0 0x1000>; };
\treserved-memory {
\t\t#address-cells = <2>; #size-cells = <2>; ranges;
\t\tfw@40000000 { reg = <0x0 0x40000000 0x0 0x100000>; no-map; };
\t\tcma { compatible = "shared-dma-pool"; reusable; size = <0x0 0x4000000>; };
\t};
};`;
    const map = parseBootMap(dts);
    expect(map.format).toBe('devicetree');
    expect(map.regions.map((r) => [r.base, r.length, r.kind, r.raw])).toEqual([
      [0x40000000, 0x20000000, 'usable', 'memory'],
      [0x100000000, 0x10000000, 'usable', 'memory'],
      [0x40000000, 0x100000, 'reserved', 'no-map'],
      [0x48000000, 0x1000, 'reserved', 'memreserve'],
    ]);
    expect(normalizeBootMap(map).usable).toEqual([
      { start: 0x40100, count: 0x48000 - 0x40100 },
      { start: 0x48001, count: 0x60000 - 0x48001 },
      { start: 0x100000, count: 0x10000 },
    ]);
  });

  it('names what it cannot read', () => {
    expect(badMap(() => parseBootMap('memory { reg = <(1 + 2) 0x1000>; };', 'devicetree')).message).toMatch(
      /line 1: cell '\(1 \+ 2\)' of reg is not a plain number/,
    );
    expect(
      badMap(() => parseBootMap('memory@0 { reg = <0x0 0x0 0x0 0x0 0x1>; };', 'devicetree')).message,
    ).toMatch(/cannot tell #address-cells\/#size-cells for a reg of 5 cells/);
    expect(
      badMap(() => parseBootMap('/* open\nmemory { reg = <0 0x1000>; };', 'devicetree')).message,
    ).toMatch(/unterminated \/\* comment/);
    expect(
      badMap(() => parseBootMap('memory@0 {\n reg = <0x0 0x0 0x1000>;\n', 'devicetree')).message,
    ).toMatch(/line 3: node 'memory@0' is not closed/);
    expect(
      badMap(() => parseBootMap(`${'a{'.repeat(100)}${'};'.repeat(100)}`, 'devicetree')).message,
    ).toMatch(/nested deeper than 64 levels/);
  });
});

describe('parseBootMap: memblock node ranges and JSON', () => {
  it('reads "Early memory node ranges" as usable memory', () => {
    const map = parseBootMap(
      'Early memory node ranges\n  node   0: [mem 0x0000000000001000-0x000000000009efff]\n  node   1: [mem 0x0000000100000000-0x00000001ffffffff]',
    );
    expect(map.format).toBe('memblock');
    expect(map.regions.map((r) => [r.base, r.length, r.raw])).toEqual([
      [0x1000, 0x9e000, 'node 0'],
      [0x100000000, 0x100000000, 'node 1'],
    ]);
  });

  it('reads our JSON form, checked by BootMapSchema', () => {
    const map: BootMap = {
      regions: [
        { base: 0, length: 0x100000, kind: 'usable' },
        { base: 0x100000, length: 4096, kind: 'acpi-nvs', raw: 4 },
      ],
    };
    expect(parseBootMap(JSON.stringify(map))).toEqual({ ...map, format: 'json' });
    expect(badMap(() => parseBootMap('{"regions": [', 'json')).message).toMatch(
      /parseBootMap\(json\): not JSON/,
    );
    expect(
      badMap(() => parseBootMap('{"regions": [{"base": -1, "length": 1, "kind": "usable"}]}')).message,
    ).toMatch(/regions\.0\.base/);
    expect(
      badMap(() => parseBootMap('{"regions": [{"base": 0, "length": 4096, "kind": "reserved"}]}')).message,
    ).toMatch(/no usable memory/);
  });
});

describe('parseBootMap: arguments and auto detection', () => {
  it('rejects unknown formats, options and inputs as INVALID_REQUEST', () => {
    for (const run of [
      () => parseBootMap('x', 'bios' as never),
      () => parseBootMap(42 as never),
      () => parseBootMap(new Uint8Array(20), 'e820-raw', { recordSize: 16 as never }),
    ]) {
      let error: unknown;
      try {
        run();
      } catch (e) {
        error = e;
      }
      expect(isFrameError(error, 'INVALID_REQUEST')).toBe(true);
    }
  });

  it('says it cannot tell when nothing fits', () => {
    expect(badMap(() => parseBootMap('just some words')).message).toMatch(
      /parseBootMap\(auto\): cannot tell the format/,
    );
    expect(badMap(() => parseBootMap(new Uint8Array([0, 1, 2]))).message).toMatch(
      /cannot tell the format of 3 bytes/,
    );
    expect(badMap(() => parseBootMap('')).message).toMatch(/cannot tell the format/);
    expect(detectBootMapFormat('just some words')).toBeUndefined();
  });

  it('lists every format it reads', () => {
    expect(BOOT_MAP_FORMATS).toEqual([
      'e820',
      'e820-legacy',
      'e820-raw',
      'multiboot1',
      'multiboot2',
      'limine',
      'uefi',
      'iomem',
      'devicetree',
      'memblock',
      'json',
    ]);
  });
});
