import { FrameError } from '@framekit/core';
import type { z } from 'zod';

/**
 * Parses JSON Lines against `schema`: blank lines and `#` comments are skipped, and a bad line
 * throws `INVALID_REQUEST` naming the line and the reason (`${what} line N: …`, `details.op` = `op`).
 * The one reader of frame traces and object traces.
 */
export function parseJsonLines<T>(text: string, schema: z.ZodType<T>, what: string, op: string): T[] {
  const ops: T[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '' || line.startsWith('#')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw lineError(what, op, n + 1, `not JSON (${(error as Error).message})`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw lineError(what, op, n + 1, `${issue.path.join('.') || 'operation'}: ${issue.message}`);
    }
    ops.push(parsed.data);
  }
  return ops;
}

/** One JSON value per line. */
export function formatJsonLines(ops: Iterable<unknown>): string {
  let out = '';
  for (const op of ops) out += `${JSON.stringify(op)}\n`;
  return out;
}

function lineError(what: string, op: string, line: number, reason: string): FrameError {
  return new FrameError('INVALID_REQUEST', `${what} line ${line}: ${reason}`, { op, line });
}
