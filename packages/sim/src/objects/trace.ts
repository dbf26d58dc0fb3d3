import { z } from 'zod';
import { formatJsonLines, parseJsonLines } from '../json-lines';

/*
 * An object trace is JSON Lines, one heap operation per line. Allocations get ids and every
 * later operation names its object by id, so a trace recorded on one heap replays on any other
 * (another strategy, MemPool) where the addresses differ.
 */

const id = z.number().int().nonnegative();
const owner = z.number().int().nonnegative().max(0xfffffffe).optional();
const size = z
  .number()
  .int()
  .positive()
  .max(2 ** 40);

/** `align` of `malloc` and `realloc`: bytes, a power of two. */
const align = z
  .number()
  .int()
  .positive()
  .max(2 ** 30)
  .refine((a) => (a & (a - 1)) === 0, 'a power of two')
  .optional();

export const HeapOpSchema = z.discriminatedUnion('op', [
  /** `malloc(size, { owner, align })`; `result` is the address the recorded heap returned (-1: exhausted). */
  z
    .object({
      op: z.literal('malloc'),
      id,
      size,
      owner,
      align,
      result: z.number().optional(),
    })
    .strict(),
  /** `free` of the object allocation `id` returned. */
  z.object({ op: z.literal('free'), id }).strict(),
  /** `realloc(…, size, { align })` of object `id`: it keeps its id. */
  z.object({ op: z.literal('realloc'), id, size, align, result: z.number().optional() }).strict(),
  /** Process `owner` exits: everything it holds goes (`releaseOwner`). */
  z.object({ op: z.literal('exit'), owner: z.number().int().nonnegative().max(0xfffffffe) }).strict(),
]);
export type HeapOp = z.infer<typeof HeapOpSchema>;

/** Parses JSON Lines of heap operations; a bad line throws `INVALID_REQUEST` naming the line and the reason. */
export function parseHeapTrace(text: string): HeapOp[] {
  return parseJsonLines(text, HeapOpSchema, 'heap trace', 'parseHeapTrace');
}

/** One line per operation. */
export function formatHeapTrace(ops: Iterable<HeapOp>): string {
  return formatJsonLines(ops);
}
