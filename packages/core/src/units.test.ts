import { describe, expect, it } from 'vitest';
import {
  addressToPfn,
  addressToPfnUp,
  alignDown,
  alignUp,
  bytesToFrames,
  formatBytes,
  isPowerOfTwo,
  MAX_PHYS_ADDR,
  pfnToAddress,
} from './units';

describe('units', () => {
  it('converts addresses and frames exactly up to 2^52', () => {
    expect(addressToPfn(0xbfe88bff)).toBe(0xbfe88);
    expect(addressToPfnUp(0xbfe88bff)).toBe(0xbfe89);
    expect(addressToPfn(MAX_PHYS_ADDR - 1)).toBe(2 ** 40 - 1);
    expect(pfnToAddress(2 ** 40 - 1)).toBe(MAX_PHYS_ADDR - 4096);
    expect(() => addressToPfn(MAX_PHYS_ADDR + 4096)).toThrow(/2\^52/);
    expect(() => pfnToAddress(-1)).toThrow(/INVALID_REQUEST/);
  });

  it('aligns and rounds', () => {
    expect(alignUp(513, 512)).toBe(1024);
    expect(alignDown(1023, 512)).toBe(512);
    expect(alignUp(2 ** 45 + 1, 2 ** 40)).toBe(2 ** 45 + 2 ** 40);
    expect(bytesToFrames(4097)).toBe(2);
    expect([1, 2, 3, 2 ** 40, 2 ** 40 + 2].map(isPowerOfTwo)).toEqual([true, true, false, true, false]);
    expect(formatBytes(1536 * 1024 * 1024)).toBe('1.50 GiB');
  });
});
