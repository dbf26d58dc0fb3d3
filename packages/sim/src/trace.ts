import { z } from 'zod';
import { formatJsonLines, parseJsonLines } from './json-lines';
import { PROGRAM, REGION_NAMES } from './program';

/*
 * A trace is JSON Lines, one operation per line. Allocations get ids, and frees name frames
 * by (allocation id, index) rather than by frame number, so a trace recorded on one
 * allocator replays on any other. A free of a frame the trace never handed out keeps the raw
 * frame number, so misuse replays exactly too.
 */

const id = z.number().int().nonnegative();
const owner = z.number().int().nonnegative().optional();
const count = z.number().int().positive();
const proc = z.number().int().nonnegative();

/** A frame named by the allocation that handed it out (`id`, `i`-th frame), or by raw number. */
export const FrameRefSchema = z.union([
  z.object({ id, i: z.number().int().nonnegative().default(0) }).strict(),
  z.object({ pfn: z.number() }).strict(),
]);
export type FrameRef = z.infer<typeof FrameRefSchema>;

export const TraceOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('alloc'), id, owner, result: z.number().optional() }).strict(),
  z.object({ op: z.literal('allocMany'), id, count, owner, result: z.boolean().optional() }).strict(),
  z
    .object({
      op: z.literal('allocRun'),
      id,
      count,
      align: count.optional(),
      below: z.number().int().nonnegative().optional(),
      owner,
      result: z.number().optional(),
    })
    .strict(),
  z.object({ op: z.literal('free'), ref: FrameRefSchema }).strict(),
  z.object({ op: z.literal('freeMany'), refs: z.array(FrameRefSchema) }).strict(),
  z.object({ op: z.literal('freeRun'), ref: FrameRefSchema, count }).strict(),
  /** A process exits: everything its owner id holds is freed, and its address space torn down. */
  z.object({ op: z.literal('exit'), owner: z.number().int().nonnegative() }).strict(),
  // Processes in address spaces (@framekit/vm): the owner id is the process id.
  /** A process starts the program in a fresh address space. */
  z.object({ op: z.literal('spawn'), owner: proc }).strict(),
  /** `owner` is born as a copy-on-write copy of `parent`. */
  z.object({ op: z.literal('fork'), owner: proc, parent: proc }).strict(),
  /** The process replaces its image with a fresh copy of the program, as `execve` does. */
  z.object({ op: z.literal('exec'), owner: proc }).strict(),
  /** The process reads or writes one page of a region: the CPU faults it in when needed. */
  z
    .object({
      op: z.literal('touch'),
      owner: proc,
      region: z.enum(REGION_NAMES),
      page: z.number().int().nonnegative(),
      write: z.boolean(),
    })
    .strict()
    .refine((t) => t.page < PROGRAM[t.region].pages, {
      path: ['page'],
      message: 'past the end of the region',
    }),
]);
export type TraceOp = z.infer<typeof TraceOpSchema>;

/** True when the trace runs processes in address spaces: its frame space needs contents. */
export function needsContents(ops: Iterable<TraceOp>): boolean {
  for (const op of ops) {
    if (op.op === 'spawn' || op.op === 'fork' || op.op === 'exec' || op.op === 'touch') return true;
  }
  return false;
}

/** Parses JSON Lines; a bad line throws `INVALID_REQUEST` naming the line and the reason. */
export function parseTrace(text: string): TraceOp[] {
  return parseJsonLines(text, TraceOpSchema, 'trace', 'parseTrace');
}

/** One line per operation, in a stable key order. */
export function formatTrace(ops: Iterable<TraceOp>): string {
  return formatJsonLines(ops);
}
