// Region kinds and limits of boot maps, without zod: the normalizer and its check use them,
// and a stack-only bundle reaches the normalizer through createFrameSpace.

/** What a region of physical memory is, after the firmware's types are mapped to ours. */
export const REGION_KINDS = [
  'usable',
  'reserved',
  'acpi-reclaimable',
  'acpi-nvs',
  'unusable',
  'bootloader-reclaimable',
  'kernel',
  'framebuffer',
  'persistent',
] as const;
export type RegionKind = (typeof REGION_KINDS)[number];

/**
 * Where regions overlap, the kind with the higher rank wins. For the e820 kinds this is
 * Linux's sanitizer rule (the larger e820 type number wins: usable 1 < reserved 2 <
 * ACPI 3 < NVS 4 < unusable 5 < persistent 7/12); our other kinds sit between usable and
 * reserved, so nothing ever turns a non-usable byte usable.
 */
export const KIND_RANK: Readonly<Record<RegionKind, number>> = {
  usable: 0,
  'bootloader-reclaimable': 1,
  kernel: 2,
  framebuffer: 3,
  reserved: 4,
  'acpi-reclaimable': 5,
  'acpi-nvs': 6,
  unusable: 7,
  persistent: 8,
};

/** Firmware maps may describe addresses up to 2^64 (beyond exact numbers; only reserved space lives there). */
export const MAX_MAP_ADDR = 2 ** 64;
