import { createFrameSpace, type FrameAllocator, type FrameSpace, withRefCounts } from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';
import { MemPoolPages } from './peer';
import type { Profile } from './profiles';
import type { MemoryRow } from './run';

/**
 * Memory rows that no initialisation shows: what 16-bit refcounts (`withRefCounts`) add
 * once every frame is allocated, and the JS peer's bytes per 4 KiB block beyond the block.
 */
export function extraMemory(
  profile: Profile,
  createStack?: (space: FrameSpace) => FrameAllocator,
): MemoryRow[] {
  const frames = profile.singleFrames;
  const space = createFrameSpace({ frames });
  const inner = createBaselineAllocator(space);
  const counted = withRefCounts(inner);
  while (counted.alloc() !== -1) {
    // every frame allocated, so every refcount chunk exists
  }
  const refBytes = counted.stats().metadataBytes - inner.stats().metadataBytes;
  const peer = new MemPoolPages(1024);
  const overhead = peer.overheadPerFrame();
  const bytes = frames * 4096;
  const label = `${bytes >= 2 ** 30 ? `${bytes / 2 ** 30} GiB` : `${bytes / 2 ** 20} MiB`}, all allocated`;
  const rows: MemoryRow[] = [];
  if (createStack) {
    // The stack's metadata after a full churn (every frame handed out, then all freed in a
    // scattered order), not just after start-up, where its lazily made used bits cost nothing.
    // Frame contents (dense: every chunk a node might land in exists anyway), so the nodes
    // live inside free frames, as the stack keeps them wherever memory has contents.
    const stack = createStack(createFrameSpace({ frames }, { backing: 'dense' }));
    const all = new Float64Array(frames);
    let n = 0;
    for (let pfn = stack.alloc(); pfn !== -1; pfn = stack.alloc()) all[n++] = pfn;
    for (let i = 0; i < n; i += 2) stack.free(all[i]);
    for (let i = 1; i < n; i += 2) stack.free(all[i]);
    const churned = stack.stats().metadataBytes;
    rows.push({
      strategy: 'stack',
      space: 'after a full churn',
      frames,
      metadataBytes: churned,
      bytesPerFrame: churned / frames,
      note: 'nodes inside free frames: only the used bits are metadata',
    });
  }
  return [
    ...rows,
    {
      strategy: 'withRefCounts',
      space: label,
      frames,
      metadataBytes: refBytes,
      bytesPerFrame: refBytes / frames,
      note: 'added to any allocator: 16-bit counts, in chunks created as frames are handed out',
    },
    {
      strategy: 'peer:MemPool',
      space: '4 KiB blocks, align 4096',
      frames: 1,
      metadataBytes: overhead,
      bytesPerFrame: overhead,
      note: 'heap bytes per block beyond its 4096 (8-byte header + padding to the next aligned block)',
    },
  ];
}
