import { createFrameSpace } from '@framekit/core';
import { frameErrorCode } from '@framekit/core/testing';
import { describe, expect, it } from 'vitest';
import { attach, createLLFreeAllocator } from './index';

describe('llfree share and attach', () => {
  it('gives a second handle over the same state and the same frame contents', () => {
    const space = createFrameSpace(
      { frames: 4096, ranges: [{ start: 16, count: 4000 }] },
      { backing: 'shared' },
    );
    const a = createLLFreeAllocator(space);
    const descriptor = structuredClone(a.share()); // as postMessage would carry it
    const b = attach(descriptor);
    expect(b.slot).not.toBe(a.slot);
    expect(b.space.backing).toBe('shared');
    expect(b.ranges).toEqual([{ start: 16, count: 4000 }]);
    const pfn = a.alloc();
    a.space.bytes(pfn)[5] = 42;
    expect(b.isFree(pfn)).toBe(false);
    expect(b.space.bytes(pfn)[5]).toBe(42);
    b.free(pfn); // a frame handed out by one handle, freed through the other
    expect(a.isFree(pfn)).toBe(true);
    expect(frameErrorCode(() => a.free(pfn))).toBe('DOUBLE_FREE');
    expect(frameErrorCode(() => b.free(3))).toBe('NOT_USABLE');
    expect(a.stats().workers).toBe(2);
    b.close();
    expect(a.stats().workers).toBe(1);
    expect(a.verify().ok).toBe(true);
  });

  it('shares a space without contents, and refuses one whose contents are not shared memory', () => {
    const plain = createLLFreeAllocator(createFrameSpace({ frames: 1024 }));
    const b = attach(plain.share());
    expect(b.space.hasContents).toBe(false);
    expect(
      frameErrorCode(() =>
        createLLFreeAllocator(createFrameSpace({ frames: 1024 }, { backing: 'dense' })).share(),
      ),
    ).toBe('UNSUPPORTED');
  });

  it('refuses what is not a descriptor, a descriptor of other ranges, and more handles than slots', () => {
    const a = createLLFreeAllocator(createFrameSpace({ frames: 2048 }), undefined, { maxWorkers: 2 });
    const d = a.share();
    expect(
      frameErrorCode(() => attach({ ...d, state: new ArrayBuffer(8) as unknown as SharedArrayBuffer })),
    ).toBe('INVALID_REQUEST');
    expect(frameErrorCode(() => attach({ ...d, ranges: [{ start: 0, count: 4096 }] }))).toBe(
      'INVALID_REQUEST',
    );
    expect(frameErrorCode(() => attach(JSON.parse('{"kind":"framekit/llfree"}')))).toBe('INVALID_REQUEST');
    const second = attach(d);
    expect(frameErrorCode(() => attach(d))).toBe('INVALID_REQUEST');
    second.close();
    expect(attach(d).slot).toBe(1); // the slot came back
    expect(
      frameErrorCode(() =>
        createLLFreeAllocator(createFrameSpace({ frames: 64 }), undefined, { maxWorkers: 0 }),
      ),
    ).toBe('INVALID_REQUEST');
  });
});
