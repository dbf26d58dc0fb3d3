import type { AllocatorCapabilities } from '@framekit/core';
import { z } from 'zod';

export const DEFAULT_MAX_WORKERS = 64;

export const LLFreeOptionsSchema = z.strictObject({
  /** Worker slots in the shared state: how many handles (threads) may be attached at once. */
  maxWorkers: z.number().int().min(1).max(4096).default(DEFAULT_MAX_WORKERS),
});

export type LLFreeOptions = z.input<typeof LLFreeOptionsSchema>;

/** 2 MiB pages as runs (plus word-sized runs, which the router does not ask for), no `below`, runs returned whole. */
export const LLFREE_CAPABILITIES: AllocatorCapabilities = Object.freeze({
  runs: 'huge',
  below: false,
  freeRunPiecewise: false,
});
