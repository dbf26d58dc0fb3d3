import { describe, expect, it } from 'vitest';
import { isFrameError } from '../errors';
import { createFrameSpace } from '../frame-space';
import {
  lastPfn,
  loggedNodeRanges,
  loggedNumbers,
  memText,
  presentPages,
  unavailableRanges513,
  unavailableRanges515,
} from './__fixtures__/linux';
import { realMap, realMapFiles } from './__fixtures__/realdata';
import { normalizeBootMap } from './normalize';
import { parseBootMap } from './parse';
import type { BootMap } from './schema';

/** Files that are not a whole, well-formed map, and the error each gives. */
const EXPECTED_ERRORS: Readonly<Record<string, RegExp>> = {
  // Not a memory map at all: free-block counts per order, for the fragmentation metrics.
  'buddyinfo/samples.txt': /cannot tell the format/,
  // "Amount of entries: 18" but the stored excerpt stops after 13.
  'limine/limine-issue517-qemu-2g-numeric-types-TRUNCATED.txt':
    /line 1: the dump announces 18 entries but holds 13 \(truncated\)/,
};

/** Expected format of every file that parses. */
const FORMATS: Readonly<Record<string, string>> = {
  'devicetree/arm-n1sdp-family-2bank-uefi.dts-snippet': 'devicetree',
  'devicetree/lkml-leo-2bank-memory-4-nomap-reserved.dts': 'devicetree',
  'devicetree/qemu-arm64-virt-1g-dtc-dump.dts': 'devicetree',
  'devicetree/rpi4-2gb-live-memory-reg.txt': 'devicetree',
  'e820/arm64-apm-xgene-mustang-16g-memblock.dmesg': 'memblock',
  'e820/laptop-adata-xenia14-tigerlake-16g.dmesg': 'e820',
  'e820/server-asus-z10pe-d16ws-xeon-16g.dmesg': 'e820',
  'e820/tablet-airis-winpad-atom-2g-i686pae.dmesg': 'e820',
  'e820-legacy-format/k2.4.18-256m-2002.log': 'e820-legacy',
  'e820-legacy-format/k2.6-copy_e820_map-debug-1g-subpage-acpi.log': 'e820-legacy',
  'e820-legacy-format/k2.6.12-award-intel-248m.log': 'e820-legacy',
  'e820-legacy-format/k2.6.12-nvidia-award-1g.log': 'e820-legacy',
  'e820-legacy-format/k2.6.12rc2-asus-256m.log': 'e820-legacy',
  'e820-legacy-format/k2.6.15-ubuntu-192m.log': 'e820-legacy',
  'e820-legacy-format/k2.6.18-hp-e800-512m.log': 'e820-legacy',
  'e820-legacy-format/k2.6.22-ubuntu-1.5g-highmem.log': 'e820-legacy',
  'e820-vm/hyperv-gen1-bios-11g.dmesg': 'e820',
  'e820-vm/hyperv-gen2-uefi-1.5g.journal': 'e820',
  'e820-vm/qemu-i440fx-seabios-5g.dmesg': 'e820',
  'e820-vm/qemu-q35-seabios-18g.dmesg': 'e820',
  'e820-vm/qemu-raw-int15-e820-records-128m.txt': 'e820-raw',
  'e820-vm/virtualbox-ubuntu14.04-1.6g.dmesg': 'e820',
  'e820-vm/vmware-440bx-5g.journal': 'e820',
  'e820-vm/xen-pv-dom0-on-hyperv-xen-prefix.dmesg': 'e820',
  'e820-vm/xen-pv-domU-gentoo-unusable-98g.log': 'e820',
  'e820-vm/xen-pvh-qemu-bytegranular-acpi-unusable.log': 'e820',
  'limine/limine-issue401-riscv64-qemu-virt-uboot-PARTIAL.txt': 'limine',
  'limine/limine-issue505-qemu-256m-bios.txt': 'limine',
  'multiboot/uroot-issue1149-kexec-multiboot-broken-e820-PARTIAL.dmesg': 'e820',
  'proc-iomem/amd-laptop-radeon-dgpu-kaslr-64g.iomem': 'iomem',
  'proc-iomem/qemu-ovmf-xen-guest-5g.iomem': 'iomem',
  'uefi-memmap/rpi4-2g-edk2-uefi-shell-memmap.txt': 'uefi',
};

describe('every real map parses, or gives its documented error', () => {
  const files = realMapFiles();

  it('knows every file in realdata', () => {
    expect(files.filter((f) => !(f in FORMATS) && !(f in EXPECTED_ERRORS))).toEqual([]);
  });

  for (const file of files) {
    it(file, () => {
      const text = realMap(file);
      const expectedError = EXPECTED_ERRORS[file];
      if (expectedError) {
        let error: unknown;
        try {
          parseBootMap(text);
        } catch (e) {
          error = e;
        }
        expect(isFrameError(error, 'BAD_BOOT_MAP')).toBe(true);
        expect((error as Error).message).toMatch(expectedError);
        return;
      }
      const map = parseBootMap(text);
      expect(map.format).toBe(FORMATS[file]);
      // Text handed over as bytes reads the same.
      expect(parseBootMap(new TextEncoder().encode(text))).toEqual(map);
      const normalized = normalizeBootMap(map);
      expect(normalized.usableFrames).toBeGreaterThan(0);
      // The frame space lists exactly the usable frames.
      expect(createFrameSpace(normalized).ranges).toEqual(normalized.usable);
    });
  }
});

/** What a log's kernel printed about memory that only the map determines. */
interface ModernCase {
  readonly file: string;
  /** "Early memory node ranges". */
  readonly nodeRanges?: readonly string[];
  /** Every `last_pfn = …` line: max_pfn, then (above 4 GiB) the last frame below 4 GiB. */
  readonly lastPfns: readonly number[];
  /** "On node 0 totalpages: N" (present pages). */
  readonly totalpages?: number;
  /** The total after the slash in "Memory: …K/…K available": present pages × 4. */
  readonly memoryTotalK?: number;
  /** "… pages in unavailable ranges", in print order, and the kernel generation that printed them. */
  readonly unavailable?: { readonly linux: '5.13' | '5.15'; readonly zones: readonly [string, number][] };
  /** Later `e820: update … usable ==> reserved` lines applied as `reserve` (they must not change what memblock got). */
  readonly reserve?: readonly { base: number; length: number }[];
}

/*
 * Not compared, because the map does not determine them: the free figure before the slash
 * in "Memory: …K/…K available" (the kernel image, initrd and early allocations are taken
 * out of it), "Built 1 zonelists … Total pages: N" (present pages minus the struct-page
 * arrays and the DMA zone's reservations) and 32-bit HIGHMEM/LOWMEM splits of modern
 * kernels (they depend on the vmalloc area's size).
 */
const MODERN: readonly ModernCase[] = [
  {
    file: 'e820/server-asus-z10pe-d16ws-xeon-16g.dmesg',
    nodeRanges: [
      '0x0000000000001000-0x000000000009ffff',
      '0x0000000000100000-0x0000000079112fff',
      '0x000000007dd5a000-0x000000007dd5afff',
      '0x000000007dde1000-0x000000007dffffff',
      '0x0000000100000000-0x000000047fffffff',
    ],
    lastPfns: [0x480000, 0x7e000],
    unavailable: {
      linux: '5.15',
      zones: [
        ['DMA', 1],
        ['DMA', 96],
        ['DMA32', 19527],
        ['DMA32', 134],
        ['Normal', 8192],
      ],
    },
  },
  {
    file: 'e820/laptop-adata-xenia14-tigerlake-16g.dmesg',
    nodeRanges: [
      '0x0000000000001000-0x000000000009efff',
      '0x0000000000100000-0x000000004021efff',
      '0x0000000043eff000-0x0000000043efffff',
      '0x0000000100000000-0x00000004afbfffff',
    ],
    lastPfns: [0x4afc00, 0x43f00],
    unavailable: {
      linux: '5.15',
      zones: [
        ['DMA', 1],
        ['DMA', 97],
        ['DMA32', 15584],
        ['Normal', 16640],
        ['Normal', 1024],
      ],
    },
  },
  {
    file: 'e820/tablet-airis-winpad-atom-2g-i686pae.dmesg',
    nodeRanges: [
      '0x0000000000001000-0x000000000008efff',
      '0x0000000000090000-0x000000000009dfff',
      '0x0000000000100000-0x000000001fffffff',
      '0x0000000020200000-0x000000007bfbdfff',
      '0x000000007c6ab000-0x000000007cbfffff',
    ],
    lastPfns: [0x7cc00],
    totalpages: 508591,
    memoryTotalK: 2034364,
  },
  {
    file: 'e820-vm/hyperv-gen2-uefi-1.5g.journal',
    nodeRanges: [
      '0x0000000000001000-0x000000000009ffff',
      '0x0000000000100000-0x000000005ed1cfff',
      '0x000000005ed1e000-0x000000005eecbfff',
      '0x000000005ef1b000-0x000000005ff9afff',
      '0x000000005ffff000-0x000000005fffffff',
    ],
    lastPfns: [0x60000],
    memoryTotalK: 1571756,
    unavailable: {
      linux: '5.13',
      zones: [
        ['DMA', 28769],
        ['DMA32', 180],
      ],
    },
  },
  {
    file: 'e820-vm/hyperv-gen1-bios-11g.dmesg',
    lastPfns: [0x2c0000, 0x3fff0],
    // The MTRR trim: "e820: update [mem 0x40000000-0xffffffff] usable ==> reserved".
    reserve: [{ base: 0x40000000, length: 0xc0000000 }],
  },
  {
    file: 'e820-vm/virtualbox-ubuntu14.04-1.6g.dmesg',
    lastPfns: [0x651f0],
  },
];

function linuxView(file: string, reserve?: ModernCase['reserve']) {
  const log = realMap(file);
  const normalized = normalizeBootMap(parseBootMap(log), { preset: 'linux-x86', reserve });
  return { log, usable: normalized.usable };
}

describe('the linux-x86 preset reproduces what Linux derived from the map', () => {
  for (const c of MODERN) {
    describe(c.file, () => {
      const { log, usable } = linuxView(c.file, c.reserve);

      if (c.nodeRanges) {
        it('gives the Early memory node ranges', () => {
          expect(loggedNodeRanges(log)).toEqual(c.nodeRanges);
          expect(usable.map(memText)).toEqual(c.nodeRanges);
        });
      }

      it('gives last_pfn (and the last frame below 4 GiB)', () => {
        expect(loggedNumbers(log, /last_pfn = (0x[0-9a-f]+)/g)).toEqual(c.lastPfns);
        const ours = [lastPfn(usable)];
        if (c.lastPfns.length > 1) ours.push(lastPfn(usable, 0x100000));
        expect(ours).toEqual(c.lastPfns);
      });

      if (c.totalpages !== undefined) {
        it('gives totalpages', () => {
          expect(loggedNumbers(log, /On node 0 totalpages: (\d+)/g)).toEqual([c.totalpages]);
          expect(presentPages(usable)).toBe(c.totalpages);
        });
      }

      if (c.memoryTotalK !== undefined) {
        it('gives the total of "Memory: …K/…K available"', () => {
          expect(loggedNumbers(log, /Memory: \d+K\/(\d+)K available/g)).toEqual([c.memoryTotalK]);
          expect(presentPages(usable) * 4).toBe(c.memoryTotalK);
        });
      }

      const unavailable = c.unavailable;
      if (unavailable) {
        it(`gives the pages in unavailable ranges (Linux ${unavailable.linux})`, () => {
          // 5.15+: "On node 0, zone DMA: 1 pages in unavailable ranges"; 5.13: "  DMA zone: 28769 pages in …".
          const logged = [
            ...log.matchAll(
              /(?:zone (DMA32|DMA|Normal): |(DMA32|DMA|Normal) zone: )(\d+) pages in unavailable/g,
            ),
          ];
          expect(logged.map((m) => [m[1] ?? m[2], Number(m[3])])).toEqual(unavailable.zones);
          const ours =
            unavailable.linux === '5.13' ? unavailableRanges513(usable) : unavailableRanges515(usable);
          expect(ours).toEqual(unavailable.zones);
        });
      }
    });
  }

  it('later reservations only split usable memory where they land', () => {
    // Tiger Lake: "e820: update [mem 0x3de70000-0x3de70fff] usable ==> reserved" comes after
    // memblock was built, so the node ranges do not show it; applied as `reserve`, the page goes.
    const { usable } = linuxView('e820/laptop-adata-xenia14-tigerlake-16g.dmesg', [
      { base: 0x3de70000, length: 0x1000 },
    ]);
    expect(usable.map(memText)).toContain('0x0000000000100000-0x000000003de6ffff');
    expect(usable.map(memText)).toContain('0x000000003de71000-0x000000004021efff');
    expect(presentPages(usable)).toBe(4128190 - 1);
  });
});

/** Kernels 2.4–2.6.18 sized zones from max_pfn alone: every frame below it counted, holes included. */
interface LegacyCase {
  readonly file: string;
  /** max_pfn: one past the last usable frame. */
  readonly maxPfn: number;
  /** Figures the log prints, each derived from max_pfn the way that kernel did. */
  readonly printed: readonly [RegExp, Figure, number][];
}

type Figure =
  | 'totalpages'
  | 'memoryTotalK'
  | 'lowmemMiB'
  | 'highmemMiB'
  | 'dmaZone'
  | 'normalZone'
  | 'highmemZone'
  | 'activeEnd';

/** 896 MiB: the default 32-bit lowmem limit (3G/1G split, 128 MiB vmalloc) of these kernels. */
const MAXMEM_PFN = 0x38000;
const DERIVE: Readonly<Record<Figure, (maxPfn: number) => number>> = {
  totalpages: (pfn) => pfn,
  memoryTotalK: (pfn) => pfn * 4,
  lowmemMiB: (pfn) => Math.min(pfn, MAXMEM_PFN) >> 8,
  highmemMiB: (pfn) => Math.max(0, pfn - MAXMEM_PFN) >> 8,
  dmaZone: (pfn) => Math.min(pfn, 4096),
  normalZone: (pfn) => Math.min(pfn, MAXMEM_PFN) - 4096,
  highmemZone: (pfn) => Math.max(0, pfn - MAXMEM_PFN),
  // 2.6.22: add_active_range(0, 0, max_pfn).
  activeEnd: (pfn) => pfn,
};

const LEGACY: readonly LegacyCase[] = [
  {
    file: 'e820-legacy-format/k2.4.18-256m-2002.log',
    maxPfn: 65520,
    printed: [
      [/On node 0 totalpages: (\d+)/g, 'totalpages', 65520],
      [/zone\(0\): (\d+) pages/g, 'dmaZone', 4096],
      [/zone\(1\): (\d+) pages/g, 'normalZone', 61424],
      [/zone\(2\): (\d+) pages/g, 'highmemZone', 0],
      [/Memory: \d+k\/(\d+)k available/g, 'memoryTotalK', 262080],
    ],
  },
  {
    file: 'e820-legacy-format/k2.6.12-award-intel-248m.log',
    maxPfn: 63472,
    printed: [
      [/On node 0 totalpages: (\d+)/g, 'totalpages', 63472],
      [/(\d+)MB LOWMEM available/g, 'lowmemMiB', 247],
      [/DMA zone: (\d+) pages/g, 'dmaZone', 4096],
      [/Normal zone: (\d+) pages/g, 'normalZone', 59376],
      [/HighMem zone: (\d+) pages/g, 'highmemZone', 0],
    ],
  },
  {
    file: 'e820-legacy-format/k2.6.12rc2-asus-256m.log',
    maxPfn: 65516,
    printed: [
      [/On node 0 totalpages: (\d+)/g, 'totalpages', 65516],
      [/(\d+)MB LOWMEM available/g, 'lowmemMiB', 255],
      [/DMA zone: (\d+) pages/g, 'dmaZone', 4096],
      [/Normal zone: (\d+) pages/g, 'normalZone', 61420],
      [/HighMem zone: (\d+) pages/g, 'highmemZone', 0],
    ],
  },
  {
    file: 'e820-legacy-format/k2.6.15-ubuntu-192m.log',
    maxPfn: 49072,
    printed: [
      [/On node 0 totalpages: (\d+)/g, 'totalpages', 49072],
      [/(\d+)MB LOWMEM available/g, 'lowmemMiB', 191],
      [/(\d+)MB HIGHMEM available/g, 'highmemMiB', 0],
      [/DMA zone: (\d+) pages/g, 'dmaZone', 4096],
    ],
  },
  {
    file: 'e820-legacy-format/k2.6.18-hp-e800-512m.log',
    maxPfn: 131056,
    printed: [
      [/On node 0 totalpages: (\d+)/g, 'totalpages', 131056],
      [/(\d+)MB LOWMEM available/g, 'lowmemMiB', 511],
      [/DMA zone: (\d+) pages/g, 'dmaZone', 4096],
      [/Normal zone: (\d+) pages/g, 'normalZone', 126960],
    ],
  },
  {
    file: 'e820-legacy-format/k2.6.22-ubuntu-1.5g-highmem.log',
    maxPfn: 393200,
    printed: [
      [/add_active_range\(0, 0, (\d+)\)/g, 'activeEnd', 393200],
      [/(\d+)MB HIGHMEM available/g, 'highmemMiB', 639],
      [/(\d+)MB LOWMEM available/g, 'lowmemMiB', 896],
    ],
  },
  {
    file: 'e820-legacy-format/k2.6-copy_e820_map-debug-1g-subpage-acpi.log',
    maxPfn: 262128,
    printed: [
      [/add_active_range\(0, 0, (\d+)\)/g, 'activeEnd', 262128],
      [/(\d+)MB HIGHMEM available/g, 'highmemMiB', 127],
      [/(\d+)MB LOWMEM available/g, 'lowmemMiB', 896],
      [/HighMem\s+\d+ ->\s+(\d+)/g, 'activeEnd', 262128],
    ],
  },
];

describe('old kernels: max_pfn and what they derived from it', () => {
  for (const c of LEGACY) {
    describe(c.file, () => {
      const { log, usable } = linuxView(c.file);
      it('gives max_pfn', () => {
        expect(lastPfn(usable)).toBe(c.maxPfn);
      });
      for (const [pattern, figure, value] of c.printed) {
        it(`gives ${figure} = ${value}`, () => {
          expect(loggedNumbers(log, pattern)).toEqual([value]);
          expect(DERIVE[figure](lastPfn(usable))).toBe(value);
        });
      }
    });
  }
});

describe('what each real map says', () => {
  const regions = (map: BootMap) => map.regions.map((r) => [r.base, r.length, r.kind]);

  it('reads the QEMU monitor dump of INT 15h records as the six records it holds', () => {
    const map = parseBootMap(realMap('e820-vm/qemu-raw-int15-e820-records-128m.txt'));
    expect(map.regions.map((r) => [r.base, r.length, r.raw])).toEqual([
      [0, 0x9fc00, 1],
      [0x9fc00, 0x400, 2],
      [0xf0000, 0x10000, 2],
      [0x100000, 0x7ee0000, 1],
      [0x7fe0000, 0x20000, 2],
      [0xfffc0000, 0x40000, 2],
    ]);
  });

  it('keeps an unknown e820 type as reserved with its raw type', () => {
    const map = parseBootMap(realMap('e820/tablet-airis-winpad-atom-2g-i686pae.dmesg'));
    expect(map.regions.find((r) => r.raw === 'type 20')).toEqual({
      base: 0x7c654000,
      length: 0x57000,
      kind: 'reserved',
      raw: 'type 20',
    });
  });

  it('reads byte-granular Xen PVH maps, the last table of the log, trimming usable memory to frames', () => {
    const map = parseBootMap(realMap('e820-vm/xen-pvh-qemu-bytegranular-acpi-unusable.log'));
    expect(map.regions).toHaveLength(8);
    expect(regions(map).slice(2, 4)).toEqual([
      [0x100000, 0x40060f1e - 0x100000, 'usable'],
      [0x40060f1e, 0x8a, 'acpi-reclaimable'],
    ]);
    const { usable } = normalizeBootMap(map);
    expect(usable[1]).toEqual({ start: 0x100, count: 0x40060 - 0x100 });
    expect(normalizeBootMap(map).totals.unusable).toBe(0x7ffe0000 - 0x40061000);
    expect(normalizeBootMap(map).totals.reserved).toBeGreaterThan(12 * 2 ** 30);
  });

  it('reads Xen PV maps with the Xen: prefix and no timestamps', () => {
    const map = parseBootMap(realMap('e820-vm/xen-pv-domU-gentoo-unusable-98g.log'));
    expect(map.regions.filter((r) => r.kind === 'unusable').map((r) => r.length)).toEqual([
      0xe4000, 0x1000, 0x282000,
    ]);
    const { usable } = normalizeBootMap(map, { preset: 'linux-x86' });
    expect(usable[usable.length - 1]).toEqual({ start: 0x100000, count: 0x188725d - 0x100000 });
  });

  it('reads the tail-only VMware journal with <br> line ends', () => {
    const map = parseBootMap(realMap('e820-vm/vmware-440bx-5g.journal'));
    expect(regions(map)[0]).toEqual([0xbfeff000, 0x1000, 'acpi-nvs']);
    expect(map.regions).toHaveLength(7);
  });

  it('reads the kexec map whose legacy hole is mis-typed ACPI NVS faithfully (the kernel crashed on it)', () => {
    const map = parseBootMap(realMap('multiboot/uroot-issue1149-kexec-multiboot-broken-e820-PARTIAL.dmesg'));
    expect(regions(map)[4]).toEqual([0xa0000, 0x60000, 'acpi-nvs']);
    const { usable } = normalizeBootMap(map, { preset: 'linux-x86' });
    expect(usable.map(memText)).toEqual([
      '0x0000000000001000-0x000000000005ffff',
      '0x0000000000068000-0x000000000009ffff',
      '0x0000000000100000-0x00000000007fffff',
      '0x0000000000b58000-0x000000007edfffff',
    ]);
  });

  it('checks the RPi 4 shell memmap against its own per-type summary', () => {
    const map = parseBootMap(realMap('uefi-memmap/rpi4-2g-edk2-uefi-shell-memmap.txt'));
    expect(map.regions).toHaveLength(42);
    const pages = (name: string) =>
      map.regions.filter((r) => r.raw === name).reduce((sum, r) => sum + r.length / 4096, 0);
    expect(
      ['Reserved', 'LoaderCode', 'BS_Code', 'BS_Data', 'RT_Code', 'RT_Data', 'ACPI_Recl', 'Available'].map(
        pages,
      ),
    ).toEqual([1230, 294, 1143, 9525, 496, 608, 16, 491264]);
    // EDK2 totals every type but Reserved, Unusable and MMIO: "Total Memory: 1,966 MB (2,061,705,216 Bytes)".
    const total = map.regions.filter((r) => r.raw !== 'Reserved').reduce((sum, r) => sum + r.length, 0);
    expect(total).toBe(2_061_705_216);
    // Loader, boot-services and conventional memory are usable after ExitBootServices.
    expect(normalizeBootMap(map).usableFrames).toBe(491264 + 294 + 1143 + 9525);
    expect(map.regions[1]).toMatchObject({
      kind: 'reserved',
      raw: 'RT_Data',
      attributes: '0x800000000000000e',
    });
  });

  it('takes top-level System RAM from /proc/iomem, with the kernel image nested inside it', () => {
    const { usable } = normalizeBootMap(parseBootMap(realMap('proc-iomem/qemu-ovmf-xen-guest-5g.iomem')));
    expect(usable.map(memText)).toEqual([
      '0x0000000000001000-0x000000000009ffff',
      '0x0000000000100000-0x00000000007fffff',
      '0x0000000000808000-0x000000000080ffff',
      '0x0000000000900000-0x00000000be762fff',
      '0x00000000be794000-0x00000000be9d5fff',
      '0x00000000beb1b000-0x00000000bfb9afff',
      '0x00000000bfbff000-0x00000000bff4ffff',
      '0x0000000100000000-0x00000001403e1fff',
    ]);
    const amd = normalizeBootMap(parseBootMap(realMap('proc-iomem/amd-laptop-radeon-dgpu-kaslr-64g.iomem')));
    expect(amd.usable.map(memText).at(-1)).toBe('0x0000000100000000-0x0000000fee2fffff');
    expect(amd.totals['acpi-reclaimable']).toBe(0x60000);
  });

  it('reads device trees: memory banks, no-map reservations, cell sizes from the parent or the unit address', () => {
    const usable = (file: string) => normalizeBootMap(parseBootMap(realMap(file))).usable.map(memText);
    expect(usable('devicetree/qemu-arm64-virt-1g-dtc-dump.dts')).toEqual([
      '0x0000000040000000-0x000000007fffffff',
    ]);
    expect(usable('devicetree/rpi4-2gb-live-memory-reg.txt')).toEqual([
      '0x0000000000000000-0x000000003b3fffff',
      '0x0000000040000000-0x000000007fffffff',
    ]);
    expect(usable('devicetree/arm-n1sdp-family-2bank-uefi.dts-snippet')).toEqual([
      '0x0000000080000000-0x00000000feffffff',
      '0x0000008080000000-0x00000083f7ffffff',
    ]);
    expect(usable('devicetree/lkml-leo-2bank-memory-4-nomap-reserved.dts')).toEqual([
      '0x0000000020010000-0x000000002dffffff',
      '0x0000000030000000-0x000000003fffffff',
      '0x0000000060000000-0x00000000bfffffff',
      '0x00000001c0000000-0x00000002ffffffff',
    ]);
  });

  it('reads Limine dumps with human sizes and debugger entries', () => {
    const bios = parseBootMap(realMap('limine/limine-issue505-qemu-256m-bios.txt'));
    expect(bios.regions.map((r) => r.kind)).toEqual([
      'bootloader-reclaimable',
      'usable',
      'reserved',
      'reserved',
      'usable',
      'bootloader-reclaimable',
      'kernel',
      'bootloader-reclaimable',
      'usable',
      'bootloader-reclaimable',
      'reserved',
      'framebuffer',
      'reserved',
      'reserved',
    ]);
    expect(regions(bios).at(-1)).toEqual([0xfd00000000, 12 * 2 ** 30, 'reserved']);
    expect(normalizeBootMap(bios).usableFrames).toBe(77 + 65024 + 31);
    const riscv = parseBootMap(realMap('limine/limine-issue401-riscv64-qemu-virt-uboot-PARTIAL.txt'));
    expect(regions(riscv)).toEqual([
      [0x80000000, 0x7efb000, 'usable'],
      [0x87efb000, 0xa000, 'acpi-reclaimable'],
      [0x87f05000, 0x326ab000, 'usable'],
      [0xba5b0000, 0x33000, 'bootloader-reclaimable'],
      [0xba5e3000, 0x52000, 'kernel'],
    ]);
  });

  it('reads arm64 memblock node ranges as one usable bank (no x86 preset: arm64 has no legacy hole)', () => {
    const map = parseBootMap(realMap('e820/arm64-apm-xgene-mustang-16g-memblock.dmesg'));
    const { usable, usableFrames } = normalizeBootMap(map);
    expect(usable.map(memText)).toEqual(['0x0000004000000000-0x00000043ffffffff']);
    // "On node 0 totalpages: 4194304" and "Memory: …K/16777216K available".
    expect(usableFrames).toBe(4194304);
    expect(usableFrames * 4).toBe(16777216);
  });
});
