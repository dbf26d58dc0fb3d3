import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFrameError } from '../errors';
import { binaryForms } from './__fixtures__/binary-forms';
import { realMap, realMapFiles } from './__fixtures__/realdata';
import { BOOT_MAP_FORMATS, type ParseFormat } from './formats';
import { encodeUefiMemoryMap } from './formats/uefi-bytes';
import { normalizeBootMap } from './normalize';
import { parseBootMap } from './parse';
import { BootMapSchema } from './schema';

const FORMATS: readonly ParseFormat[] = ['auto', ...BOOT_MAP_FORMATS];

/**
 * The only failure a parser may have is a BAD_BOOT_MAP FrameError; whatever it returns is a
 * valid map with usable memory that normalizes without complaint.
 */
function parsesOrRefuses(input: string | Uint8Array, format: ParseFormat): void {
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

/** Pieces of every text format, so random text gets past the first checks. */
const TOKENS = [
  'BIOS-e820: ',
  'Xen: ',
  'user: ',
  '[mem ',
  '0x',
  '-',
  ' - ',
  ']',
  ' usable',
  ' reserved',
  ' ACPI NVS',
  ' type 20',
  ' (usable)',
  'persistent (type 12)',
  '(XEN)  ',
  '[',
  ', ',
  '0000000000100000',
  '000000000009fc00',
  'ffffffffffffffff',
  '10000000000000000',
  '0010000000000000',
  'fff',
  '9',
  '\n',
  ' ',
  '  ',
  'Type: ',
  'Usable',
  'Bootloader Reclaimable',
  'Start: ',
  'Size: ',
  '254MiB',
  '1.5KiB',
  'base: ',
  'length: ',
  'type: ',
  'entry_type: limine::memory_map::EntryType (0x0)',
  'Amount of entries: 2',
  'memory@0 {',
  'reserved-memory {',
  'reg = <',
  '0x40000000 ',
  '>',
  ';',
  '};',
  '{',
  '}',
  '#address-cells = <2>;',
  '#size-cells = <1>;',
  'no-map;',
  '/memreserve/ 0x1000 0x1000;',
  '/* c */',
  '"memory"',
  'device_type = ',
  'efi: mem00: [Conventional|',
  '   |  |WB|WT',
  '] range=[0x0000000000001000-0x0000000000001fff] (0MB)',
  'type=7, attr=0xf, range=[0x0-0x1000)',
  '00001000-0009ffff : System RAM',
  '00000000-00000fff : Reserved',
  'Kernel code',
  ' : ',
  'node   0: [mem 0x0000000000001000-0x000000000009efff]',
  '{"regions":[',
  '{"base":0,"length":4096,"kind":"usable"}',
  ']}',
  '(qemu) x/gx 0x90000',
  '00090000: 0x0000000000000000',
  '00090008: 0x000000000009fc00',
  '00090010: 0x0000000000000001',
  'base_addr = 0x0, length = 0x9fc00, type = 0x1',
  'available RAM',
  'Available  0000000000001000-0000000000001FFF 0000000000000001 000000000000000F',
  'BS_Data',
  '  Available :              1 Pages (4,096 Bytes)',
];

const tokenText = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((t) => t.join(''));

/** Small structured binaries: runs of u32 and u64 fields with telling values. */
const fieldBytes = fc
  .array(
    fc.oneof(
      fc
        .constantFrom(0, 1, 2, 5, 6, 7, 17, 20, 24, 48, 0x1000, 0x9fc00, 0xffffffff)
        .map((v) => ({ size: 4, v: BigInt(v) })),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => ({ size: 8, v })),
      fc.constantFrom(0n, 0x1000n, 0x100000n, 1n << 52n, 1n << 63n).map((v) => ({ size: 8, v })),
    ),
    { maxLength: 40 },
  )
  .map((fields) => {
    const out = new Uint8Array(fields.reduce((s, f) => s + f.size, 0));
    const view = new DataView(out.buffer);
    let at = 0;
    for (const f of fields) {
      if (f.size === 4) view.setUint32(at, Number(f.v), true);
      else view.setBigUint64(at, f.v, true);
      at += f.size;
    }
    return out;
  });

interface Mutation {
  readonly op: 'delete' | 'insert' | 'replace' | 'truncate' | 'duplicate-line' | 'drop-line';
  readonly at: number;
  readonly text: string;
}
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('delete', 'insert', 'replace', 'truncate', 'duplicate-line', 'drop-line'),
  at: fc.nat(),
  text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 3 })),
});

function mutateText(text: string, mutations: readonly Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    const lines = out.split('\n');
    const line = lines.length === 0 ? 0 : m.at % lines.length;
    switch (m.op) {
      case 'delete':
        out = out.slice(0, at) + out.slice(at + 1 + (m.at % 4));
        break;
      case 'insert':
        out = out.slice(0, at) + m.text + out.slice(at);
        break;
      case 'replace':
        out = out.slice(0, at) + m.text + out.slice(at + m.text.length);
        break;
      case 'truncate':
        out = out.slice(0, at);
        break;
      case 'duplicate-line':
        lines.splice(line, 0, lines[line]);
        out = lines.join('\n');
        break;
      case 'drop-line':
        lines.splice(line, 1);
        out = lines.join('\n');
        break;
    }
  }
  return out;
}

function mutateBytes(
  bytes: Uint8Array,
  mutations: readonly { at: number; value: number; op: number }[],
): Uint8Array {
  let out = bytes.slice();
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.op === 0) out[at] = m.value;
    else if (m.op === 1) out = out.slice(0, at);
    else if (m.op === 2) {
      const grown = new Uint8Array(out.length + 1 + (m.value % 8));
      grown.set(out);
      out = grown;
    } else {
      // Overwrite a 32-bit field with a telling value (a size, a type, a count).
      const value = [0, 1, 6, 17, 20, 24, 40, 0xffffffff][m.value % 8];
      if (at + 4 <= out.length)
        new DataView(out.buffer, out.byteOffset).setUint32(at - (at % 4), value, true);
    }
  }
  return out;
}

describe('fuzzing every parser: the only failure is BAD_BOOT_MAP', () => {
  it('random text built from the formats’ own pieces', () => {
    fc.assert(
      fc.property(tokenText, fc.constantFrom(...FORMATS), (text, format) => parsesOrRefuses(text, format)),
      { numRuns: 1500 },
    );
  });

  it('random strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.constantFrom(...FORMATS), (text, format) =>
        parsesOrRefuses(text, format),
      ),
      { numRuns: 500 },
    );
  });

  it('random bytes and random firmware-like fields', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 256 }), fieldBytes),
        fc.constantFrom(...FORMATS),
        (bytes, format) => parsesOrRefuses(bytes, format),
      ),
      { numRuns: 1500 },
    );
  });

  const files = realMapFiles();
  it('mutated real maps', () => {
    const texts = files.map((f) => realMap(f));
    fc.assert(
      fc.property(
        fc.constantFrom(...texts.keys()),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        fc.constantFrom<ParseFormat>('auto', 'auto', ...BOOT_MAP_FORMATS),
        (index, mutations, format) => parsesOrRefuses(mutateText(texts[index], mutations), format),
      ),
      { numRuns: 1000 },
    );
  });

  it('mutated binary encodings of a real map', () => {
    const map = parseBootMap(realMap('e820/tablet-airis-winpad-atom-2g-i686pae.dmesg'));
    const paged = parseBootMap(realMap('uefi-memmap/rpi4-2g-edk2-uefi-shell-memmap.txt'));
    const encodings: [ParseFormat, Uint8Array][] = [
      ...binaryForms(map),
      ['uefi', encodeUefiMemoryMap(paged)],
      ['uefi', encodeUefiMemoryMap(paged, { descriptorSize: 40 })],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...encodings.keys()),
        fc.array(fc.record({ at: fc.nat(), value: fc.nat({ max: 255 }), op: fc.nat({ max: 3 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.boolean(),
        (index, mutations, auto) => {
          const [format, bytes] = encodings[index];
          parsesOrRefuses(mutateBytes(bytes, mutations), auto ? 'auto' : format);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
