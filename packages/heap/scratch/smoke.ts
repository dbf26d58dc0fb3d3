import { createFrameSpace } from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';
import { createHeap, NO_ADDRESS } from '../src/index';

for (const strategy of ['slab', 'first-fit', 'tlsf'] as const)
  for (const headers of [false, true]) {
    const space = createFrameSpace({ frames: 4096 }, { backing: 'dense' });
    const pmm = createBaselineAllocator(space);
    const heap = createHeap(pmm, { strategy, headers });
    const addrs: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const size = 1 + ((i * 7919) % 3000);
      const a = heap.malloc(size, { owner: i % 3 });
      if (a === NO_ADDRESS) throw new Error('oom');
      heap.bytes(a, size).fill(i & 255);
      addrs.push(a, size, i & 255);
    }
    for (let j = 0; j < addrs.length; j += 3) {
      const v = heap.bytes(addrs[j], addrs[j + 1]);
      if (!v.every((x) => x === addrs[j + 2])) throw new Error(`overlap ${strategy} ${j}`);
    }
    const s1 = heap.stats();
    for (let j = addrs.length - 3; j >= 0; j -= 6) heap.free(addrs[j]);
    for (let j = 0; j < addrs.length; j += 6) {
      try {
        heap.free(addrs[j]);
      } catch (e) {
        console.log('ERR', strategy, headers, j, String(e));
        break;
      }
    }
    const s2 = heap.stats();
    heap[Symbol.dispose]();
    console.log(
      strategy,
      headers,
      s1.objects,
      s1.framesHeld,
      s1.internalFragmentation.toFixed(3),
      s2.objects,
      s2.framesHeld,
      pmm.stats().usedFrames,
    );
  }
