import { FrameError } from '@framekit/core';
import { z } from 'zod';

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

export const HeapOpSchema = z.discriminatedUnion('op', [
  /** `malloc(size, { owner, align })`; `result` is the address the recorded heap returned (-1: exhausted). */
  z
    .object({
      op: z.literal('malloc'),
      id,
      size,
      owner,
      align: z
        .number()
        .int()
        .positive()
        .max(2 ** 30)
        .refine((a) => (a & (a - 1)) === 0, 'a power of two')
        .optional(),
      result: z.number().optional(),
    })
    .strict(),
  /** `free` of the object allocation `id` returned. */
  z.object({ op: z.literal('free'), id }).strict(),
  /** `realloc` of object `id` to `size` bytes: it keeps its id. */
  z.object({ op: z.literal('realloc'), id, size, result: z.number().optional() }).strict(),
  /** Process `owner` exits: everything it holds goes (`releaseOwner`). */
  z.object({ op: z.literal('exit'), owner: z.number().int().nonnegative().max(0xfffffffe) }).strict(),
]);
export type HeapOp = z.infer<typeof HeapOpSchema>;

/** Parses JSON Lines of heap operations; a bad line throws `INVALID_REQUEST` naming the line and the reason. */
export function parseHeapTrace(text: string): HeapOp[] {
  const ops: HeapOp[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '' || line.startsWith('#')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw traceError(n + 1, `not JSON (${(error as Error).message})`);
    }
    const parsed = HeapOpSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw traceError(n + 1, `${issue.path.join('.') || 'operation'}: ${issue.message}`);
    }
    ops.push(parsed.data);
  }
  return ops;
}

/** One line per operation. */
export function formatHeapTrace(ops: Iterable<HeapOp>): string {
  let out = '';
  for (const op of ops) out += `${JSON.stringify(op)}\n`;
  return out;
}

function traceError(line: number, reason: string): FrameError {
  return new FrameError('INVALID_REQUEST', `heap trace line ${line}: ${reason}`, {
    op: 'parseHeapTrace',
    line,
  });
}
