import type { BootRegion, RegionKind } from '../schema';

/** E820 type numbers (ACPI's address range types, plus Linux's persistent-memory types). */
export const E820_TYPE = {
  usable: 1,
  reserved: 2,
  acpi: 3,
  nvs: 4,
  unusable: 5,
  pmem: 7,
  pram: 12,
  softReserved: 0xefffffff,
} as const;

/**
 * What an e820 type means. Unknown types (e.g. `type 20` on some Atom tablets) are
 * reserved, as Linux keeps them; 0 never reaches here (parsers skip it, as Linux's
 * sanitizer treats type 0 as "nothing").
 */
export function e820TypeKind(type: number): RegionKind {
  switch (type) {
    case E820_TYPE.usable:
      return 'usable';
    case E820_TYPE.acpi:
      return 'acpi-reclaimable';
    case E820_TYPE.nvs:
      return 'acpi-nvs';
    case E820_TYPE.unusable:
      return 'unusable';
    case E820_TYPE.pmem:
    case E820_TYPE.pram:
      return 'persistent';
    default:
      return 'reserved';
  }
}

/** The type names Linux prints (`e820_print_type`) and old kernels / Xen print in parentheses. */
const NAMED: Readonly<Record<string, number>> = {
  usable: E820_TYPE.usable,
  reserved: E820_TYPE.reserved,
  'soft reserved': E820_TYPE.softReserved,
  'acpi data': E820_TYPE.acpi,
  'acpi nvs': E820_TYPE.nvs,
  unusable: E820_TYPE.unusable,
  persistent: E820_TYPE.pmem,
};

/** The type number for printed type text (`usable`, `ACPI NVS`, `persistent (type 12)`, `type 20`), or undefined. */
export function e820TypeFromText(text: string): number | undefined {
  const t = text.trim().replace(/\s+/g, ' ').toLowerCase();
  const named = NAMED[t];
  if (named !== undefined) return named;
  const numbered = /^(?:persistent \()?type ?=? ?(\d{1,10})\)?$/.exec(t);
  if (numbered) {
    const n = Number(numbered[1]);
    return n <= 0xffffffff ? n : undefined;
  }
  return undefined;
}

const DEFAULT_TYPE: Partial<Record<RegionKind, number>> = {
  usable: E820_TYPE.usable,
  reserved: E820_TYPE.reserved,
  'acpi-reclaimable': E820_TYPE.acpi,
  'acpi-nvs': E820_TYPE.nvs,
  unusable: E820_TYPE.unusable,
  persistent: E820_TYPE.pmem,
};

/**
 * The e820 type to write for a region: its own firmware type when that still means the
 * region's kind (so `type 20` and `persistent (type 12)` survive), else the kind's type.
 */
export function e820TypeFor(region: BootRegion): number | undefined {
  const raw = region.raw;
  const own = typeof raw === 'number' ? raw : typeof raw === 'string' ? e820TypeFromText(raw) : undefined;
  if (own !== undefined && own >= 1 && own <= 0xffffffff && e820TypeKind(own) === region.kind) return own;
  return DEFAULT_TYPE[region.kind];
}
