import { z } from 'zod';

/** The buddy's options, validated where the allocator is created (never on the hot path). */
export const BuddyOptionsSchema = z.strictObject({
  /**
   * The largest block is `2^maxOrder` frames: 10 (4 MiB, Linux's `MAX_PAGE_ORDER` on x86-64)
   * by default, up to 18 (1 GiB). Orders 0 … maxOrder each keep a free list.
   */
  maxOrder: z.number().int().min(0).max(18).default(10),
  /**
   * Skip the check that a run freed with `freeRun` is wholly allocated (one search per order
   * the run spans). For a caller that checks every free itself, as a router does for the
   * strategies it creates in a zone with caches: one check per operation, not one per layer.
   * A single frame's free stays checked (its merge reads the same bits). Never pass it where
   * untrusted callers free runs: a run with a free frame in it would corrupt the free lists.
   */
  trusted: z.boolean().default(false),
});

export type BuddyOptions = z.input<typeof BuddyOptionsSchema>;
export type ResolvedBuddyOptions = z.output<typeof BuddyOptionsSchema>;
