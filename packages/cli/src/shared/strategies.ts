import * as bitmap from '@framekit/alloc-bitmap';
import * as buddy from '@framekit/alloc-buddy';
import * as hier2m from '@framekit/alloc-hier2m';
import * as stack from '@framekit/alloc-stack';
import {
  type AllocatorPlugin,
  createRouter,
  type FrameAllocator,
  FrameError,
  type FrameSpace,
  routerPresets,
} from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';

export interface Strategy {
  readonly name: string;
  readonly description: string;
  create(space: FrameSpace): FrameAllocator;
}

/*
 * The stack keeps its nodes in a typed array here even when a process workload gives the
 * space contents: it then behaves the same in every workload, and a sparse space only pays
 * for the pages the processes touch (nodes in free frames would touch all of memory).
 */
const arrayStack: AllocatorPlugin = {
  ...stack.plugin,
  create: (space, ranges, options) =>
    stack.plugin.create(space, ranges, { nodesInFrames: false, ...(options as object | undefined) }),
};

const plugins = [arrayStack, bitmap.plugin, hier2m.plugin, buddy.plugin];

/** Every strategy the playground can compare, by the name used on the command line and in URLs. */
export const STRATEGIES: readonly Strategy[] = [
  {
    name: 'stack',
    description: "PatchworkOS's free-page stack: O(1) single frames, no runs",
    create: (space) => arrayStack.create(space),
  },
  {
    name: 'bitmap',
    description: 'bitmap arenas with a summary tree: first-fit runs of any size, alignment and limit',
    create: (space) => bitmap.plugin.create(space),
  },
  {
    name: 'hier2m',
    description: "Z903's two-layer 2 MiB / 4 KiB bitmap with lazy free lists",
    create: (space) => hier2m.plugin.create(space),
  },
  {
    name: 'buddy',
    description: "MOS's and Linux's binary buddy: orders 0-10, split and merge, exact-size runs",
    create: (space) => buddy.plugin.create(space),
  },
  {
    name: 'kernel',
    description: 'router: dma/dma32/normal zones, stack over bitmap for singles, hier2m for 2 MiB',
    create: (space) => createRouter(space, routerPresets.kernel, plugins),
  },
  {
    name: 'linux',
    description: "router: Linux's DMA/DMA32/Normal zones, each a buddy with a per-CPU-list stack in front",
    create: (space) => createRouter(space, routerPresets.linux, plugins),
  },
  {
    name: 'patchwork',
    description: "router: PatchworkOS's split, bitmap below 64 MiB and the stack above",
    create: (space) => createRouter(space, routerPresets.patchwork, plugins),
  },
  {
    name: 'z903',
    description: 'router: hier2m alone, as in Z903',
    create: (space) => createRouter(space, routerPresets.z903, plugins),
  },
  {
    name: 'baseline',
    description: 'the reference allocator of the conformance kit: a sorted free-run list, first fit',
    create: (space) => createBaselineAllocator(space),
  },
];

export const DEFAULT_STRATEGIES = ['stack', 'bitmap', 'hier2m', 'buddy', 'kernel', 'linux'];

/** The strategies named, in order; an unknown name throws a FrameError listing the known ones. */
export function findStrategies(names: readonly string[]): Strategy[] {
  return names.map((name) => {
    const strategy = STRATEGIES.find((s) => s.name === name);
    if (!strategy) {
      throw new FrameError(
        'INVALID_REQUEST',
        `unknown strategy '${name}' (known: ${STRATEGIES.map((s) => s.name).join(', ')})`,
        { strategy: name },
      );
    }
    return strategy;
  });
}
