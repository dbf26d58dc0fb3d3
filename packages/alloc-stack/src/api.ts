import type { AllocatorCapabilities, FrameAllocator, Pfn } from '@framekit/core';

/** Single frames and batches only; runs go to a bitmap the router layers under the stack. */
export const STACK_CAPABILITIES: AllocatorCapabilities = Object.freeze({
  runs: 'none',
  below: false,
  freeRunPiecewise: true,
});

/** A free-page stack: a `FrameAllocator` plus a look at where its nodes are. */
export interface StackAllocator extends FrameAllocator {
  /** True when the nodes live inside the free frames (the space has contents and the option allows it). */
  readonly nodesInFrames: boolean;
  /** Created with `trusted: true`: no used bits, the caller checks every free. */
  readonly trusted: boolean;
  /** Free frame numbers one node holds besides itself. */
  readonly nodeEntries: number;
  /** 32-bit words per entry: 1, or 2 when the managed frames reach frame 2^32 (16 TiB). */
  readonly entryWords: 1 | 2;
  /** Every maximal run of free frames, ascending; reads the used bits a word at a time. */
  forEachFreeRun(visit: (start: Pfn, count: number) => void): void;
  /**
   * The lowest frame of `[pfn, pfn + count)` not handed out here (free or a hole), or `NO_FRAME`:
   * the used bits a word at a time (`UNSUPPORTED` on a trusted stack, which has none).
   */
  firstNotAllocated(pfn: Pfn, count: number): Pfn;
  /** Where the stack is now: its top node's frame (`NO_FRAME` when empty), node count and frame count. */
  inspect(): StackState;
}

export interface StackState {
  /** The top node's frame, or `NO_FRAME` when no freed frame is on the stack. */
  readonly top: Pfn;
  /** Entries in the top node (every node below it is full). */
  readonly entriesInTop: number;
  /** Nodes on the stack. */
  readonly depth: number;
  /** Frames on the stack (nodes and entries). */
  readonly stacked: number;
  /** Frames never handed out yet, still waiting in their ranges behind the bump pointers. */
  readonly untouched: number;
}
