/** Every format `parseBootMap` reads; `'auto'` tells them apart by content. */
export const BOOT_MAP_FORMATS = [
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
] as const;
export type BootMapFormat = (typeof BOOT_MAP_FORMATS)[number];
export type ParseFormat = BootMapFormat | 'auto';

/** Details the bytes of some binary formats do not carry themselves. */
export interface ParseOptions {
  /** Raw INT 15h E820 records: 20 bytes (base, length, type) or 24 (plus ACPI 3.0 attributes). Guessed when absent. */
  readonly recordSize?: 20 | 24;
  /** A bare `EFI_MEMORY_DESCRIPTOR` array: the size GetMemoryMap reported (48 on most firmware). Guessed when absent. */
  readonly descriptorSize?: number;
  /** A bare `EFI_MEMORY_DESCRIPTOR` array: the version GetMemoryMap reported (only 1 exists). */
  readonly descriptorVersion?: number;
}
