import type { BootMapFormat } from './formats';
import { bootMapError, hexBig, type Where } from './parse-error';
import type { BootMap, BootRegion, RegionKind } from './schema';

export const TWO_64 = 1n << 64n;
const TWO_52 = 1n << 52n;
const TWO_53 = 1n << 53n;
const PAGE_MASK = 0xfffn;

/**
 * Collects a parser's regions, checking each against the limits every map shares: nothing
 * starts or ends beyond 2^64, no end comes before its start, usable memory stays below 2^52.
 * Firmware gives 64-bit values; they become exact numbers here.
 */
export class RegionSink {
  readonly format: BootMapFormat;
  readonly regions: BootRegion[] = [];

  constructor(format: BootMapFormat) {
    this.format = format;
  }

  fail(where: Where, reason: string): Error {
    return bootMapError(this.format, where, reason);
  }

  /** Adds `[start, end)`; empty ranges are dropped, as Linux's sanitizer drops them. */
  add(
    where: Where,
    start: bigint,
    end: bigint,
    kind: RegionKind,
    raw?: string | number,
    attributes?: string,
  ): void {
    if (start >= TWO_64) throw this.fail(where, `start ${hexBig(start)} is beyond 2^64`);
    if (end < start) throw this.fail(where, `end ${hexBig(end)} is before start ${hexBig(start)}`);
    if (end > TWO_64) throw this.fail(where, `end ${hexBig(end)} is beyond 2^64`);
    if (end === start) return;
    if (kind === 'usable' && end > TWO_52) {
      throw this.fail(
        where,
        `usable memory ${hexBig(start)}-${hexBig(end - 1n)} reaches beyond 2^52, the x86-64 physical address limit`,
      );
    }
    let lo = start;
    let hi = end;
    if (hi > TWO_53) {
      // Past 2^53 not every integer is a number; whole 4 KiB pages below 2^64 all are, so
      // (non-usable) space up there is widened to page boundaries and stays exact.
      lo &= ~PAGE_MASK;
      hi = (hi + PAGE_MASK) & ~PAGE_MASK;
    }
    const base = Number(lo);
    const region: BootRegion = { base, length: Number(hi) - base, kind };
    if (raw !== undefined) region.raw = raw;
    if (attributes !== undefined) region.attributes = attributes;
    this.regions.push(region);
  }

  /** The map; one without any usable memory is an error, not an empty allocator. */
  finish(): BootMap {
    if (!this.regions.some((r) => r.kind === 'usable')) {
      throw this.fail(
        undefined,
        this.regions.length === 0 ? 'no memory regions found' : 'the map has no usable memory',
      );
    }
    return { format: this.format, regions: this.regions };
  }
}
