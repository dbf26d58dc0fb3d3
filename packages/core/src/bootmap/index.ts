export { detectBootMapFormat } from './detect';
export {
  BOOT_MAP_FORMATS,
  type BootMapFormat,
  type ParseFormat,
  type ParseOptions,
} from './formats';
export { type E820EncodeOptions, encodeE820Records } from './formats/e820-raw';
export { E820_TYPE, e820TypeKind } from './formats/e820-types';
export { encodeLimineMemmap, limineTypeKind } from './formats/limine';
export { multibootTypeKind } from './formats/multiboot-types';
export { encodeMultiboot1MemoryMap } from './formats/multiboot1';
export { encodeMultiboot2MemoryMap, type Multiboot2EncodeOptions } from './formats/multiboot2';
export { encodeUefiMemoryMap, type UefiEncodeOptions } from './formats/uefi-bytes';
export { EFI_ATTRIBUTE_BITS, EFI_TYPE, uefiTypeKind } from './formats/uefi-types';
export {
  type ByteRange,
  isNormalizedBootMap,
  type NormalizedBootMap,
  type NormalizeOptions,
  normalizeBootMap,
} from './normalize';
export { parseBootMap } from './parse';
export {
  type BootMap,
  BootMapSchema,
  type BootRegion,
  BootRegionSchema,
  KIND_RANK,
  MAX_MAP_ADDR,
  REGION_KINDS,
  type RegionKind,
} from './schema';
