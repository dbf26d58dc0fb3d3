import { defineOptions, optionChecks } from '@framekit/core/plugin';
import { MAX_NODE_ENTRIES } from './layout';

/** The stack's options after validation, defaults filled in. */
export interface ResolvedStackOptions {
  /**
   * Free frame numbers per node, besides the node frame itself. Default: as many as fit in a
   * frame (1022, or 511 when frame numbers need two words). Small values exercise node
   * changes in tests.
   */
  readonly nodeEntries?: number;
  /**
   * Keep the nodes inside the free frames when the space has contents (default), as a kernel
   * does. `false` keeps them in a typed array instead, leaving free frames' bytes untouched.
   */
  readonly nodesInFrames: boolean;
  /**
   * The caller checks every free before it reaches the stack (default false). A router that
   * tracks the frames it handed out passes `true` for a stack cache it creates, so that each
   * operation is checked once, not once per layer: the stack then keeps no used bits (no
   * double-free check of its own, and a cache starts empty in time proportional to its
   * ranges). `isFree` and `forEachFreeRun` then walk the stack (slow paths, for metrics).
   * Never pass it where untrusted callers free frames.
   */
  readonly trusted: boolean;
}

/** The stack's options as given: every one optional. */
export type StackOptions = Partial<ResolvedStackOptions>;

/**
 * The stack's options schema, validated where the allocator is created (never on the hot
 * path). A Standard Schema written by hand, with zod's wording, so that a stack-only program
 * does not load zod: `{ nodeEntries?: int in [1, MAX_NODE_ENTRIES], nodesInFrames = true,
 * trusted = false }`, no other keys.
 */
export const StackOptionsSchema = defineOptions<ResolvedStackOptions, StackOptions>((input, issue) => {
  optionChecks.strict(input, ['nodeEntries', 'nodesInFrames', 'trusted'], issue);
  const nodeEntries = optionChecks.integer(input, 'nodeEntries', 1, MAX_NODE_ENTRIES, issue);
  return {
    ...(nodeEntries !== undefined && { nodeEntries }),
    nodesInFrames: optionChecks.boolean(input, 'nodesInFrames', true, issue),
    trusted: optionChecks.boolean(input, 'trusted', false, issue),
  };
});
