import * as bitmap from '@framekit/alloc-bitmap';
import * as buddy from '@framekit/alloc-buddy';
import * as hier2m from '@framekit/alloc-hier2m';
import * as stack from '@framekit/alloc-stack';
import {
  createFrameSpace,
  createRouter,
  type FrameAllocator,
  type FrameSpace,
  normalizeBootMap,
  parseBootMap,
  routerPresets,
} from '@framekit/core';
import { Outcome, Replayer, WORKLOADS } from '@framekit/sim';
import { describe, expect, it } from 'vitest';

/*
 * The fork-exec workload through @framekit/vm on every real strategy: a QEMU q35 guest's map
 * cut down to its first 256 MiB, with sparse contents for the page tables and pages.
 */
const QEMU_Q35_256M = `
BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved
BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved
BIOS-e820: [mem 0x0000000000100000-0x000000000ffdffff] usable
BIOS-e820: [mem 0x000000000ffe0000-0x000000000fffffff] reserved
`;

const plugins = [stack.plugin, bitmap.plugin, hier2m.plugin];
const STRATEGIES: Record<string, (space: FrameSpace) => FrameAllocator> = {
  stack: (space) => stack.plugin.create(space),
  bitmap: (space) => bitmap.plugin.create(space),
  hier2m: (space) => hier2m.plugin.create(space),
  buddy: (space) => buddy.plugin.create(space),
  kernel: (space) => createRouter(space, routerPresets.kernel, plugins),
  linux: (space) => createRouter(space, routerPresets.linux, [stack.plugin, buddy.plugin]),
  patchwork: (space) => createRouter(space, routerPresets.patchwork, plugins),
  z903: (space) => createRouter(space, routerPresets.z903, plugins),
};

describe('fork-exec through the VM on every strategy', () => {
  const map = normalizeBootMap(parseBootMap(QEMU_Q35_256M), { preset: 'linux-x86' });
  const space = createFrameSpace(map, { backing: 'sparse' });
  const ops = [...WORKLOADS['fork-exec'].generate({ seed: 11, ops: 30_000, frames: space.usableFrames })];

  for (const [name, create] of Object.entries(STRATEGIES)) {
    it(`${name}: runs without errors and gets every frame back when the processes are gone`, () => {
      const allocator = create(space);
      const free0 = allocator.stats().freeFrames;
      const replayer = new Replayer(allocator);
      let huge = 0;
      for (const [i, op] of ops.entries()) {
        const outcome = replayer.apply(op);
        if (outcome === Outcome.Error) throw new Error(`${name}: ${replayer.errors[0].message}`);
        // stats() walks the tables: look now and then.
        if (op.op === 'touch' && op.region === 'heap' && i % 32 === 0) {
          huge = Math.max(huge, replayer.processes.addressSpace(op.owner)?.stats().pages2M ?? 0);
        }
      }
      expect(replayer.failed).toBe(0);
      expect(replayer.processes.faults).toBeGreaterThan(1000);
      // 2 MiB heap pages need runs that can be freed page by page; the stack has no runs.
      expect(huge > 0, `${name} maps 2 MiB heap pages`).toBe(
        allocator.capabilities.runs !== 'none' && allocator.capabilities.freeRunPiecewise,
      );
      replayer.processes[Symbol.dispose]();
      if ('drainCaches' in allocator) (allocator as { drainCaches(): void }).drainCaches();
      expect(allocator.stats().freeFrames).toBe(free0);
    });
  }
});
