import { safeParse } from '../../zod';
import { bootMapError } from '../parse-error';
import { type BootMap, BootMapSchema } from '../schema';

/** Our own form: `{ regions: [{ base, length, kind, raw?, attributes? }], format? }`, checked by `BootMapSchema`. */
export function parseJsonMap(text: string): BootMap {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw bootMapError('json', undefined, `not JSON: ${(error as Error).message}`);
  }
  const parsed = safeParse(BootMapSchema, value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw bootMapError('json', undefined, `${issue.path.join('.') || 'map'}: ${issue.message}`);
  }
  if (!parsed.data.regions.some((r) => r.kind === 'usable' && r.length > 0)) {
    throw bootMapError('json', undefined, 'the map has no usable memory');
  }
  return { ...parsed.data, format: parsed.data.format ?? 'json' };
}
