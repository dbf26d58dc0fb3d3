import { FRAME_SIZE, type Pfn } from '@framekit/core';
import type { CollectedOwner } from './api';
import { formatLocation, locate } from './call-site';
import { type Allocation, recordForWarnings } from './tracking';

/** What the registry keeps for an owner: never the owner itself, or it could not be collected. */
interface OwnerInfo {
  readonly kind: CollectedOwner['kind'];
  readonly pfn: Pfn;
  readonly frames: number;
  readonly allocation: Allocation | undefined;
}

export type LeakHandler = (owner: CollectedOwner, message: string) => void;

/** The registry owners join while warnings are on; `undefined` (the default) costs nothing. */
let registry: FinalizationRegistry<OwnerInfo> | undefined;

/**
 * Warns when the garbage collector reclaims a `Page` or `ContigPages` that was never
 * disposed: its frames stay allocated for good (as a leaked `Page` would in Rust). The
 * frames are not freed behind the program's back; the warning is for finding the missing
 * `using` or dispose. While on, every allocation records its source location (a stack
 * capture each), so this is a debugging aid. `onLeak` defaults to `console.warn` of the
 * message. Returns a function that turns the warnings off again.
 */
export function enableLeakWarnings(onLeak: LeakHandler = warnOnConsole): () => void {
  if (typeof FinalizationRegistry !== 'function') return () => {};
  const current = new FinalizationRegistry<OwnerInfo>((info) => {
    if (registry !== current) return;
    const location =
      info.allocation === undefined ? undefined : formatLocation(locate(info.allocation.stack));
    const owner: CollectedOwner = {
      kind: info.kind,
      pfn: info.pfn,
      pa: info.pfn * FRAME_SIZE,
      frames: info.frames,
      location,
    };
    onLeak(owner, leakMessage(owner));
  });
  registry = current;
  recordForWarnings(true);
  return () => {
    if (registry !== current) return;
    registry = undefined;
    recordForWarnings(false);
  };
}

function leakMessage(owner: CollectedOwner): string {
  const frames = owner.frames === 1 ? 'its frame stays' : `its ${owner.frames} frames stay`;
  const where = owner.location === undefined ? '' : ` (allocated at ${owner.location})`;
  return `framekit: a ${owner.kind} at pa 0x${owner.pa.toString(16)}${where} was garbage-collected without being disposed; ${frames} allocated. Dispose it, or declare it with \`using\`.`;
}

function warnOnConsole(_owner: CollectedOwner, message: string): void {
  console.warn(message);
}

/** Watches a new owner, while warnings are on. */
export function watchOwner(
  owner: object,
  kind: OwnerInfo['kind'],
  pfn: Pfn,
  frames: number,
  allocation: Allocation | undefined,
): void {
  registry?.register(owner, { kind, pfn, frames, allocation }, owner);
}

/** The owner gave its references back or handed them on: its collection is no leak. */
export function unwatchOwner(owner: object): void {
  registry?.unregister(owner);
}
