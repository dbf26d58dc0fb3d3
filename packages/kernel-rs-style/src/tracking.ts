import { FRAME_SIZE, FrameError, type Pfn, type RefCountedAllocator } from '@framekit/core';
import type { AllocationKind, AllocationReport, Leak } from './api';
import { type CapturedStack, captureStack, formatLocation, locate } from './call-site';

/*
 * KeOS keeps, per thread, a map from each page allocated during a test to the source
 * location that allocated it; dropping the page removes it, and whatever is left when the
 * test ends is a leak. Here an allocation made while a tracking session (or leak warnings)
 * is active gets an `Allocation` record; owners point at it and count the references they
 * hold per frame. Nothing is recorded, and nothing costs anything, while no session is open.
 */

// biome-ignore lint/suspicious/noExplicitAny: any public allocating function
type Entry = (...args: any[]) => unknown;

/** One allocation and the references to its frames held through this package. */
export class Allocation {
  readonly kind: AllocationKind;
  readonly pmm: RefCountedAllocator;
  readonly pfn: Pfn;
  readonly frames: number;
  readonly stack: CapturedStack;
  /** References held per frame: by live owners, or handed out raw by `intoRaw`. */
  readonly held: Int32Array;
  /** Of `held`, the raw ones per frame. */
  readonly raw: Int32Array;

  constructor(
    kind: AllocationKind,
    pmm: RefCountedAllocator,
    pfn: Pfn,
    frames: number,
    stack: CapturedStack,
  ) {
    this.kind = kind;
    this.pmm = pmm;
    this.pfn = pfn;
    this.frames = frames;
    this.stack = stack;
    this.held = new Int32Array(frames).fill(1);
    this.raw = new Int32Array(frames);
  }
}

class Session {
  readonly parent: Session | undefined;
  readonly allocations: Allocation[] = [];
  open = true;

  constructor(parent: Session | undefined) {
    this.parent = parent;
  }
}

/** Each allocator's tracked frames → their allocation, so `fromRaw` and `intoPage` find it again. */
const byFrame = new WeakMap<RefCountedAllocator, Map<Pfn, Allocation>>();

let openSessions = 0;
let warningStacks = false;

/** True while allocations must be recorded: a session is open or leak warnings want locations. */
export let recording = false;

function updateRecording(): void {
  recording = openSessions > 0 || warningStacks;
}

/** Leak warnings record allocations (for their location) even outside a session. */
export function recordForWarnings(on: boolean): void {
  warningStacks = on;
  updateRecording();
}

/** A record for a fresh allocation by `entry` (the public function the caller called). Only while `recording`. */
export function recordAllocation(
  kind: AllocationKind,
  pmm: RefCountedAllocator,
  pfn: Pfn,
  frames: number,
  entry: Entry,
): Allocation {
  const allocation = new Allocation(kind, pmm, pfn, frames, captureStack(entry));
  let frameMap = byFrame.get(pmm);
  if (frameMap === undefined) {
    frameMap = new Map();
    byFrame.set(pmm, frameMap);
  }
  for (let i = 0; i < frames; i++) frameMap.set(pfn + i, allocation);
  for (let session = currentSession(); session !== undefined; session = session.parent) {
    if (session.open) session.allocations.push(allocation);
  }
  return allocation;
}

/** The tracked allocation `pfn` belongs to, if any. */
export function allocationOf(pmm: RefCountedAllocator, pfn: Pfn): Allocation | undefined {
  return byFrame.get(pmm)?.get(pfn);
}

/** An owner took one more reference on `count` frames from `pfn` (clone, intoPage). */
export function tookReferences(allocation: Allocation | undefined, pfn: Pfn, count: number): void {
  if (allocation === undefined) return;
  const at = pfn - allocation.pfn;
  for (let i = at; i < at + count; i++) allocation.held[i]++;
}

/** An owner dropped its reference on `count` frames from `pfn`. */
export function droppedReferences(allocation: Allocation | undefined, pfn: Pfn, count: number): void {
  if (allocation === undefined) return;
  const at = pfn - allocation.pfn;
  for (let i = at; i < at + count; i++) {
    if (allocation.held[i] > 0) allocation.held[i]--;
    if (allocation.held[i] === 0) forgetFrame(allocation, allocation.pfn + i);
  }
}

/** `intoRaw`: the reference on `pfn` is still held, now as a bare address. */
export function wentRaw(allocation: Allocation | undefined, pfn: Pfn): void {
  if (allocation !== undefined) allocation.raw[pfn - allocation.pfn]++;
}

/** `Page.fromRaw`: a raw reference on `pfn` is owned again (or, if none was raw, a new one joins). */
export function cameBackFromRaw(allocation: Allocation | undefined, pfn: Pfn): void {
  if (allocation === undefined) return;
  const at = pfn - allocation.pfn;
  if (allocation.raw[at] > 0) allocation.raw[at]--;
  else allocation.held[at]++;
}

function forgetFrame(allocation: Allocation, pfn: Pfn): void {
  const frameMap = byFrame.get(allocation.pmm);
  if (frameMap?.get(pfn) === allocation) frameMap.delete(pfn);
}

/*
 * The current session follows async work where the runtime offers AsyncLocalStorage (Node,
 * Deno, Bun: found without a static import, so browser bundles stay clean). Elsewhere one
 * global slot holds it: exact for synchronous `fn`, and for async `fn` it catches everything
 * allocated until the promise settles, so async sessions must not overlap there.
 */
interface ContextStore<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}

let context: ContextStore<Session> | null | undefined;
let globalSession: Session | undefined;

function sessionContext(): ContextStore<Session> | undefined {
  if (context === undefined) {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const hooks =
      typeof proc?.getBuiltinModule === 'function'
        ? (proc.getBuiltinModule('node:async_hooks') as
            | { AsyncLocalStorage?: new () => ContextStore<Session> }
            | undefined)
        : undefined;
    context = hooks?.AsyncLocalStorage === undefined ? null : new hooks.AsyncLocalStorage();
  }
  return context ?? undefined;
}

function currentSession(): Session | undefined {
  if (openSessions === 0) return undefined;
  const store = sessionContext();
  return store === undefined ? globalSession : store.getStore();
}

/**
 * Runs `fn` and reports every page and run allocated inside it (by `Page.alloc`,
 * `Page.tryAlloc`, `ContigPages.alloc`) whose frames are still held through this package
 * when it is done: by an owner not yet disposed, or as a raw address from `intoRaw`. Each
 * leak names the `file:line:column` of the allocating call, like KeOS's per-thread
 * allocation tracking. An async `fn` is awaited, and the report comes when it settles.
 * If `fn` throws, the session ends and the error propagates.
 */
export function trackAllocations<T>(fn: () => Promise<T>): Promise<AllocationReport<T>>;
export function trackAllocations<T>(fn: () => T): AllocationReport<T>;
export function trackAllocations<T>(fn: () => T): AllocationReport<T> | Promise<AllocationReport<unknown>> {
  if (typeof fn !== 'function') {
    throw new FrameError('INVALID_REQUEST', 'trackAllocations: fn must be a function', {
      op: 'trackAllocations',
    });
  }
  const store = sessionContext();
  const session = new Session(currentSession());
  const previous = globalSession;
  openSessions++;
  updateRecording();
  let result: T;
  try {
    if (store !== undefined) result = store.run(session, fn);
    else {
      globalSession = session;
      result = fn();
    }
  } catch (error) {
    end(session, previous);
    throw error;
  }
  if (!isThenable(result)) return { result, leaks: end(session, previous) };
  return Promise.resolve(result).then(
    (value) => ({ result: value, leaks: end(session, previous) }),
    (error: unknown) => {
      end(session, previous);
      throw error;
    },
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

function end(session: Session, previous: Session | undefined): Leak[] {
  session.open = false;
  openSessions--;
  updateRecording();
  if (globalSession === session) globalSession = previous;
  const leaks: Leak[] = [];
  for (const allocation of session.allocations) {
    const leak = leakOf(allocation);
    if (leak !== undefined) leaks.push(leak);
  }
  return leaks;
}

/** The allocation as a leak, when some frame is still held (and still allocated: a raw free behind our back ends it). */
function leakOf(allocation: Allocation): Leak | undefined {
  let heldFrames = 0;
  let references = 0;
  let raw = 0;
  for (let i = 0; i < allocation.frames; i++) {
    if (allocation.held[i] === 0 || allocation.pmm.refCount(allocation.pfn + i) === 0) continue;
    heldFrames++;
    references += allocation.held[i];
    raw += allocation.raw[i];
  }
  if (heldFrames === 0) return undefined;
  const source = locate(allocation.stack);
  return {
    kind: allocation.kind,
    pfn: allocation.pfn,
    pa: allocation.pfn * FRAME_SIZE,
    frames: allocation.frames,
    heldFrames,
    references,
    raw,
    location: formatLocation(source),
    source,
    stack: allocation.stack.stack ?? '',
  };
}

/** A readable list of leaks, one line each, for test failures and logs. */
export function formatLeaks(leaks: readonly Leak[]): string {
  if (leaks.length === 0) return 'no leaks';
  const lines = leaks.map((leak) => {
    const what =
      leak.kind === 'page'
        ? `page at pa 0x${leak.pa.toString(16)}`
        : `run of ${leak.frames} frames at pa 0x${leak.pa.toString(16)} (${leak.heldFrames} still held)`;
    const raw = leak.raw > 0 ? `, ${leak.raw} of them raw (intoRaw without fromRaw)` : '';
    return `  ${what}, allocated at ${leak.location}: ${leak.references} reference(s) held${raw}`;
  });
  return `${leaks.length} allocation(s) leaked:\n${lines.join('\n')}`;
}
