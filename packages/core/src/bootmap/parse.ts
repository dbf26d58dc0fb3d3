import { FrameError } from '../errors';
import { decodeText, looksLikeText } from './bytes';
import { detectBinaryFormat, detectTextFormat } from './detect';
import { BOOT_MAP_FORMATS, type BootMapFormat, type ParseFormat, type ParseOptions } from './formats';
import { parseDevicetree } from './formats/devicetree';
import { parseE820Records, parseQemuE820Dump } from './formats/e820-raw';
import { parseE820Text } from './formats/e820-text';
import { parseIomem } from './formats/iomem';
import { parseJsonMap } from './formats/json';
import { parseLimineEntries, parseLimineText } from './formats/limine';
import { parseMemblock } from './formats/memblock';
import { parseMultibootText } from './formats/multiboot-text';
import { parseMultiboot1 } from './formats/multiboot1';
import { parseMultiboot2 } from './formats/multiboot2';
import { parseUefiDescriptors } from './formats/uefi-bytes';
import { parseUefiText } from './formats/uefi-text';
import { bootMapError } from './parse-error';
import type { BootMap } from './schema';
import { firstLongLine, MAX_LINE_CHARS, splitLines } from './text';

function checkOptions(options: ParseOptions): void {
  const bad = (name: string, value: unknown): never => {
    throw new FrameError('INVALID_REQUEST', `parseBootMap: option ${name} ${String(value)} is not valid`, {
      op: 'parseBootMap',
      [name]: value,
    });
  };
  if (options.recordSize !== undefined && options.recordSize !== 20 && options.recordSize !== 24) {
    bad('recordSize', options.recordSize);
  }
  if (options.descriptorSize !== undefined && !Number.isSafeInteger(options.descriptorSize)) {
    bad('descriptorSize', options.descriptorSize);
  }
  if (options.descriptorVersion !== undefined && !Number.isSafeInteger(options.descriptorVersion)) {
    bad('descriptorVersion', options.descriptorVersion);
  }
}

function parseText(text: string, format: BootMapFormat): BootMap {
  if (format === 'json') return parseJsonMap(text);
  if (format === 'devicetree') return parseDevicetree(text);
  const lines = splitLines(text);
  const long = firstLongLine(lines);
  if (long !== undefined) {
    throw bootMapError(
      format,
      { line: long.number },
      `the line has ${long.text.length} characters; map lines have at most ${MAX_LINE_CHARS}`,
    );
  }
  switch (format) {
    case 'e820':
    case 'e820-legacy':
      return parseE820Text(lines, format === 'e820-legacy');
    case 'e820-raw':
      return parseQemuE820Dump(lines);
    case 'multiboot1':
    case 'multiboot2':
      return parseMultibootText(lines, format);
    case 'limine':
      return parseLimineText(lines);
    case 'uefi':
      return parseUefiText(lines);
    case 'iomem':
      return parseIomem(lines);
    case 'memblock':
      return parseMemblock(lines);
  }
}

function parseBinary(bytes: Uint8Array, format: BootMapFormat, options: ParseOptions): BootMap {
  switch (format) {
    case 'e820':
    case 'e820-raw':
      return parseE820Records(bytes, options.recordSize);
    case 'multiboot1':
      return parseMultiboot1(bytes);
    case 'multiboot2':
      return parseMultiboot2(bytes);
    case 'limine':
      return parseLimineEntries(bytes);
    case 'uefi':
      return parseUefiDescriptors(bytes, options.descriptorSize, options.descriptorVersion);
    default:
      throw bootMapError(format, { offset: 0 }, 'this format is text; the bytes are not');
  }
}

/**
 * Reads a firmware memory map: text as kernels, bootloaders and firmware shells print it,
 * or the binary structures themselves. `'auto'` (the default) tells the format from the
 * content; text given as bytes is decoded as UTF-8. Bad input throws a `FrameError` with
 * code `BAD_BOOT_MAP` naming the format, the line or byte offset, and the reason; so does
 * a map without usable memory.
 */
export function parseBootMap(
  input: string | Uint8Array,
  format: ParseFormat = 'auto',
  options: ParseOptions = {},
): BootMap {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new FrameError('INVALID_REQUEST', 'parseBootMap: input must be a string or a Uint8Array', {
      op: 'parseBootMap',
    });
  }
  if (format !== 'auto' && !(BOOT_MAP_FORMATS as readonly string[]).includes(format)) {
    throw new FrameError(
      'INVALID_REQUEST',
      `parseBootMap: unknown format '${String(format)}' (one of auto, ${BOOT_MAP_FORMATS.join(', ')})`,
      { op: 'parseBootMap', format },
    );
  }
  checkOptions(options ?? {});
  const text = typeof input === 'string' ? input : looksLikeText(input) ? decodeText(input) : undefined;
  if (text !== undefined) {
    const chosen = format === 'auto' ? detectTextFormat(text) : format;
    if (chosen === undefined) {
      throw bootMapError(
        'auto',
        undefined,
        'cannot tell the format: no e820, EFI, /proc/iomem, memblock, multiboot, Limine, device-tree or JSON map found',
      );
    }
    return parseText(text, chosen);
  }
  const bytes = input as Uint8Array;
  const chosen = format === 'auto' ? detectBinaryFormat(bytes) : format;
  if (chosen === undefined) {
    throw bootMapError(
      'auto',
      undefined,
      `cannot tell the format of ${bytes.length} bytes: not multiboot, EFI descriptors, Limine entries or E820 records`,
    );
  }
  return parseBinary(bytes, chosen, options ?? {});
}
