import type { BootRegion, RegionKind } from '../schema';

/**
 * Multiboot (1 and 2) memory types: 1 available, 3 ACPI reclaimable, 4 reserved but
 * preserved on hibernation (ACPI NVS), 5 defective RAM; every other value is reserved.
 * GRUB passes e820's persistent-memory types (7, 12) through, so those read as persistent.
 */
export function multibootTypeKind(type: number): RegionKind {
  switch (type) {
    case 1:
      return 'usable';
    case 3:
      return 'acpi-reclaimable';
    case 4:
      return 'acpi-nvs';
    case 5:
      return 'unusable';
    case 7:
    case 12:
      return 'persistent';
    default:
      return 'reserved';
  }
}

const DEFAULT_TYPE: Partial<Record<RegionKind, number>> = {
  usable: 1,
  reserved: 2,
  'acpi-reclaimable': 3,
  'acpi-nvs': 4,
  unusable: 5,
  persistent: 7,
};

/** The multiboot type to write for a region: its own numeric type when that still means its kind. */
export function multibootTypeFor(region: BootRegion): number | undefined {
  const raw = region.raw;
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 1 && raw <= 0xffffffff) {
    if (multibootTypeKind(raw) === region.kind) return raw;
  }
  return DEFAULT_TYPE[region.kind];
}

/** GRUB's `lsmmap` type names. */
export const GRUB_NAMES: Readonly<Record<string, number>> = {
  'available ram': 1,
  'reserved ram': 2,
  'acpi reclaimable ram': 3,
  'acpi non-volatile storage ram': 4,
  'faulty ram (badram)': 5,
  'persistent ram': 7,
  'persistent ram (legacy)': 12,
  'ram holding coreboot tables': 16,
  'ram holding firmware code': 20,
};
