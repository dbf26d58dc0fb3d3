import type { Backing, FrameAllocator, FrameSpace, PfnArray, RunOptions } from '@framekit/core';
import * as core from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';
import { CountedStackCache } from './counted-stack';
import type { NativeAlgo } from './native';
import { MemPoolPages } from './peer';
import { CheckedTypedArrayStack, PlainTypedArrayStack } from './plain-stack';
import { TranscribedBuddy } from './ref-buddy';

/**
 * What a scenario drives: a `FrameAllocator`, or the JS peer's adapter with the same calls.
 */
export interface Target {
  alloc(): number;
  free(pfn: number): void;
  allocMany(out: PfnArray, count: number): boolean;
  freeMany(pfns: PfnArray, count: number): void;
  allocRun(count: number, options?: RunOptions): number;
  freeRun(pfn: number, count: number): void;
}

export type Runs = 'any' | 'huge' | 'none';

/** One column of the results: a strategy as the bench creates it. */
export interface Strategy {
  /** Row label: `stack`, `bitmap`, `hier2m`, `baseline`, `router:kernel`, `peer:MemPool`. */
  readonly id: string;
  /** Its C twin in `native/`, when there is one. */
  readonly native?: NativeAlgo;
  readonly kind: 'framekit' | 'peer';
  readonly runs: Runs;
  /** Serves `below` for runs (`allocRun(n, { below })`). */
  readonly belowRuns: boolean;
  /** The frame space backing it wants (the stack keeps its nodes in frames only with contents). */
  readonly backing: Backing;
  /** Scenario ids it cannot take part in, with the reason printed in the report. */
  readonly skip?: Readonly<Record<string, string>>;
  /** The only loop scenarios it has rows in (a reference shown beside some budgets), when not all. */
  readonly only?: readonly string[];
  readonly note?: string;
  /**
   * Scenarios this strategy serves through a call of its own rather than the shared
   * `FrameAllocator` shape (hier2m's `allocBelow` for one frame below a limit), with the note.
   */
  readonly adapt?: Readonly<
    Record<string, { readonly note: string; readonly wrap: (target: Target) => Target }>
  >;
  create(space: FrameSpace): Target;
}

/** A framekit allocator strategy (everything but the peer). */
export interface AllocatorStrategy extends Strategy {
  readonly kind: 'framekit';
  create(space: FrameSpace): FrameAllocator;
}

/** Where the strategy packages live; each is loaded only if it is installed and builds. */
const PACKAGES = {
  stack: '@framekit/alloc-stack',
  bitmap: '@framekit/alloc-bitmap',
  hier2m: '@framekit/alloc-hier2m',
  buddy: '@framekit/alloc-buddy',
  vm: '@framekit/vm',
} as const;

// biome-ignore lint/suspicious/noExplicitAny: a package that may not be installed has no types here
type Module = any;

/** `import(name)`, or undefined when the package is not installed (any other failure throws). */
export async function tryImport(name: string): Promise<Module | undefined> {
  try {
    return await import(/* @vite-ignore */ name);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = String((error as Error).message ?? error);
    if (
      code === 'ERR_MODULE_NOT_FOUND' ||
      code === 'MODULE_NOT_FOUND' ||
      /Cannot find (package|module)|Failed to (resolve|load)/.test(message)
    ) {
      return undefined;
    }
    throw error;
  }
}

export interface Loaded {
  readonly strategies: readonly Strategy[];
  /** Strategy packages that are not installed yet, so their rows are missing. */
  readonly missing: readonly string[];
  // biome-ignore lint/suspicious/noExplicitAny: see Module
  readonly vm?: any;
  /** Plugins found, for the router. */
  readonly plugins: readonly core.AllocatorPlugin[];
}

/** Finds every strategy that is installed: baseline, stack, bitmap, hier2m, router presets, the peer. */
export async function loadStrategies(): Promise<Loaded> {
  const missing: string[] = [];
  const strategies: Strategy[] = [];
  const plugins: core.AllocatorPlugin[] = [];
  const load = async (key: keyof typeof PACKAGES) => {
    const mod = await tryImport(PACKAGES[key]);
    if (!mod) missing.push(PACKAGES[key]);
    return mod;
  };

  strategies.push({
    id: 'baseline',
    kind: 'framekit',
    runs: 'any',
    belowRuns: true,
    backing: 'none',
    note: '@framekit/core/testing: sorted free-run list, first fit (the conformance reference, not tuned)',
    create: (space) => createBaselineAllocator(space),
  } satisfies AllocatorStrategy);

  const stack = await load('stack');
  if (stack) {
    plugins.push(stack.plugin);
    strategies.push({
      id: 'stack',
      native: 'stack',
      kind: 'framekit',
      runs: 'none',
      belowRuns: false,
      backing: 'sparse',
      note: 'nodes inside free frames (sparse frame contents)',
      create: (space) => stack.createStackAllocator(space),
    } satisfies AllocatorStrategy);
    strategies.push({
      id: 'stack[array]',
      native: 'stack',
      kind: 'framekit',
      runs: 'none',
      belowRuns: false,
      backing: 'none',
      note: 'space without contents: nodes in a typed array',
      create: (space) => stack.createStackAllocator(space),
    } satisfies AllocatorStrategy);
  }
  const bitmap = await load('bitmap');
  if (bitmap) {
    plugins.push(bitmap.plugin);
    strategies.push({
      id: 'bitmap',
      native: 'bitmap',
      kind: 'framekit',
      runs: 'any',
      belowRuns: true,
      backing: 'none',
      create: (space) => bitmap.createBitmapAllocator(space),
    } satisfies AllocatorStrategy);
  }
  const hier2m = await load('hier2m');
  if (hier2m) {
    plugins.push(hier2m.plugin);
    strategies.push({
      id: 'hier2m',
      native: 'hier2m',
      kind: 'framekit',
      runs: 'huge',
      belowRuns: true,
      backing: 'none',
      adapt: {
        'below-1': {
          note: 'allocBelow(4096) + free(): its own call for one frame below a limit (runs are 2 MiB only)',
          wrap: (target) => {
            const allocator = target as FrameAllocator & { allocBelow(below: number): number };
            return {
              alloc: () => allocator.alloc(),
              free: (pfn) => allocator.free(pfn),
              allocMany: (out, count) => allocator.allocMany(out, count),
              freeMany: (pfns, count) => allocator.freeMany(pfns, count),
              allocRun: (_count, options) =>
                allocator.allocBelow(options?.below ?? allocator.space.frameCount),
              freeRun: (pfn) => allocator.free(pfn),
            };
          },
        },
      },
      create: (space) => hier2m.createHier2mAllocator(space),
    } satisfies AllocatorStrategy);
  }

  const buddy = await load('buddy');
  if (buddy) {
    plugins.push(buddy.plugin);
    strategies.push({
      id: 'buddy',
      native: 'buddy',
      kind: 'framekit',
      runs: 'any',
      belowRuns: true,
      backing: 'none',
      create: (space) => buddy.createBuddyAllocator(space),
    } satisfies AllocatorStrategy);
  }

  // The router lives in core; it needs the three strategy plugins its presets name.
  const router = core as unknown as Module;
  if (typeof router.createRouter === 'function' && router.routerPresets) {
    for (const preset of Object.keys(router.routerPresets)) {
      // The strategy packages this preset names, those missing skip it.
      const named = new Set<string>(
        router.routerPresets[preset].zones.flatMap((z: core.RouterConfig['zones'][number]) =>
          z.strategies.map((st) => st.plugin),
        ),
      );
      const absent = (['stack', 'bitmap', 'hier2m', 'buddy'] as const).filter(
        (k) => named.has(k) && missing.includes(PACKAGES[k]),
      );
      // What the preset serves, read off a small instance (z903, for one, serves 2 MiB runs only).
      let capabilities: core.AllocatorCapabilities = { runs: 'any', below: true, freeRunPiecewise: false };
      if (absent.length === 0) {
        const probe = core.createFrameSpace({ frames: 1 << 16 }, { backing: 'sparse' });
        capabilities = router.createRouter(probe, router.routerPresets[preset], plugins).capabilities;
      }
      strategies.push({
        id: `router:${preset}`,
        kind: 'framekit',
        runs: capabilities.runs,
        belowRuns: capabilities.below,
        backing: 'sparse',
        note: `createRouter(space, routerPresets.${preset}, [${plugins.map((p) => p.name).join(', ')}])`,
        ...(absent.length > 0
          ? { skip: { '*': `the preset names these strategies; missing: ${absent.join(', ')}` } }
          : {}),
        create: (space) => router.createRouter(space, router.routerPresets[preset], plugins),
      } satisfies AllocatorStrategy);
    }
  } else {
    missing.push('@framekit/core createRouter/routerPresets');
  }

  strategies.push({
    id: 'ref:plain-stack',
    kind: 'peer',
    runs: 'none',
    belowRuns: false,
    backing: 'none',
    note: 'the reference for the stack budget: a plain Float64Array stack, no checks',
    create: (space) => new PlainTypedArrayStack(space.frameCount),
  });

  strategies.push({
    id: 'ref:checked-stack',
    kind: 'peer',
    runs: 'none',
    belowRuns: false,
    backing: 'none',
    note: 'the least a checked stack does: the plain stack and one flat bit per frame, checked on free',
    create: (space) => new CheckedTypedArrayStack(space.frameCount),
  });

  if (stack) {
    strategies.push({
      id: 'ref:counted-stack',
      kind: 'peer',
      runs: 'none',
      belowRuns: false,
      backing: 'sparse',
      only: ['single-lifo', 'single-random'],
      note: "the least a router's stack cache does: the trusted stack, one flat bit per frame, and a count of frames held (pcp->count) kept on every alloc and free",
      create: (space) =>
        new CountedStackCache(
          stack.createStackAllocator(space, space.ranges, { trusted: true }),
          space.frameCount,
        ),
    });
  }

  strategies.push({
    id: 'ref:js-buddy',
    kind: 'peer',
    native: 'buddy',
    runs: 'any',
    belowRuns: true,
    backing: 'none',
    only: ['single-lifo', 'single-random', 'huge-2mib'],
    note: "the C buddy's algorithm written again in TypeScript, step for step: what the language costs on it",
    create: (space) => new TranscribedBuddy(space.frameCount),
  });

  strategies.push({
    id: 'peer:MemPool',
    kind: 'peer',
    runs: 'any',
    belowRuns: false,
    backing: 'none',
    note: '@thi.ng/malloc MemPool, 4096-byte blocks aligned to 4096, over one ArrayBuffer',
    create: (space) => new MemPoolPages(space.frameCount),
  });

  const vm = await load('vm');
  return { strategies, missing, vm: vm?.AddressSpace ? vm : undefined, plugins };
}
