export {
  formatVa,
  HIGHER_HALF_START,
  HUGE_PAGE_SIZE,
  isCanonical,
  LOWER_HALF_END,
  PAGE_SIZE,
  vaFromBigInt,
  vaToBigInt,
} from './address';
export { AddressSpace } from './address-space';
export {
  type Access,
  type AddressSpaceStats,
  FaultResult,
  type ForkBehaviour,
  MAP_FAILED,
  type MmapOptions,
  Pte,
  type Region,
  type Translation,
  type VmapContent,
} from './api';
export { MemoryFile } from './memory-file';
export { MMAP_BASE } from './mmap';
export { isPageFault, PageFault, type PageFaultCode } from './page-fault';
