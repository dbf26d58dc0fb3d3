import { z } from 'zod';

/** The buddy's options, validated where the allocator is created (never on the hot path). */
export const BuddyOptionsSchema = z.strictObject({
  /**
   * The largest block is `2^maxOrder` frames: 10 (4 MiB, Linux's `MAX_PAGE_ORDER` on x86-64)
   * by default, up to 18 (1 GiB). Orders 0 … maxOrder each keep a free list.
   */
  maxOrder: z.number().int().min(0).max(18).default(10),
});

export type BuddyOptions = z.input<typeof BuddyOptionsSchema>;
export type ResolvedBuddyOptions = z.output<typeof BuddyOptionsSchema>;
