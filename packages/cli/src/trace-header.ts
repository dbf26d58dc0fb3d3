import type { BootMap } from '@framekit/core';

/**
 * The first line of a trace `framekit trace` writes: a comment (replay skips `#` lines) that
 * records what the trace was made from, so `framekit replay` runs it on the same map.
 */
export interface TraceHeader {
  /** A built-in map's name, or the map itself (our JSON boot-map form) for a file's map. */
  readonly map: string | BootMap;
  /** What the map is called: the preset's name or the file's path. */
  readonly mapName: string;
  readonly workload: string;
  readonly seed: number;
  readonly ops: number;
}

const PREFIX = '# framekit-trace ';

export function formatTraceHeader(header: TraceHeader): string {
  return `${PREFIX}${JSON.stringify(header)}\n`;
}

/**
 * The header of a trace's text, `undefined` when it has none (a trace from `recordTrace`);
 * a header that is not valid throws an Error naming what is wrong.
 */
export function parseTraceHeader(text: string): TraceHeader | undefined {
  if (!text.startsWith(PREFIX)) return undefined;
  const end = text.indexOf('\n');
  const line = text.slice(PREFIX.length, end === -1 ? undefined : end);
  let value: Partial<TraceHeader>;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error('trace line 1: the framekit-trace header is not JSON');
  }
  const mapOk =
    typeof value.map === 'string' ||
    (typeof value.map === 'object' && value.map !== null && Array.isArray((value.map as BootMap).regions));
  if (
    !mapOk ||
    typeof value.mapName !== 'string' ||
    typeof value.workload !== 'string' ||
    !Number.isSafeInteger(value.seed) ||
    !Number.isSafeInteger(value.ops)
  ) {
    throw new Error('trace line 1: the framekit-trace header needs map, mapName, workload, seed and ops');
  }
  return value as TraceHeader;
}
