import { MAX_PHYS_ADDR } from '../units';
import { z } from '../zod';
import { MAX_MAP_ADDR, REGION_KINDS } from './kinds';

export { KIND_RANK, MAX_MAP_ADDR, REGION_KINDS, type RegionKind } from './kinds';

/**
 * A whole number of bytes, not only a "safe" one: zod's `.int()` stops at 2^53, but firmware
 * reserves space up to 2^64. Past 2^53 numbers are whole pages (parsers widen them to 4 KiB).
 */
const byteCount = z.number().check(
  z.minimum(0),
  z.refine((n) => Number.isInteger(n), { message: 'expected a whole number of bytes' }),
);

export const BootRegionSchema = z
  .object({
    base: byteCount,
    length: byteCount,
    kind: z.enum(REGION_KINDS),
    /** The firmware's own type as it was written (`'ACPI NVS'`, `'type 20'`, `7`…). */
    raw: z.optional(z.union([z.string(), z.number()])),
    /** Firmware attributes (e.g. UEFI's 64-bit attribute mask, as hex text). */
    attributes: z.optional(z.string()),
  })
  .check(
    z.refine((r) => r.base + r.length <= MAX_MAP_ADDR, { message: 'region ends beyond 2^64' }),
    z.refine((r) => r.kind !== 'usable' || r.base + r.length <= MAX_PHYS_ADDR, {
      message: 'usable memory ends beyond 2^52 (the x86-64 physical address limit)',
    }),
  );
export type BootRegion = z.infer<typeof BootRegionSchema>;

export const BootMapSchema = z.object({
  regions: z.array(BootRegionSchema),
  /** The format it was parsed from, when it was parsed. */
  format: z.optional(z.string()),
});
export type BootMap = z.infer<typeof BootMapSchema>;
