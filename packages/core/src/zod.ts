import { z } from 'zod/mini';
import type * as zc from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';

/*
 * Core's one way into zod: `zod/mini`, whose functions tree-shake, so a bundle carries only the
 * schemas it uses. `zod/mini` loads no messages of its own, so every parse goes through
 * `safeParse` below, which installs zod's English messages first when none are set: error messages read the same
 * whether or not the classic `zod` is also in the program. (A top-level `z.config` call would be
 * dropped by bundlers, since the package declares no side effects.)
 */
let messages = false;

/** `z.safeParse` with zod's English messages installed. */
export function safeParse<T extends zc.$ZodType>(
  schema: T,
  value: unknown,
): zc.util.SafeParseResult<zc.output<T>> {
  if (!messages) {
    // Only where no messages are set: a program that chose its own locale keeps it.
    if (z.config().localeError === undefined) z.config(en());
    messages = true;
  }
  return z.safeParse(schema, value);
}

export { z };
