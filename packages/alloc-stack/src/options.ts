import { z } from 'zod';
import { MAX_NODE_ENTRIES } from './layout';

/** The stack's options, validated where the allocator is created (never on the hot path). */
export const StackOptionsSchema = z.strictObject({
  /**
   * Free frame numbers per node, besides the node frame itself. Default: as many as fit in a
   * frame (1022, or 511 when frame numbers need two words). Small values exercise node
   * changes in tests.
   */
  nodeEntries: z.number().int().min(1).max(MAX_NODE_ENTRIES).optional(),
  /**
   * Keep the nodes inside the free frames when the space has contents (default), as a kernel
   * does. `false` keeps them in a typed array instead, leaving free frames' bytes untouched.
   */
  nodesInFrames: z.boolean().default(true),
});

export type StackOptions = z.input<typeof StackOptionsSchema>;
export type ResolvedStackOptions = z.output<typeof StackOptionsSchema>;
