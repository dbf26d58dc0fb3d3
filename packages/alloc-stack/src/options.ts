import { z } from 'zod/mini';
import { MAX_NODE_ENTRIES } from './layout';

/** The stack's options, validated where the allocator is created (never on the hot path). */
export const StackOptionsSchema = z.strictObject({
  /**
   * Free frame numbers per node, besides the node frame itself. Default: as many as fit in a
   * frame (1022, or 511 when frame numbers need two words). Small values exercise node
   * changes in tests.
   */
  nodeEntries: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_NODE_ENTRIES))),
  /**
   * Keep the nodes inside the free frames when the space has contents (default), as a kernel
   * does. `false` keeps them in a typed array instead, leaving free frames' bytes untouched.
   */
  nodesInFrames: z._default(z.boolean(), true),
  /**
   * The caller checks every free before it reaches the stack (default false). A router that
   * tracks the frames it handed out passes `true` for a stack cache it creates, so that each
   * operation is checked once, not once per layer: the stack then keeps no used bits (no
   * double-free check of its own, and a cache starts empty in time proportional to its
   * ranges). `isFree` and `forEachFreeRun` then walk the stack (slow paths, for metrics).
   * Never pass it where untrusted callers free frames.
   */
  trusted: z._default(z.boolean(), false),
});

export type StackOptions = z.input<typeof StackOptionsSchema>;
export type ResolvedStackOptions = z.output<typeof StackOptionsSchema>;
