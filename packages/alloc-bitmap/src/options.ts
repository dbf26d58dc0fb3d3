import { z } from 'zod';

/** The bitmap's options, validated where the allocator is created (never on the hot path). */
export const BitmapOptionsSchema = z.strictObject({
  /**
   * Keep each arena's bitmap in the arena's own first frames, marked used, as KeOS does. Needs
   * a frame space with contents ('dense', 'shared' or 'sparse'). The summary tree above the
   * bitmap stays in host memory.
   */
  metadataInFrames: z.boolean().default(false),
  /**
   * Next fit: start each search just after the previous allocation, wrapping around once,
   * instead of at the lowest address (first fit, the default).
   */
  nextFit: z.boolean().default(false),
});

export type BitmapOptions = z.input<typeof BitmapOptionsSchema>;
export type ResolvedBitmapOptions = z.output<typeof BitmapOptionsSchema>;
