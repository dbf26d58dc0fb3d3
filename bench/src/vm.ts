import { createFrameSpace, withRefCounts } from '@framekit/core';
import { measureSlow, type Timing, timingOf } from './measure';
import type { Profile } from './profiles';
import type { Loaded, Strategy } from './strategies';

/** One vm figure: faulting in the region page by page, or forking the populated space. */
export interface VmRow {
  readonly scenario: 'vm-fault' | 'vm-fork';
  readonly strategy: string;
  readonly bytes: number;
  /** Whole-operation timing (one sample = the whole region, or one fork). */
  readonly timing?: Timing;
  /** vm-fault: per page; vm-fork: per mapped page. */
  readonly nsPerPage?: number;
  readonly note?: string;
  readonly skipped?: string;
}

const PAGE = 4096;
/** Strategies the address space is built on: single frames are what page faults take. */
const VM_STRATEGIES = ['stack', 'hier2m', 'bitmap', 'baseline', 'router:kernel'];

/**
 * With `@framekit/vm`: `mmap` `bytes` of anonymous private memory (4 KiB pages) and write
 * one byte per page (each a fault that allocates and maps a frame), then `fork()` the
 * populated space (copy-on-write: page tables copied, every page's refcount raised).
 */
export function runVmScenarios(loaded: Loaded, profile: Profile, log: (line: string) => void): VmRow[] {
  const vm = loaded.vm;
  if (!vm) return [];
  const rows: VmRow[] = [];
  const bytes = profile.vmBytes;
  const pages = bytes / PAGE;
  const reps = profile.name === 'full' ? 3 : 1;
  log(`• vm: fault in and fork ${bytes / 2 ** 20} MiB`);
  for (const id of VM_STRATEGIES) {
    const strategy = loaded.strategies.find((s) => s.id === id);
    if (!strategy) continue;
    const skip = strategy.skip?.vm ?? strategy.skip?.['*'];
    if (skip) {
      rows.push({ scenario: 'vm-fault', strategy: id, bytes, skipped: skip });
      continue;
    }
    try {
      rows.push(...vmRows(vm, strategy, bytes, pages, reps));
    } catch (error) {
      const skipped = String((error as Error).message ?? error).slice(0, 200);
      rows.push({ scenario: 'vm-fault', strategy: id, bytes, skipped });
    }
  }
  return rows;
}

// biome-ignore lint/suspicious/noExplicitAny: @framekit/vm is loaded only when installed
function vmRows(vm: any, strategy: Strategy, bytes: number, pages: number, reps: number): VmRow[] {
  const build = () => {
    // Room for the region, its page tables and a forked copy's tables, with contents for the tables.
    const space = createFrameSpace({ frames: pages * 2 + 4096 }, { backing: 'sparse' });
    const pmm = withRefCounts(strategy.create(space) as Parameters<typeof withRefCounts>[0]);
    const as = vm.AddressSpace.create(pmm, space);
    const addr = as.mmap({ length: bytes, prot: 'rw', huge: false });
    return { as, addr };
  };
  const faultIn = (as: { handleFault(va: number, access: string): unknown }, addr: number) => {
    for (let i = 0; i < pages; i++) as.handleFault(addr + i * PAGE, 'write');
  };
  // Each sample: a fresh address space faulted in whole (building it is not timed).
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const { as, addr } = build();
    samples.push(measureSlow(() => faultIn(as, addr), 1).medianNs);
    as[Symbol.dispose]();
  }
  const fault = timingOf(samples);
  const { as, addr } = build();
  faultIn(as, addr);
  const fork = measureSlow(() => {
    const child = as.fork();
    child[Symbol.dispose]();
  }, reps);
  as[Symbol.dispose]();
  return [
    { scenario: 'vm-fault', strategy: strategy.id, bytes, timing: fault, nsPerPage: fault.medianNs / pages },
    {
      scenario: 'vm-fork',
      strategy: strategy.id,
      bytes,
      timing: fork,
      nsPerPage: fork.medianNs / pages,
      note: 'fork() + dispose of the child',
    },
  ];
}
