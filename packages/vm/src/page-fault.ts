import { formatVa } from './address';
import type { Access } from './api';

/**
 * Why a CPU-like access failed: no region and no mapping (`NOT_MAPPED`, SIGSEGV), a mapping
 * or region that forbids the access (`PROTECTION`, SIGSEGV), no frame left to resolve the
 * fault (`NO_MEMORY`), or a mapping of a frame the frame space holds no bytes for
 * (`BUS_ERROR`, SIGBUS).
 */
export type PageFaultCode = 'NOT_MAPPED' | 'PROTECTION' | 'NO_MEMORY' | 'BUS_ERROR';

/** Thrown by `read`/`write` when an access cannot complete; `address` is the first byte that faulted. */
export class PageFault extends Error {
  override readonly name = 'PageFault';
  readonly code: PageFaultCode;
  readonly address: number;
  readonly access: Access;

  constructor(code: PageFaultCode, address: number, access: Access, why: string) {
    super(`[${code}] ${access} at ${formatVa(address)}: ${why}`);
    this.code = code;
    this.address = address;
    this.access = access;
  }
}

/** True when `error` is a `PageFault` (with `code`, when given). Works across bundle copies. */
export function isPageFault(error: unknown, code?: PageFaultCode): error is PageFault {
  return (
    error instanceof Error &&
    error.name === 'PageFault' &&
    typeof (error as PageFault).code === 'string' &&
    (code === undefined || (error as PageFault).code === code)
  );
}
