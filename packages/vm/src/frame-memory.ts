import { FrameError, type FrameSpace } from '@framekit/core';
import { FrameWords } from '@framekit/core/plugin';

/** True on little-endian hosts, where a Uint32Array word is the low or high half of a 64-bit entry as stored. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * The contents an address space's tables and pages live in: core's cached word and byte
 * views, on a space that has contents and a host that stores words as the CPU's tables do.
 */
export class FrameMemory extends FrameWords {
  constructor(space: FrameSpace) {
    if (!space.hasContents) {
      throw new FrameError(
        'UNSUPPORTED',
        `AddressSpace.create: the frame space has no contents (backing '${space.backing}'); page tables live in frames, so use 'dense', 'sparse' or 'shared'`,
        { op: 'AddressSpace.create', backing: space.backing },
      );
    }
    if (!LITTLE_ENDIAN) {
      throw new FrameError(
        'UNSUPPORTED',
        'AddressSpace.create: page-table entries are read as little-endian 32-bit halves; this host is big-endian',
        { op: 'AddressSpace.create' },
      );
    }
    super(space, 'AddressSpace.create');
  }
}
