import { z } from 'zod';

/** The buddy's options, validated where the allocator is created (never on the hot path). */
export const BuddyOptionsSchema = z.strictObject({
  /**
   * The largest block is `2^maxOrder` frames: 10 (4 MiB, Linux's `MAX_PAGE_ORDER` on x86-64)
   * by default, up to 18 (1 GiB). Orders 0 … maxOrder each keep a free list.
   */
  maxOrder: z.number().int().min(0).max(18).default(10),
  /**
   * Skip the checks that what `free`, `freeMany` and `freeRun` free is allocated (for a run,
   * one search per order it spans; for a frame, a look at the blocks above it). For a caller
   * that checks every free itself, as a router does for the strategies it creates in a zone
   * with caches: one check per operation, not one per layer. Never pass it where untrusted
   * callers free: a double free would corrupt the free lists.
   */
  trusted: z.boolean().default(false),
});

export type BuddyOptions = z.input<typeof BuddyOptionsSchema>;
export type ResolvedBuddyOptions = z.output<typeof BuddyOptionsSchema>;
