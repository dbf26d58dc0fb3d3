import { describe, expect, it } from 'vitest';
import { isFrameError } from '../errors';
import { BOOT_MAP_FORMATS, type ParseFormat } from './formats';
import { normalizeBootMap } from './normalize';
import { parseBootMap } from './parse';
import { BootMapSchema } from './schema';
import { MAX_LINE_CHARS } from './text';

// The boot-map fuzzer's pathological part. It lives beside fuzz.test.ts in its own file
// because it needs no real maps: it runs even where the real-data fixtures are absent.

const FORMATS: readonly ParseFormat[] = ['auto', ...BOOT_MAP_FORMATS];

/** As in fuzz.test.ts: a valid map with usable memory, or a BAD_BOOT_MAP FrameError. */
function parsesOrRefuses(input: string, format: ParseFormat): void {
  let map: ReturnType<typeof parseBootMap>;
  try {
    map = parseBootMap(input, format);
  } catch (error) {
    if (isFrameError(error, 'BAD_BOOT_MAP')) return;
    throw error;
  }
  expect(BootMapSchema.safeParse(map).success).toBe(true);
  expect(map.regions.some((r) => r.kind === 'usable')).toBe(true);
  normalizeBootMap(map, { preset: 'linux-x86' });
}

/*
 * Pathological input (issue 21, bug 6): a boot map is untrusted, so parsing must be linear in
 * its size. Each pattern grows with `n`; a line-based pattern is repeated over lines so that
 * both the line and the input double. The check is a ratio measured side by side — doubling
 * the input may at most roughly double the time (3x allowed for noise; quadratic work gives 4x),
 * never a fixed limit.
 */
const PATHOLOGICAL: readonly {
  name: string;
  formats: readonly ParseFormat[];
  make: (n: number) => string;
}[] = [
  {
    name: 'repeated EFI prefixes (the issue)',
    formats: ['auto', 'uefi'],
    make: (n) => 'mem0: ['.repeat(n / 7),
  },
  {
    name: 'an EFI type list without its end',
    formats: ['uefi'],
    make: (n) => `efi: mem07: [${'WB|'.repeat(n / 3)} range=[0x0-0x1`,
  },
  {
    name: 'repeated old EFI lines',
    formats: ['uefi'],
    make: (n) => 'efi: mem01: type=7, attr=0xf, '.repeat(n / 30),
  },
  {
    name: 'a long EFI shell type name',
    formats: ['auto', 'uefi'],
    make: (n) => `${'A'.repeat(n)} 00000000-00000fff 1 f`,
  },
  {
    name: 'blanks inside an iomem name',
    formats: ['auto', 'iomem'],
    make: (n) => `00000000-0000ffff : a${' '.repeat(n)}b`,
  },
  { name: 'deep iomem indentation', formats: ['iomem'], make: (n) => `${' '.repeat(n)}0-1 : x` },
  {
    name: 'blanks inside a multiboot type name',
    formats: ['auto', 'multiboot1'],
    make: (n) => `base_addr = 0x0, length = 0x1000, a${' '.repeat(n)}b`,
  },
  {
    name: 'repeated multiboot prefixes',
    formats: ['multiboot2'],
    make: (n) => 'base_addr = 0x0, length = '.repeat(n / 26),
  },
  {
    name: 'repeated e820 sources',
    formats: ['auto', 'e820'],
    make: (n) => 'BIOS-e820: user: '.repeat(n / 17),
  },
  { name: 'repeated e820 ranges', formats: ['e820'], make: (n) => 'BIOS-e820: [mem 0x'.repeat(n / 18) },
  {
    name: 'a long e820 type',
    formats: ['e820'],
    make: (n) => `BIOS-e820: [mem 0x0-0xfff] ${'usable '.repeat(n / 7)}`,
  },
  {
    name: 'a long legacy e820 end',
    formats: ['e820-legacy'],
    make: (n) => `BIOS-e820: 00000000 - ${'0'.repeat(n)}`,
  },
  { name: 'an open Xen range', formats: ['e820'], make: (n) => `(XEN)  [${' '.repeat(n)}` },
  {
    name: 'repeated memblock prefixes',
    formats: ['auto', 'memblock'],
    make: (n) => 'node 0: [mem '.repeat(n / 13),
  },
  {
    name: 'repeated Limine pairs',
    formats: ['auto', 'limine'],
    make: (n) => 'base: 0x0, length: '.repeat(n / 19),
  },
  {
    name: 'an open Limine parenthesis',
    formats: ['limine'],
    make: (n) => `Start: 0x0, Size: 4KiB, Type: (${' '.repeat(n)}`,
  },
  {
    name: 'a long QEMU dump line',
    formats: ['auto', 'e820-raw'],
    make: (n) => `00090000: ${'0x0 '.repeat(n / 4)}z`,
  },
  { name: 'a long QEMU command', formats: ['e820-raw'], make: (n) => `(qemu) xp /${'0'.repeat(n)}` },
  { name: 'HTML breaks left open', formats: ['e820'], make: (n) => `<br${' '.repeat(n)}` },
];

/** Line-based patterns: lines of `n` characters (under MAX_LINE_CHARS), as many as fill `size`. */
function lines(make: (n: number) => string, n: number, size: number): string {
  const line = make(n);
  return `${line}\n`.repeat(Math.max(1, Math.round(size / (line.length + 1))));
}

/** Whole-text formats: the pattern itself at `n` characters. */
const WHOLE_TEXT: readonly { name: string; format: ParseFormat; make: (n: number) => string }[] = [
  { name: 'a device-tree node name', format: 'devicetree', make: (n) => `/ { memory@${'0'.repeat(n)}` },
  {
    name: 'a device-tree cell list left open',
    format: 'devicetree',
    make: (n) => `/ { reg = <${' 0x1'.repeat(n / 4)}`,
  },
  { name: 'nested device-tree comments', format: 'auto', make: (n) => `/* ${'/*'.repeat(n / 2)}` },
  {
    name: 'an open device-tree string',
    format: 'devicetree',
    make: (n) => `/ { model = "${'\\"'.repeat(n / 2)}`,
  },
  {
    name: 'a one-line JSON map with many regions',
    format: 'auto',
    make: (n) =>
      `{"regions":[${'{"base":0,"length":4096,"kind":"usable"},'.repeat(n / 41)}{"base":0,"length":4096,"kind":"usable"}]}`,
  },
  { name: 'one line over the limit (the issue)', format: 'auto', make: (n) => 'mem0: ['.repeat(n / 7) },
];

function parseQuietly(input: string, format: ParseFormat): void {
  try {
    parseBootMap(input, format);
  } catch (error) {
    if (!isFrameError(error, 'BAD_BOOT_MAP')) throw error;
  }
}

/**
 * The fastest of `runs` parses of each input, measured alternately so that drift hits both: on
 * a busy machine the fastest run is the one least disturbed, so its ratio is the steadiest.
 */
function fastestTimes(inputs: readonly string[], format: ParseFormat, runs = 7): number[] {
  const times = inputs.map(() => [] as number[]);
  for (const input of inputs) parseQuietly(input, format); // warm up
  for (let r = 0; r < runs; r++) {
    inputs.forEach((input, i) => {
      const t0 = performance.now();
      parseQuietly(input, format);
      times[i].push(performance.now() - t0);
    });
  }
  return times.map((t) => Math.min(...t));
}

/** Linear work doubles with the input; quadratic work gives about 4x. The limit sits between. */
const LIMIT = 3;

/**
 * Time(2x input) / time(1x input), the fastest of seven runs each. On a shared machine one
 * measurement can be pushed over by noise, so it is taken up to five times and the best
 * ratio kept: quadratic work gives about 4x every time, and no retry hides that.
 */
function doublingRatio(small: string, large: string, format: ParseFormat): number {
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 5 && best > LIMIT; attempt++) {
    const [a, b] = fastestTimes([small, large], format);
    best = Math.min(best, b / Math.max(a, 0.05));
  }
  return best;
}

describe('pathological input is parsed in linear time, or refused', () => {
  it('every pattern gives a map or BAD_BOOT_MAP, in every format', () => {
    for (const p of PATHOLOGICAL) {
      for (const format of FORMATS) parsesOrRefuses(lines(p.make, 2000, 20_000), format);
    }
    for (const p of WHOLE_TEXT) for (const format of FORMATS) parsesOrRefuses(p.make(20_000), format);
  });

  it('a line longer than MAX_LINE_CHARS is refused with BAD_BOOT_MAP, naming it', () => {
    const map = 'BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n';
    const long = `${map}${'x'.repeat(MAX_LINE_CHARS + 1)}\n${map}`;
    for (const format of ['auto', 'e820'] as const) {
      let error: unknown;
      try {
        parseBootMap(long, format);
      } catch (e) {
        error = e;
      }
      expect(isFrameError(error, 'BAD_BOOT_MAP')).toBe(true);
      expect((error as { details: { line: number } }).details.line).toBe(2);
    }
    // At the limit it is only a line that is not a map line.
    expect(parseBootMap(`${map}${'x'.repeat(MAX_LINE_CHARS)}\n`).regions).toHaveLength(1);
  });

  // Lines of 1800 then 3600 characters (the line doubles), filling 200 then 400 KB.
  it.each(PATHOLOGICAL.map((p) => [p.name, p] as const))(
    '%s: doubling the input at most ~doubles the time',
    (_, p) => {
      for (const format of p.formats) {
        const ratio = doublingRatio(lines(p.make, 1800, 200_000), lines(p.make, 3600, 400_000), format);
        expect(ratio, `${p.name} as ${format}`).toBeLessThanOrEqual(LIMIT);
      }
    },
  );

  it.each(WHOLE_TEXT.map((p) => [p.name, p] as const))(
    '%s: doubling the input at most ~doubles the time',
    (_, p) => {
      const ratio = doublingRatio(p.make(200_000), p.make(400_000), p.format);
      expect(ratio, p.name).toBeLessThanOrEqual(LIMIT);
    },
  );

  it('many map lines: doubling them at most ~doubles the time', () => {
    const line = (i: number) =>
      `[    0.000000] BIOS-e820: [mem 0x${(i * 0x2000).toString(16).padStart(16, '0')}-0x${(i * 0x2000 + 0xfff).toString(16).padStart(16, '0')}] usable\n`;
    const text = (count: number) => Array.from({ length: count }, (_, i) => line(i)).join('');
    expect(doublingRatio(text(2000), text(4000), 'auto')).toBeLessThanOrEqual(LIMIT);
  });
});
