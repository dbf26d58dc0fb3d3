import { type AllocatorCapabilities, DMA_LIMIT_PFN, MAX_PFN } from '@framekit/core';
import { z } from 'zod';
import { FRAMES_PER_ENTRY } from './layout';

/** 16 MiB in frames: ISA DMA's limit, the seed's low-memory boundary. */
export const DEFAULT_LOW_LIMIT = DMA_LIMIT_PFN;

export const Hier2mOptionsSchema = z.strictObject({
  /**
   * Frame number below which entries go on the low lists (a multiple of 512: whole 2 MiB
   * entries). Ordinary requests take low memory last; `below` requests at the limit take it first.
   */
  lowLimit: z
    .number()
    .int()
    .min(0)
    .max(MAX_PFN)
    .multipleOf(FRAMES_PER_ENTRY, { error: 'lowLimit must be a multiple of 512 frames (2 MiB)' })
    .default(DEFAULT_LOW_LIMIT),
});

export type Hier2mOptions = z.input<typeof Hier2mOptionsSchema>;

export const HIER2M_CAPABILITIES: AllocatorCapabilities = Object.freeze({
  runs: 'huge',
  below: true,
  freeRunPiecewise: false,
});
