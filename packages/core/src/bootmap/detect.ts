import { looksLikeText } from './bytes';
import type { BootMapFormat } from './formats';
import { looksLikeDevicetree } from './formats/devicetree';
import { hasQemuDump } from './formats/e820-raw';
import { hasE820Lines } from './formats/e820-text';
import { looksLikeIomem } from './formats/iomem';
import { hasLimineText } from './formats/limine';
import { hasMemblockLines } from './formats/memblock';
import { hasMultibootText } from './formats/multiboot-text';
import { walksAsMultiboot1 } from './formats/multiboot1';
import { looksLikeMultiboot2 } from './formats/multiboot2';
import { guessDescriptorSize } from './formats/uefi-bytes';
import { hasUefiText } from './formats/uefi-text';
import { firstLongLine, type Line, MAX_LINE_CHARS, splitLines } from './text';

/**
 * The format of a text map. Kernel logs are checked for the firmware's own table first
 * (e820, then EFI descriptors) before what the kernel derived (memblock node ranges), so a
 * log holding both is read from the source.
 */
export function detectTextFormat(
  text: string,
  allLines: readonly Line[] = splitLines(text),
): BootMapFormat | undefined {
  if (/^\s*\{/.test(text)) return 'json';
  // Lines too long to be map lines are left out (the parser refuses them), so that detection
  // stays linear too; devicetree is told from the whole text.
  const lines =
    firstLongLine(allLines) === undefined
      ? allLines
      : allLines.filter((l) => l.text.length <= MAX_LINE_CHARS);
  if (hasE820Lines(lines)) return 'e820';
  if (hasUefiText(lines)) return 'uefi';
  if (looksLikeIomem(lines)) return 'iomem';
  if (hasMemblockLines(lines)) return 'memblock';
  if (hasQemuDump(lines)) return 'e820-raw';
  if (hasMultibootText(lines)) return 'multiboot1';
  if (hasLimineText(lines)) return 'limine';
  if (looksLikeDevicetree(text)) return 'devicetree';
  return undefined;
}

/** Type 0 never means usable in e820 or multiboot; Limine's usable type is 0 and it has no type above 0xff. */
function limineLike(bytes: Uint8Array): boolean {
  if (bytes.length === 0 || bytes.length % 24 !== 0) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let usable = false;
  for (let at = 0; at < bytes.length; at += 24) {
    const type = view.getBigUint64(at + 16, true);
    if (type > 0xffn) return false;
    if (type === 0n) usable = true;
  }
  return usable;
}

/**
 * The format of binary map bytes. Self-describing containers come first (a multiboot2
 * information structure or tag; multiboot1's size-prefixed entries walking exactly to the
 * end); then bare arrays by shape: EFI descriptors (4 KiB-aligned starts, defined types,
 * zero padding), Limine entries (24 bytes, type 0 present), else E820 records. Pass the
 * format when you know it: bare arrays can look alike.
 */
export function detectBinaryFormat(bytes: Uint8Array): BootMapFormat | undefined {
  if (looksLikeMultiboot2(bytes)) return 'multiboot2';
  if (walksAsMultiboot1(bytes)) return 'multiboot1';
  if (guessDescriptorSize(bytes) !== undefined) return 'uefi';
  if (limineLike(bytes)) return 'limine';
  if (bytes.length > 0 && (bytes.length % 20 === 0 || bytes.length % 24 === 0)) return 'e820-raw';
  return undefined;
}

/** What `parseBootMap(input, 'auto')` would read the input as, or undefined when nothing fits. */
export function detectBootMapFormat(input: string | Uint8Array): BootMapFormat | undefined {
  if (typeof input === 'string') return detectTextFormat(input);
  if (looksLikeText(input)) return detectTextFormat(new TextDecoder('utf-8').decode(input));
  return detectBinaryFormat(input);
}
