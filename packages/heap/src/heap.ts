/**
 * `createHeap`: memm's memory manager over a framekit frame allocator. Each owner (memm's
 * pid; 0 is the kernel) gets its own allocator of the chosen strategy, so owners never share a
 * slab or a span; requests of a frame or more are frame runs, page aligned, as kmalloc does for
 * large sizes. An address's allocator is found through the frame → allocator table (SLUB's
 * way) or, with `headers: true`, through a header word before the object (memm's way).
 */
import { type FrameAllocator, FrameError } from '@framekit/core';
import {
  type Address,
  type ByteAllocator,
  type ByteStrategy,
  type ElementType,
  type Heap,
  type HeapOptions,
  type HeapStats,
  type MallocOptions,
  NO_ADDRESS,
  type StrategyHost,
  TOO_BIG,
  type TypedArrayOf,
} from './api';
import { firstFit } from './first-fit';
import { slab } from './slab';
import { tlsf } from './tlsf';

const PAGE = 4096;
/** Table values pack (tag, allocator): `tag * INSTANCES + allocator`. */
const INSTANCES = 2 ** 20;
/** memm's header: 16 bytes before the object, [allocator, tag, offset of the payload, magic]. */
const HEADER_BYTES = 16;
const MAGIC = 0x6d656d6d; // 'memm'
/** Rough bytes a Map entry costs V8 (hash table slot + number keys and values). */
const MAP_ENTRY_BYTES = 24;
const SPARSE_CHUNK_FRAMES = 512;

/** Byte strategies by name. */
export const STRATEGIES: Readonly<Record<string, ByteStrategy>> = { slab, 'first-fit': firstFit, tlsf };

const ELEMENT_BYTES: Record<ElementType, number> = {
  u8: 1,
  i8: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  f32: 4,
  f64: 8,
  u64: 8,
  i64: 8,
};
const ELEMENT_ARRAY = {
  u8: Uint8Array,
  i8: Int8Array,
  u16: Uint16Array,
  i16: Int16Array,
  u32: Uint32Array,
  i32: Int32Array,
  f32: Float32Array,
  f64: Float64Array,
  u64: BigUint64Array,
  i64: BigInt64Array,
} as const;

interface Large {
  /** Frames taken: the run's length (1 for a single `alloc`). */
  readonly frames: number;
  /** Taken with `alloc()` rather than `allocRun`. */
  readonly single: boolean;
  size: number;
  readonly owner: number;
}

/** A heap over `pmm`'s frames; `pmm.space` must have contents. */
export function createHeap(pmm: FrameAllocator, options: HeapOptions = {}): Heap {
  return new FrameHeap(pmm, options);
}

function invalid(op: string, message: string, details: Record<string, unknown>): FrameError {
  return new FrameError('INVALID_REQUEST', `${op}: ${message}`, { op, ...details });
}

function notAllocated(op: string, addr: number): FrameError {
  return new FrameError('NOT_ALLOCATED', `${op}: no live allocation starts at address ${addr}`, { op, addr });
}

function isPowerOfTwo(n: number): boolean {
  if (n > 0 && n <= 0x40000000 && (n | 0) === n) return (n & (n - 1)) === 0;
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

class FrameHeap implements Heap {
  readonly pmm: FrameAllocator;
  readonly strategy: string;
  readonly #strategy: ByteStrategy;
  readonly #headers: boolean;
  readonly #cachedEmpty: number;
  readonly #spanFrames: number;
  readonly #sparse: boolean;
  /** First frame → (tag, allocator) for every frame a slab or span holds. */
  readonly #table = new Map<number, number>();
  readonly #instances: (ByteAllocator | undefined)[] = [];
  readonly #instanceOwner: number[] = [];
  readonly #instanceFrames: number[] = [];
  readonly #ownerInstance = new Map<number, number>();
  readonly #large = new Map<number, Large>();
  readonly #largeByOwner = new Map<number, Set<number>>();
  #lastOwner = -1;
  #lastInstance = -1;
  #disposed = false;

  constructor(pmm: FrameAllocator, options: HeapOptions) {
    if (!pmm.space.hasContents) {
      throw new FrameError('UNSUPPORTED', 'createHeap: the frame space has no contents (backing "none")', {
        op: 'createHeap',
      });
    }
    const strategy =
      typeof options.strategy === 'string' || options.strategy === undefined
        ? STRATEGIES[options.strategy ?? 'slab']
        : options.strategy;
    if (strategy === undefined || typeof strategy.create !== 'function') {
      throw invalid('createHeap', `unknown strategy ${String(options.strategy)} (slab, first-fit, tlsf)`, {
        strategy: options.strategy,
      });
    }
    const cachedEmpty = options.cachedEmpty ?? 1;
    if (!Number.isSafeInteger(cachedEmpty) || cachedEmpty < 0) {
      throw invalid('createHeap', `cachedEmpty ${cachedEmpty} must be an integer ≥ 0`, { cachedEmpty });
    }
    const spanFrames = options.spanFrames ?? 16;
    if (!isPowerOfTwo(spanFrames) || spanFrames > SPARSE_CHUNK_FRAMES) {
      throw invalid('createHeap', `spanFrames ${spanFrames} must be a power of two in [1, 512]`, {
        spanFrames,
      });
    }
    this.pmm = pmm;
    this.#strategy = strategy;
    this.strategy = strategy.name;
    this.#headers = options.headers === true;
    this.#cachedEmpty = cachedEmpty;
    this.#spanFrames = spanFrames;
    this.#sparse = pmm.space.backing === 'sparse';
  }

  // ---- allocation -------------------------------------------------------------------------

  malloc(size: number, options?: MallocOptions): Address {
    this.#live('malloc');
    const owner = options?.owner ?? 0;
    const align = options?.align ?? 8;
    if (!Number.isSafeInteger(size) || size < 0)
      throw invalid('malloc', `size ${size} must be an integer ≥ 0`, { size });
    if (!Number.isSafeInteger(owner) || owner < 0)
      throw invalid('malloc', `owner ${owner} must be an integer ≥ 0`, { owner });
    if (!isPowerOfTwo(align)) throw invalid('malloc', `align ${align} must be a power of two`, { align });
    return this.#malloc(size, align, owner);
  }

  #malloc(size: number, align: number, owner: number): Address {
    if (size < PAGE && align <= PAGE) {
      const i = this.#instanceFor(owner);
      const inst = this.#instances[i] as ByteAllocator;
      if (!this.#headers) {
        const addr = inst.malloc(size, align, size);
        if (addr !== TOO_BIG) return addr;
      } else {
        const delta = Math.max(align, HEADER_BYTES);
        const obj = inst.malloc(size + delta, align > HEADER_BYTES ? align : 16, size);
        if (obj === NO_ADDRESS) return NO_ADDRESS;
        if (obj !== TOO_BIG) {
          const payload = obj + delta;
          const tag = Math.floor((this.#table.get(Math.floor(obj / PAGE)) as number) / INSTANCES);
          const w = this.#words(payload - HEADER_BYTES);
          const at = ((payload - HEADER_BYTES) % PAGE) / 4;
          w[at] = i;
          w[at + 1] = tag;
          w[at + 2] = delta;
          w[at + 3] = MAGIC;
          return payload;
        }
      }
    }
    return this.#mallocLarge(size, align, owner);
  }

  #mallocLarge(size: number, align: number, owner: number): Address {
    const frames = Math.max(1, Math.ceil(size / PAGE));
    let alignFrames = Math.max(1, align / PAGE);
    const runs = this.pmm.capabilities.runs;
    if (this.#sparse) {
      if (frames > SPARSE_CHUNK_FRAMES) {
        throw new FrameError('UNSUPPORTED', `malloc: ${size} bytes cross a sparse space's 2 MiB chunk`, {
          op: 'malloc',
          size,
        });
      }
      alignFrames = Math.max(alignFrames, 2 ** Math.ceil(Math.log2(frames)));
    }
    let pfn: number;
    let taken = frames;
    const single = frames === 1 && alignFrames === 1;
    if (single) pfn = this.pmm.alloc();
    else if (runs === 'any') pfn = this.pmm.allocRun(frames, { align: alignFrames });
    else if (runs === 'huge' && frames <= 512 && alignFrames <= 512) {
      taken = 512;
      pfn = this.pmm.allocRun(512, { align: 512 });
    } else {
      throw new FrameError(
        'UNSUPPORTED',
        `malloc: ${this.pmm.name} cannot hand out ${frames} contiguous frames`,
        {
          op: 'malloc',
          size,
        },
      );
    }
    if (pfn < 0) return NO_ADDRESS;
    const addr = pfn * PAGE;
    this.#large.set(addr, { frames: taken, single, size, owner });
    let set = this.#largeByOwner.get(owner);
    if (set === undefined) {
      set = new Set();
      this.#largeByOwner.set(owner, set);
    }
    set.add(addr);
    return addr;
  }

  calloc(count: number, size: number, options?: MallocOptions): Address {
    this.#live('calloc');
    if (!Number.isSafeInteger(count) || count < 0)
      throw invalid('calloc', `count ${count} must be an integer ≥ 0`, { count });
    if (!Number.isSafeInteger(size) || size < 0 || !Number.isSafeInteger(count * size)) {
      throw invalid('calloc', `size ${size} must be an integer ≥ 0 with count * size safe`, { size });
    }
    const bytes = count * size;
    const addr = this.malloc(bytes, options);
    if (addr !== NO_ADDRESS && bytes > 0) this.#view(addr, bytes).fill(0);
    return addr;
  }

  realloc(addr: Address, size: number): Address {
    this.#live('realloc');
    if (!Number.isSafeInteger(size) || size < 0)
      throw invalid('realloc', `size ${size} must be an integer ≥ 0`, { size });
    if (addr === NO_ADDRESS) return this.malloc(size);
    this.#checkAddress('realloc', addr);
    const large = this.#large.get(addr);
    let owner: number;
    let oldSize: number;
    if (large !== undefined) {
      if (size <= large.frames * PAGE && size >= PAGE) {
        large.size = size;
        return addr;
      }
      owner = large.owner;
      oldSize = large.size;
    } else {
      const v = this.#locate('realloc', addr);
      const i = v % INSTANCES;
      const tag = Math.floor(v / INSTANCES);
      const inst = this.#instances[i] as ByteAllocator;
      const obj = this.#objectOf(addr);
      const delta = addr - obj;
      if (size < PAGE && inst.resize(obj, tag, size + delta, size)) return addr;
      owner = this.#instanceOwner[i];
      oldSize = inst.requested(obj, tag);
    }
    const moved = this.#malloc(size, 8, owner);
    if (moved === NO_ADDRESS) return NO_ADDRESS;
    const keep = Math.min(oldSize, size);
    if (keep > 0) this.#view(moved, keep).set(this.#view(addr, keep));
    this.free(addr);
    return moved;
  }

  free(addr: Address): void {
    this.#live('free');
    this.#checkAddress('free', addr);
    if (this.#large.size > 0) {
      const large = this.#large.get(addr);
      if (large !== undefined) return this.#freeLarge(addr, large);
    }
    const v = this.#locate('free', addr);
    (this.#instances[v % INSTANCES] as ByteAllocator).free(this.#objectOf(addr), Math.floor(v / INSTANCES));
  }

  #freeLarge(addr: number, large: Large): void {
    const pfn = addr / PAGE;
    if (large.single) this.pmm.free(pfn);
    else this.pmm.freeRun(pfn, large.frames);
    this.#large.delete(addr);
    this.#largeByOwner.get(large.owner)?.delete(addr);
  }

  usableSize(addr: Address): number {
    this.#live('usableSize');
    this.#checkAddress('usableSize', addr);
    const large = this.#large.get(addr);
    if (large !== undefined) return large.frames * PAGE;
    const v = this.#locate('usableSize', addr);
    const obj = this.#objectOf(addr);
    return (
      (this.#instances[v % INSTANCES] as ByteAllocator).live(obj, Math.floor(v / INSTANCES)) - (addr - obj)
    );
  }

  ownerOf(addr: Address): number {
    this.#live('ownerOf');
    this.#checkAddress('ownerOf', addr);
    const large = this.#large.get(addr);
    if (large !== undefined) return large.owner;
    return this.#instanceOwner[this.#locate('ownerOf', addr) % INSTANCES];
  }

  bytes(addr: Address, length: number): Uint8Array {
    const usable = this.usableSize(addr);
    if (!Number.isSafeInteger(length) || length < 0 || length > usable) {
      throw invalid('bytes', `length ${length} must be an integer in [0, ${usable}]`, { addr, length });
    }
    return this.#view(addr, length);
  }

  mallocAs<T extends ElementType>(
    type: T,
    count: number,
    options?: MallocOptions,
  ): TypedArrayOf[T] | undefined {
    this.#live('mallocAs');
    const bytesPer = ELEMENT_BYTES[type];
    if (bytesPer === undefined) throw invalid('mallocAs', `unknown element type ${String(type)}`, { type });
    if (!Number.isSafeInteger(count) || count < 0)
      throw invalid('mallocAs', `count ${count} must be an integer ≥ 0`, { count });
    const align = Math.max(bytesPer, options?.align ?? 8);
    const addr = this.malloc(count * bytesPer, { owner: options?.owner, align });
    if (addr === NO_ADDRESS) return undefined;
    const view = this.#view(addr, count * bytesPer);
    return new ELEMENT_ARRAY[type](view.buffer as ArrayBuffer, view.byteOffset, count) as TypedArrayOf[T];
  }

  releaseOwner(owner: number): void {
    this.#live('releaseOwner');
    if (!Number.isSafeInteger(owner) || owner < 0) {
      throw invalid('releaseOwner', `owner ${owner} must be an integer ≥ 0`, { owner });
    }
    const i = this.#ownerInstance.get(owner);
    if (i !== undefined) {
      (this.#instances[i] as ByteAllocator).release();
      this.#instances[i] = undefined;
      this.#ownerInstance.delete(owner);
      if (this.#lastOwner === owner) this.#lastOwner = -1;
    }
    const set = this.#largeByOwner.get(owner);
    if (set !== undefined) {
      for (const addr of set) this.#freeLarge(addr, this.#large.get(addr) as Large);
      this.#largeByOwner.delete(owner);
    }
  }

  stats(): HeapStats {
    this.#live('stats');
    let framesHeld = 0;
    let freeBytes = 0;
    let largest = 0;
    let metadataBytes = this.#table.size * MAP_ENTRY_BYTES + this.#large.size * 4 * MAP_ENTRY_BYTES;
    type Row = { liveBytes: number; usedBytes: number; objects: number };
    const byOwner = new Map<number, Row & { framesHeld: number }>();
    const bySizeClass = new Map<number | 'large', Row>();
    const total: Row = { liveBytes: 0, usedBytes: 0, objects: 0 };
    let headerBytes = 0;
    const ownerRow = (owner: number) => {
      let row = byOwner.get(owner);
      if (row === undefined) {
        row = { liveBytes: 0, usedBytes: 0, objects: 0, framesHeld: 0 };
        byOwner.set(owner, row);
      }
      return row;
    };
    const add = (owner: number, key: number | 'large', usable: number, requested: number, header: number) => {
      let row = bySizeClass.get(key);
      if (row === undefined) {
        row = { liveBytes: 0, usedBytes: 0, objects: 0 };
        bySizeClass.set(key, row);
      }
      for (const u of [ownerRow(owner), row, total]) {
        u.liveBytes += requested;
        u.usedBytes += usable;
        u.objects++;
      }
      headerBytes += header;
    };
    const header = this.#headers ? HEADER_BYTES : 0;
    this.#ownerInstance.forEach((i, owner) => {
      const inst = this.#instances[i] as ByteAllocator;
      const usage = inst.usage();
      framesHeld += usage.framesHeld;
      freeBytes += usage.freeBytes;
      metadataBytes += usage.metadataBytes;
      if (usage.largestFreeBlock > largest) largest = usage.largestFreeBlock;
      ownerRow(owner).framesHeld += usage.framesHeld;
      inst.forEachLive((usable, requested) => add(owner, usable, usable, requested, header));
    });
    for (const large of this.#large.values()) {
      framesHeld += large.frames;
      add(large.owner, 'large', large.frames * PAGE, large.size, 0);
      ownerRow(large.owner).framesHeld += large.frames;
    }
    return {
      ...total,
      framesHeld,
      bytesHeld: framesHeld * PAGE,
      headerBytes,
      internalFragmentation: total.usedBytes === 0 ? 0 : 1 - total.liveBytes / total.usedBytes,
      externalFragmentation: freeBytes === 0 ? 0 : 1 - largest / freeBytes,
      freeBytes,
      largestFreeBlock: largest,
      metadataBytes,
      byOwner,
      bySizeClass,
    };
  }

  [Symbol.dispose](): void {
    if (this.#disposed) return;
    for (const owner of [...this.#ownerInstance.keys(), ...this.#largeByOwner.keys()])
      this.releaseOwner(owner);
    this.#disposed = true;
  }

  // ---- internals ----------------------------------------------------------------------------

  #live(op: string): void {
    if (this.#disposed) throw invalid(op, 'the heap was disposed', {});
  }

  #checkAddress(op: string, addr: number): void {
    if (!Number.isSafeInteger(addr) || addr < 0)
      throw invalid(op, `address ${addr} must be an integer ≥ 0`, { addr });
  }

  /** The packed (tag, allocator) of the live small object at `addr`; throws NOT_ALLOCATED. */
  #locate(op: string, addr: number): number {
    let v: number | undefined;
    let obj = addr;
    if (this.#headers) {
      if (addr < HEADER_BYTES || addr % 8 !== 0) throw notAllocated(op, addr);
      const pfn = Math.floor((addr - HEADER_BYTES) / PAGE);
      if (!this.#table.has(pfn)) throw notAllocated(op, addr);
      const w = this.#words(addr - HEADER_BYTES);
      const at = ((addr - HEADER_BYTES) % PAGE) / 4;
      const i = w[at];
      if (w[at + 3] !== MAGIC || i < 0 || i >= this.#instances.length || this.#instances[i] === undefined) {
        throw notAllocated(op, addr);
      }
      obj = addr - w[at + 2];
      v = w[at + 1] * INSTANCES + i;
    } else {
      v = this.#table.get(Math.floor(addr / PAGE));
      if (v === undefined) throw notAllocated(op, addr);
    }
    const inst = this.#instances[v % INSTANCES];
    if (inst === undefined || inst.live(obj, Math.floor(v / INSTANCES)) < 0) throw notAllocated(op, addr);
    return v;
  }

  /** The start of the object whose payload is at `addr` (after `#locate` succeeded). */
  #objectOf(addr: number): number {
    if (!this.#headers) return addr;
    const w = this.#words(addr - HEADER_BYTES);
    return addr - w[((addr - HEADER_BYTES) % PAGE) / 4 + 2];
  }

  #words(addr: number): Int32Array {
    const view = this.pmm.space.bytes(Math.floor(addr / PAGE), 1);
    return new Int32Array(view.buffer, view.byteOffset, PAGE / 4);
  }

  #view(addr: number, length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    const first = Math.floor(addr / PAGE);
    const last = Math.floor((addr + length - 1) / PAGE);
    const offset = addr - first * PAGE;
    return this.pmm.space.bytes(first, last - first + 1).subarray(offset, offset + length);
  }

  #instanceFor(owner: number): number {
    if (owner === this.#lastOwner) return this.#lastInstance;
    let i = this.#ownerInstance.get(owner);
    if (i === undefined) {
      i = this.#instances.length;
      if (i >= INSTANCES) throw invalid('malloc', `more than ${INSTANCES} owners`, { owner });
      this.#instances.push(undefined);
      this.#instanceOwner.push(owner);
      this.#instanceFrames.push(0);
      this.#instances[i] = this.#strategy.create(this.#host(i));
      this.#ownerInstance.set(owner, i);
    }
    this.#lastOwner = owner;
    this.#lastInstance = i;
    return i;
  }

  #host(i: number): StrategyHost {
    const pmm = this.pmm;
    const table = this.#table;
    return {
      pmm,
      cachedEmpty: this.#cachedEmpty,
      spanFrames: this.#spanFrames,
      takeFrames(count, tag) {
        const pfn = count === 1 ? pmm.alloc() : pmm.allocRun(count, { align: count });
        if (pfn < 0) return -1;
        const value = tag * INSTANCES + i;
        for (let f = 0; f < count; f++) table.set(pfn + f, value);
        return pfn;
      },
      giveFrames(pfn, count) {
        if (count === 1) pmm.free(pfn);
        else pmm.freeRun(pfn, count);
        for (let f = 0; f < count; f++) table.delete(pfn + f);
      },
      words(pfn, count) {
        const view = pmm.space.bytes(pfn, count);
        return new Int32Array(view.buffer, view.byteOffset, view.byteLength / 4);
      },
    };
  }
}
