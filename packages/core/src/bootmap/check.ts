import { received } from '../options';
import { MAX_PHYS_ADDR } from '../units';
import { MAX_MAP_ADDR, REGION_KINDS } from './kinds';
import type { BootMap } from './schema';

/** The first problem with a boot map: where (zod's path) and what (zod's wording). */
export interface BootMapIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

const KIND_MESSAGE = `Invalid option: expected one of ${REGION_KINDS.map((k) => `"${k}"`).join('|')}`;
const KINDS: readonly string[] = REGION_KINDS;

/**
 * The first issue `BootMapSchema.safeParse(map)` reports, or `undefined` when it accepts the
 * map — the same rules and the same first issue, written by hand so that the normalizer (and
 * with it `createFrameSpace`) does not load zod. A property test holds it to the schema.
 */
export function firstBootMapIssue(map: unknown): BootMapIssue | undefined {
  if (!isObject(map)) return typeIssue([], 'object', map);
  const regions = map.regions;
  if (!Array.isArray(regions)) return typeIssue(['regions'], 'array', regions);
  for (let i = 0; i < regions.length; i++) {
    const issue = regionIssue(regions[i], ['regions', i]);
    if (issue) return issue;
  }
  if (map.format !== undefined && typeof map.format !== 'string') {
    return typeIssue(['format'], 'string', map.format);
  }
  return undefined;
}

/** Narrows a map `firstBootMapIssue` accepted. */
export function isValidBootMap(map: unknown): map is BootMap {
  return firstBootMapIssue(map) === undefined;
}

function regionIssue(region: unknown, path: readonly (string | number)[]): BootMapIssue | undefined {
  if (!isObject(region)) return typeIssue(path, 'object', region);
  const issue =
    byteCountIssue(region.base, [...path, 'base']) ??
    byteCountIssue(region.length, [...path, 'length']) ??
    (typeof region.kind === 'string' && KINDS.includes(region.kind)
      ? undefined
      : { path: [...path, 'kind'], message: KIND_MESSAGE }) ??
    (region.raw === undefined || typeof region.raw === 'string' || Number.isFinite(region.raw)
      ? undefined
      : { path: [...path, 'raw'], message: 'Invalid input' }) ??
    (region.attributes === undefined || typeof region.attributes === 'string'
      ? undefined
      : typeIssue([...path, 'attributes'], 'string', region.attributes));
  if (issue) return issue;
  const end = (region.base as number) + (region.length as number);
  if (end > MAX_MAP_ADDR) return { path, message: 'region ends beyond 2^64' };
  if (region.kind === 'usable' && end > MAX_PHYS_ADDR) {
    return { path, message: 'usable memory ends beyond 2^52 (the x86-64 physical address limit)' };
  }
  return undefined;
}

function byteCountIssue(value: unknown, path: readonly (string | number)[]): BootMapIssue | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return typeIssue(path, 'number', value);
  if (value < 0) return { path, message: 'Too small: expected number to be >=0' };
  if (!Number.isInteger(value)) return { path, message: 'expected a whole number of bytes' };
  return undefined;
}

function typeIssue(path: readonly (string | number)[], expected: string, value: unknown): BootMapIssue {
  return { path, message: `Invalid input: expected ${expected}, received ${received(value)}` };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
