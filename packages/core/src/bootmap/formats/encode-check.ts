import { FrameError } from '../../errors';
import { safeParse } from '../../zod';
import { type BootMap, BootMapSchema, type BootRegion } from '../schema';

/** Validates a map handed to an encoder and returns its non-empty regions. */
export function regionsToEncode(op: string, map: BootMap): BootRegion[] {
  const parsed = safeParse(BootMapSchema, map);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FrameError('BAD_BOOT_MAP', `${op}: ${issue.path.join('.') || 'map'}: ${issue.message}`, {
      op,
      path: issue.path,
    });
  }
  return parsed.data.regions.filter((r) => r.length > 0);
}

/** The format has no type for this region's kind. */
export function cannotEncode(op: string, format: string, region: BootRegion, index: number): FrameError {
  return new FrameError(
    'INVALID_REQUEST',
    `${op}: region ${index} is '${region.kind}', which ${format} has no type for`,
    { op, index, kind: region.kind },
  );
}

/** Exact 64-bit values of a region (numbers from a valid map are integers, so this is lossless). */
export function regionBounds(region: BootRegion): { base: bigint; length: bigint } {
  return { base: BigInt(region.base), length: BigInt(region.length) };
}
