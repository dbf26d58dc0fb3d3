import { type Heap, type MallocOptions, NO_ADDRESS } from '@framekit/heap';
import type { HeapOp } from './trace';

/** The calls a recording heap takes: what a program does to a heap. */
export type RecordedHeap = Pick<Heap, 'malloc' | 'free' | 'realloc' | 'releaseOwner'>;

export interface HeapRecording {
  /** Use this in place of the heap: every call is recorded, then passed on. */
  readonly heap: RecordedHeap;
  /** The trace so far; `formatHeapTrace(recording.ops)` writes it as JSON Lines. */
  readonly ops: HeapOp[];
}

/**
 * Records `malloc`, `free`, `realloc` and `releaseOwner` on `heap` as heap operations (objects
 * named by id), so the program's allocations replay on any other heap with `runObjects`. A call
 * that throws is not recorded; a free of an address the recording never handed out throws as
 * the heap would.
 */
export function recordHeap(heap: Heap): HeapRecording {
  const ops: HeapOp[] = [];
  const idOf = new Map<number, number>();
  const ownerIds = new Map<number, Set<number>>();
  let nextId = 0;
  const recorded: RecordedHeap = {
    malloc(size: number, options?: MallocOptions) {
      const address = heap.malloc(size, options);
      const id = nextId++;
      ops.push({
        op: 'malloc',
        id,
        size,
        ...(options?.owner !== undefined ? { owner: options.owner } : {}),
        ...(options?.align !== undefined ? { align: options.align } : {}),
        result: address,
      });
      if (address !== NO_ADDRESS) {
        idOf.set(address, id);
        const owner = options?.owner ?? 0;
        let set = ownerIds.get(owner);
        if (!set) {
          set = new Set();
          ownerIds.set(owner, set);
        }
        set.add(address);
      }
      return address;
    },
    free(address: number) {
      heap.free(address);
      const id = idOf.get(address);
      if (id === undefined) return;
      idOf.delete(address);
      for (const set of ownerIds.values()) set.delete(address);
      ops.push({ op: 'free', id });
    },
    realloc(address: number, size: number, options?: Pick<MallocOptions, 'align'>) {
      const moved = heap.realloc(address, size, options);
      const id = idOf.get(address);
      if (id === undefined) return moved;
      ops.push({
        op: 'realloc',
        id,
        size,
        ...(options?.align !== undefined ? { align: options.align } : {}),
        result: moved,
      });
      if (moved !== NO_ADDRESS && moved !== address) {
        idOf.delete(address);
        idOf.set(moved, id);
        for (const set of ownerIds.values()) {
          if (set.delete(address)) set.add(moved);
        }
      }
      return moved;
    },
    releaseOwner(owner: number) {
      const released = heap.releaseOwner(owner);
      for (const address of ownerIds.get(owner) ?? []) idOf.delete(address);
      ownerIds.delete(owner);
      ops.push({ op: 'exit', owner });
      return released;
    },
  };
  return { heap: recorded, ops };
}
