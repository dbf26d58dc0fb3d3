import type { BootRegion, RegionKind } from '../schema';

/** `EFI_MEMORY_TYPE` values (UEFI 2.10, table 7.10). */
export const EFI_TYPE = {
  reserved: 0,
  loaderCode: 1,
  loaderData: 2,
  bootServicesCode: 3,
  bootServicesData: 4,
  runtimeServicesCode: 5,
  runtimeServicesData: 6,
  conventional: 7,
  unusable: 8,
  acpiReclaim: 9,
  acpiNvs: 10,
  mmio: 11,
  mmioPortSpace: 12,
  palCode: 13,
  persistent: 14,
  unaccepted: 15,
} as const;

/** Memory attribute bits (`EFI_MEMORY_*`), by the letters Linux's `efi=debug` lines use. */
export const EFI_ATTRIBUTE_BITS: Readonly<Record<string, bigint>> = {
  UC: 0x1n,
  WC: 0x2n,
  WT: 0x4n,
  WB: 0x8n,
  UCE: 0x10n,
  WP: 0x1000n,
  RP: 0x2000n,
  XP: 0x4000n,
  NV: 0x8000n,
  MR: 0x10000n,
  RO: 0x20000n,
  SP: 0x40000n,
  CC: 0x80000n,
  RUN: 0x8000000000000000n,
};
const RUNTIME = EFI_ATTRIBUTE_BITS.RUN;
const SPECIFIC_PURPOSE = EFI_ATTRIBUTE_BITS.SP;

/**
 * The kind of an EFI descriptor as a kernel sees it after ExitBootServices (Linux's EFI stub
 * builds its e820 table the same way): loader, boot-services and conventional memory are
 * free for the OS; runtime-services memory, MMIO and PAL code stay reserved; ACPI and
 * persistent memory keep their kinds; unaccepted memory is RAM the OS accepts on first
 * use. Memory the firmware still needs at runtime (`EFI_MEMORY_RUNTIME`) or set aside for a
 * specific purpose (`EFI_MEMORY_SP`) is not handed out even when its type says free.
 * OEM and OS-defined types (0x70000000 and up) are reserved.
 */
export function uefiTypeKind(type: number, attributes = 0n): RegionKind {
  let kind: RegionKind;
  switch (type) {
    case EFI_TYPE.loaderCode:
    case EFI_TYPE.loaderData:
    case EFI_TYPE.bootServicesCode:
    case EFI_TYPE.bootServicesData:
    case EFI_TYPE.conventional:
    case EFI_TYPE.unaccepted:
      kind = 'usable';
      break;
    case EFI_TYPE.unusable:
      kind = 'unusable';
      break;
    case EFI_TYPE.acpiReclaim:
      kind = 'acpi-reclaimable';
      break;
    case EFI_TYPE.acpiNvs:
      kind = 'acpi-nvs';
      break;
    case EFI_TYPE.persistent:
      kind = 'persistent';
      break;
    default:
      kind = 'reserved';
  }
  if (kind === 'usable' && (attributes & (RUNTIME | SPECIFIC_PURPOSE)) !== 0n) kind = 'reserved';
  return kind;
}

/**
 * Type names as the EDK2 shell `memmap` prints them (short and `-sfo` forms), as Linux's
 * `efi: memNN:` lines print them, and as the spec spells them, squashed to lowercase
 * letters and digits.
 */
const NAMES: readonly (readonly string[])[] = [
  ['reserved', 'efireservedmemorytype'],
  ['loadercode', 'efiloadercode'],
  ['loaderdata', 'efiloaderdata'],
  ['bscode', 'bootservicecode', 'bootcode', 'efibootservicescode', 'bootservicescode'],
  ['bsdata', 'bootservicedata', 'bootdata', 'efibootservicesdata', 'bootservicesdata'],
  ['rtcode', 'runtimecode', 'efiruntimeservicescode', 'runtimeservicescode'],
  ['rtdata', 'runtimedata', 'efiruntimeservicesdata', 'runtimeservicesdata'],
  ['available', 'conventional', 'eficonventionalmemory', 'conventionalmemory'],
  ['unusable', 'unusablememory', 'efiunusablememory'],
  ['acpirecl', 'acpireclaim', 'acpireclaimmemory', 'efiacpireclaimmemory'],
  ['acpinvs', 'acpimemnvs', 'acpimemorynvs', 'efiacpimemorynvs'],
  ['mmio', 'memorymappedio', 'efimemorymappedio'],
  ['mmioport', 'memorymappedioportspace', 'efimemorymappedioportspace'],
  ['palcode', 'efipalcode'],
  ['persistent', 'persistentmemory', 'efipersistentmemory'],
  ['unaccepted', 'unacceptedmemory', 'efiunacceptedmemorytype'],
];
const BY_NAME = new Map<string, number>(NAMES.flatMap((names, type) => names.map((n) => [n, type])));

export function squashName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The type number for a printed EFI type name, or undefined. */
export function uefiTypeFromName(name: string): number | undefined {
  return BY_NAME.get(squashName(name));
}

/** The EDK2 shell's short name of a type (what `memmap` prints). */
export const EDK2_NAMES: readonly string[] = [
  'Reserved',
  'LoaderCode',
  'LoaderData',
  'BS_Code',
  'BS_Data',
  'RT_Code',
  'RT_Data',
  'Available',
  'Unusable',
  'ACPI_Recl',
  'ACPI_NVS',
  'MMIO',
  'MMIO_Port',
  'PalCode',
  'Persistent',
  'Unaccepted',
];

const DEFAULT_TYPE: Partial<Record<RegionKind, number>> = {
  usable: EFI_TYPE.conventional,
  reserved: EFI_TYPE.reserved,
  unusable: EFI_TYPE.unusable,
  'acpi-reclaimable': EFI_TYPE.acpiReclaim,
  'acpi-nvs': EFI_TYPE.acpiNvs,
  persistent: EFI_TYPE.persistent,
};

/** A region's attribute mask when it carries one as hex text. */
export function attributesOf(region: BootRegion): bigint | undefined {
  const text = region.attributes;
  return text !== undefined && /^0x[0-9a-f]{1,16}$/i.test(text) ? BigInt(text) : undefined;
}

/** The EFI type to write for a region: its own when that still means its kind, else the kind's. */
export function uefiTypeFor(region: BootRegion, attributes: bigint): number | undefined {
  const raw = region.raw;
  const own = typeof raw === 'number' ? raw : typeof raw === 'string' ? uefiTypeFromName(raw) : undefined;
  if (own !== undefined && Number.isInteger(own) && own >= 0 && own <= 0xffffffff) {
    if (uefiTypeKind(own, attributes) === region.kind) return own;
  }
  const fallback = DEFAULT_TYPE[region.kind];
  return fallback !== undefined && uefiTypeKind(fallback, attributes) === region.kind ? fallback : undefined;
}
