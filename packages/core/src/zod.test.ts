import { expect, it } from 'vitest';
import { safeParse, z } from './zod';

it("keeps a program's own zod locale, and gives English messages where none is set", () => {
  const before = z.config().localeError;
  try {
    z.config({ localeError: () => 'mine' });
    const mine = safeParse(z.number(), 'x');
    expect(mine.success).toBe(false);
    expect(mine.error?.issues[0].message).toBe('mine');
  } finally {
    z.config({ localeError: before });
  }
});
