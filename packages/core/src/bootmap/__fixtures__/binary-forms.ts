import type { ParseFormat } from '../formats';
import { encodeE820Records } from '../formats/e820-raw';
import { encodeLimineMemmap } from '../formats/limine';
import { encodeMultiboot1MemoryMap } from '../formats/multiboot1';
import { encodeMultiboot2MemoryMap } from '../formats/multiboot2';
import type { BootMap } from '../schema';

/**
 * A byte-granular map in every binary form that can hold it, each entry size included:
 * raw e820 records (20 and 24 bytes), multiboot 1 and 2 (tag and info container), Limine.
 */
export function binaryForms(map: BootMap): [ParseFormat, Uint8Array][] {
  return [
    ['e820-raw', encodeE820Records(map)],
    ['e820-raw', encodeE820Records(map, { recordSize: 24 })],
    ['multiboot1', encodeMultiboot1MemoryMap(map)],
    ['multiboot2', encodeMultiboot2MemoryMap(map)],
    ['multiboot2', encodeMultiboot2MemoryMap(map, { container: 'info', entrySize: 32 })],
    ['limine', encodeLimineMemmap(map)],
  ];
}
