import { type FrameAllocator, FrameError, isPowerOfTwo, KERNEL_OWNER, NO_FRAME } from '@framekit/core';
import { FrameWords, SPARSE_CHUNK_FRAMES } from '@framekit/core/plugin';
import type {
  AllocatorUsage,
  FRAME_BYTES as API_FRAME_BYTES,
  MIN_ALIGN as API_MIN_ALIGN,
  NO_ADDRESS as API_NO_ADDRESS,
  ByteAllocator,
  FrameHost,
  Heap,
  HeapBlock,
  HeapOptions,
  HeapStats,
  HeapStrategy,
  HeapUsage,
  MallocOptions,
  OwnerUsage,
  SizeClassUsage,
  ViewType,
  ViewTypeMap,
} from './api';
import { BlockRegistry } from './blocks';
import { FrameTable, liveMask, type META_WORDS as TABLE_META_WORDS } from './frame-table';
import {
  type NO_CLASS as CACHE_NO_CLASS,
  type STACK_HEADER as CACHE_STACK_HEADER,
  Magazines,
} from './magazines';
import { checkOwner, OwnerSlots } from './owners';
import { CLASS_ROWS, counterRow, RUN_CLASS, SIZE_CLASSES, smallClass } from './size-classes';
import { resolveStrategy } from './strategies';
import { VIEW_TYPES } from './views';

// The constants of the hot paths as module-local literals (their types keep them equal to the
// exported ones): V8 folds a local `const` into optimized code, not an imported binding.
const FRAME_BYTES: typeof API_FRAME_BYTES = 4096;
const MIN_ALIGN: typeof API_MIN_ALIGN = 16;
const NO_ADDRESS: typeof API_NO_ADDRESS = -1;
const META_WORDS: typeof TABLE_META_WORDS = 9;
const NO_CLASS: typeof CACHE_NO_CLASS = 255;
const STACK_HEADER: typeof CACHE_STACK_HEADER = 2;

/** The block tag of frame runs (handed out, or kept in the frame class of the owner's cache). */
const RUN = -1;
/** Header words (with `headers`): allocator slot, block tag, header bytes, check. */
const HEADER_BYTES = 16;
const HEADER_CHECK = 0x5a17c0de;

/**
 * A heap over `pmm`, whose frame space must have contents (dense, shared or sparse). Small
 * requests go to the owner's byte allocator (the strategy: `'slab'` by default, `'first-fit'`,
 * `'tlsf'`, or your own `HeapStrategy`); requests of a frame or more, or aligned to a frame or
 * more, are runs of whole frames from `pmm` (`allocRun`; a single frame, unaligned, from
 * `alloc`), as kmalloc does for large sizes.
 *
 * ```js
 * const heap = createHeap(pmm, { strategy: 'tlsf' });
 * const a = heap.malloc(100, { owner: 7 });
 * heap.bytes(a).set([1, 2, 3]);
 * heap.releaseOwner(7); // process exit: everything owner 7 held goes back
 * ```
 */
export function createHeap(pmm: FrameAllocator, options: HeapOptions = {}): Heap {
  return new FrameHeap(pmm, options);
}

const NO_INTS = new Int32Array(0);
const NO_FLOATS = new Float64Array(0);

class FrameHeap implements Heap {
  readonly strategy: string;
  readonly headers: boolean = false;
  readonly #pmm: FrameAllocator;
  readonly #strategy: HeapStrategy;
  readonly #contents: FrameWords;
  readonly #sparse: boolean = false;
  readonly #runs: boolean = false;
  readonly #maxBlockFrames: number = 0;
  readonly #spaceBytes: number = 0;
  readonly #table: FrameTable;
  readonly #blocks = new BlockRegistry();
  readonly #owners = new OwnerSlots();
  #allocators: (ByteAllocator | undefined)[] = [];
  /**
   * The kernel's (owner 0's) allocator, its `maxSize` and slot, and the start of its stacks in
   * the cache (with headers, or while it has none: undefined, 0, -1, 0), for `malloc`'s fast path.
   */
  #kernel: ByteAllocator | undefined;
  #kernelMax = 0;
  #kernelSlot = -1;
  /** Request granule → where the kernel's stack for it starts, or -1 (no kernel, no class, or a class that keeps nothing). */
  readonly #kernelStack = new Int32Array(FRAME_BYTES / 16 + 1).fill(-1);
  /**
   * The hot arrays of the table and the cache, kept here (one load fewer on every `malloc` and
   * `free`), refreshed where they may grow: `#takeBlock` (the table's leaves) and `#newAllocator`
   * (the cache's stacks). Each starts as an empty array of its type, not `undefined`, so that
   * V8 knows the field's type and loads it without a check.
   */
  readonly #dir: Int32Array = NO_INTS;
  #meta: Int32Array = NO_INTS;
  #stacks: Int32Array = NO_INTS;
  #addresses: Float64Array = NO_FLOATS;
  /** Per block: taken with `allocRun` (1) or `alloc` (0). */
  #viaRun = new Uint8Array(64);
  /** Per block: the usable size of each of its objects when they are alike (a slab: its class; a one-frame run: 4096), else 0. */
  #objectBytes = new Uint16Array(64);
  /** Freed objects and frames kept per owner and class for reuse. */
  readonly #cache: Magazines;
  #classesSet = false;
  /** The whole space's words when its contents are dense (one buffer), for the size word of `sizeWordBefore`. */
  readonly #denseWords: Uint32Array | undefined;
  /** The strategy's `sizeWordBefore` in bytes and in words (0: it has none). */
  #sizeWordBefore = 0;
  #sizeWords = 0;
  /** Reused options of `pmm.allocRun` (no object per call). */
  readonly #runOptions = { align: 1 };
  /** Base address of each buffer a view was made over, for `addressOf`. */
  readonly #bufferBase = new Map<ArrayBufferLike, number>();
  /** The views `mallocAs`, `callocAs` and `bytes` handed out: `addressOf` answers for these alone. */
  #views = new WeakSet<ArrayBufferView>();
  // What `#resolve` found.
  #rSlot = 0;
  #rBlock = -1;
  #rHeader = 0;
  #rUsable = 0;
  /** The allocation is a frame run (not an object of a strategy's, which may pass 4096 by its rounding). */
  #rRun = false;

  constructor(pmm: FrameAllocator, options: HeapOptions) {
    if (pmm === null || typeof pmm !== 'object' || typeof pmm.alloc !== 'function' || !pmm.space) {
      throw new FrameError('INVALID_REQUEST', 'createHeap: pmm must be a FrameAllocator', {
        op: 'createHeap',
      });
    }
    this.#strategy = resolveStrategy(options.strategy);
    this.strategy = this.#strategy.name;
    if (options.headers !== undefined && typeof options.headers !== 'boolean') {
      throw new FrameError('INVALID_REQUEST', `createHeap: headers must be a boolean`, { op: 'createHeap' });
    }
    this.headers = options.headers ?? false;
    const frameCache = options.frameCache ?? 64;
    if (!Number.isSafeInteger(frameCache) || frameCache < 0 || frameCache > 4096) {
      throw new FrameError(
        'INVALID_REQUEST',
        `createHeap: frameCache ${frameCache} must be an integer in [0, 4096]`,
        {
          op: 'createHeap',
        },
      );
    }
    const cacheBytes = options.cacheBytes ?? 256 * 1024;
    if (!Number.isSafeInteger(cacheBytes) || cacheBytes < 0) {
      throw new FrameError(
        'INVALID_REQUEST',
        `createHeap: cacheBytes ${cacheBytes} must be an integer >= 0`,
        {
          op: 'createHeap',
        },
      );
    }
    this.#cache = new Magazines(this.headers ? 0 : cacheBytes, frameCache);
    this.#pmm = pmm;
    this.#contents = new FrameWords(pmm.space, 'createHeap');
    this.#sparse = pmm.space.backing === 'sparse';
    this.#runs = pmm.capabilities.runs === 'any';
    this.#maxBlockFrames = this.#runs ? (this.#sparse ? SPARSE_CHUNK_FRAMES : pmm.space.frameCount) : 1;
    this.#spaceBytes = pmm.space.frameCount * FRAME_BYTES;
    this.#table = new FrameTable(pmm.space.frameCount);
    this.#dir = this.#table.dir;
    this.#meta = this.#table.meta;
    this.#stacks = this.#cache.stacks;
    this.#addresses = this.#cache.addresses;
    const words = this.#sparse ? undefined : this.#contents.words(0);
    this.#denseWords = words !== undefined && this.#contents.wordBase === 0 ? words : undefined;
  }

  // ---- allocation ----

  malloc(size: number, options?: MallocOptions): number {
    // The fast path, small enough to inline: the kernel's request of at most a frame, from its
    // cache (pop an address, set its live bit), else from its allocator.
    // `((size - 1) & 4095) === size - 1`: an integer in [1, 4096] (one test; NaN and fractions
    // fail; a string such as '16' passes it, so its type is tested too).
    if (options === undefined && typeof size === 'number' && ((size - 1) & (FRAME_BYTES - 1)) === size - 1) {
      const b = this.#kernelStack[(size + 15) >>> 4];
      if (b >= 0) {
        const stacks = this.#stacks;
        const n = stacks[b] - 1;
        if (n >= 0) {
          stacks[b] = n;
          const address = this.#addresses[b + STACK_HEADER + n];
          // liveMask(address), inlined.
          this.#meta[stacks[b + STACK_HEADER + n]] |= 1 << ((address >>> 4) & 31);
          return address;
        }
      }
      // `+` on the calls' results: every return is then a number, so V8 keeps the address a
      // float in registers when `malloc` is inlined, rather than boxing the fast path's to match
      // the calls' tagged results.
      if (size <= this.#kernelMax) return +this.#mallocKernel(size);
    }
    return +this.#mallocChecked(size, options);
  }

  /** The kernel's small request the cache could not serve: from its allocator (rounded up to its class), then marked live. */
  #mallocKernel(size: number): number {
    const c = this.#cache.ceilClass[(size + 15) >>> 4];
    const want = c !== NO_CLASS && c !== this.#cache.frameClass ? this.#cache.classBytes[c] : size;
    const address = this.#kernel!.allocate(want, MIN_ALIGN);
    if (address === NO_ADDRESS) return this.#mallocChecked(size, undefined);
    this.#markLive(address);
    return address;
  }

  /** `malloc` with every argument checked. */
  #mallocChecked(size: number, options: MallocOptions | undefined): number {
    // `null` options are no options, as `options?.owner` reads them everywhere else.
    const owner = options == null ? KERNEL_OWNER : (options.owner ?? KERNEL_OWNER);
    const align = options == null ? MIN_ALIGN : readAlign('malloc', options.align);
    if (((size | 0) !== size || size < 1) && (!Number.isSafeInteger(size) || size < 1)) {
      throw badSize('malloc', size);
    }
    if (size > FRAME_BYTES || align > FRAME_BYTES) this.#checkRunShape('malloc', size, align);
    return this.#malloc(size, this.#owners.slotFor('malloc', owner), align);
  }

  calloc(count: number, size: number, options?: MallocOptions): number {
    if (!Number.isSafeInteger(count) || count < 1) throw badCount('calloc', count);
    if (!Number.isSafeInteger(size) || size < 1) throw badSize('calloc', size);
    const bytes = count * size;
    if (!Number.isSafeInteger(bytes)) throw badSize('calloc', bytes);
    const align = readAlign('calloc', options?.align);
    if (bytes > FRAME_BYTES || align > FRAME_BYTES) this.#checkRunShape('calloc', bytes, align);
    const address = this.#malloc(
      bytes,
      this.#owners.slotFor('calloc', options?.owner ?? KERNEL_OWNER),
      align,
    );
    if (address !== NO_ADDRESS) this.#fill(address, bytes, 0);
    return address;
  }

  realloc(address: number, size: number, options?: Pick<MallocOptions, 'align'>): number {
    if (!Number.isSafeInteger(size) || size < 1) throw badSize('realloc', size);
    const align = readAlign('realloc', options?.align);
    this.#resolve('realloc', address);
    const usable = this.#rUsable;
    const slot = this.#rSlot;
    // In place while it fits and stays aligned, unless it grows to a frame or more outside a frame
    // run: requests of a frame or more are frame runs (a span's object may pass 4096 by rounding).
    if (
      size <= usable &&
      Math.floor(address / align) * align === address &&
      (size < FRAME_BYTES || this.#rRun)
    ) {
      return address;
    }
    if (size > FRAME_BYTES || align > FRAME_BYTES) this.#checkRunShape('realloc', size, align);
    const moved = this.#malloc(size, slot, align);
    if (moved === NO_ADDRESS) return NO_ADDRESS;
    this.#copy(address, moved, Math.min(usable, size));
    this.free(address);
    return moved;
  }

  mallocAs<T extends ViewType>(type: T, count: number, options?: MallocOptions): ViewTypeMap[T] | undefined {
    return this.#typed('mallocAs', type, count, options, false);
  }

  callocAs<T extends ViewType>(type: T, count: number, options?: MallocOptions): ViewTypeMap[T] | undefined {
    return this.#typed('callocAs', type, count, options, true);
  }

  // ---- release ----

  free(address: number): void {
    // The fast path, small enough to inline, for an address below 2^31 (so integer operations on
    // it are exact) in a block whose objects share a class: the live bit says an allocation starts
    // here (one load decides foreign, interior, freed and cached addresses); the frame's key names
    // the owner slot and class; then onto that class's stack.
    // An integer multiple of 16 in [0, 2^31) keeps its value through `& 0x7ffffff0`.
    if ((address & 0x7ffffff0) === address) {
      const pfn = address >>> 12;
      const chunk = pfn >>> 9;
      const dir = this.#dir;
      if (chunk < dir.length) {
        const at = dir[chunk];
        const pos = at + (pfn & 511);
        const entry = pos * META_WORDS;
        const word = entry + 1 + ((address >>> 9) & 7);
        const mask = 1 << ((address >>> 4) & 31);
        const meta = this.#meta;
        if (at >= 0 && (meta[word] & mask) !== 0) {
          let b = meta[entry];
          if (b < -2) {
            // Objects of varying size (a span's): the strategy's size word in front of it names the class.
            const cache = this.#cache;
            let usable = (this.#denseWords![(address >>> 2) - this.#sizeWords] & ~15) - this.#sizeWordBefore;
            if (usable >= FRAME_BYTES) usable = FRAME_BYTES - 1;
            const c = cache.floorClass[usable >>> 4];
            b = c === NO_CLASS ? -1 : -3 - b + cache.base[c];
          }
          if (b >= 0) {
            const stacks = this.#stacks;
            const n = stacks[b];
            if (n < stacks[b + 1]) {
              meta[word] &= ~mask;
              stacks[b] = n + 1;
              stacks[b + STACK_HEADER + n] = word;
              this.#addresses[b + STACK_HEADER + n] = address;
              return;
            }
          }
        }
      }
    }
    this.#free(address);
  }

  /** `free` in general: any address, any block. */
  #free(address: number): void {
    // Before any arithmetic: a string such as '16' would otherwise name the object at 16.
    if (!Number.isSafeInteger(address)) throw badAddress('free', address);
    const table = this.#table;
    const pfn = Math.floor(address / FRAME_BYTES);
    const pos = table.position(pfn);
    const offset = address - pfn * FRAME_BYTES;
    // `offset & 0xff0` equals `offset` only for an integer multiple of 16 below 4096.
    if (pos >= 0 && (offset & 0xff0) === offset) {
      const word = pos * META_WORDS + 1 + (offset >>> 9);
      const mask = 1 << ((offset >>> 4) & 31);
      const bits = table.meta[word];
      if ((bits & mask) !== 0) {
        const block = table.pool[pos] - 1;
        const slot = this.#blocks.info[2 * block];
        let usable = this.#objectBytes[block];
        if (usable === 0) usable = this.#usableOf(address, block);
        const cache = this.#cache;
        const b = usable > 0 ? cache.stackOf(slot, cache.floorClass[usable >>> 4]) : -1;
        if (b >= 0) {
          const stacks = cache.stacks;
          const n = stacks[b];
          if (n < stacks[b + 1]) {
            table.meta[word] = bits & ~mask;
            stacks[b] = n + 1;
            stacks[b + STACK_HEADER + n] = word;
            cache.addresses[b + STACK_HEADER + n] = address;
            return;
          }
        }
        this.#release(address, block, slot);
        return;
      }
    }
    this.#freeUnfiled(address, pos);
  }

  /**
   * What the cache files the live allocation at `address` in `block` under, whose objects vary:
   * its usable size, below a frame (a span's object may pass 4096 by its rounding; the frame class
   * is for whole frames only), or 0 for a run of more than a frame.
   */
  #usableOf(address: number, block: number): number {
    const tag = this.#blocks.tag(block);
    if (tag === RUN) return 0;
    const usable = this.#allocators[this.#blocks.slot(block)]!.usableSize(address, tag);
    return usable < FRAME_BYTES ? usable : FRAME_BYTES - 1;
  }

  /** Gives the live allocation at `address` (in `block`, of `slot`) back to its allocator or, a run, to `pmm`. */
  #release(address: number, block: number, slot: number): void {
    const tag = this.#blocks.tag(block);
    if (tag === RUN) {
      this.#count(slot, this.#blocks.frames[block] * FRAME_BYTES, -1);
      this.#giveBlock(block);
      return;
    }
    // The live bit said yes; an allocator that disagrees is told no change happened.
    if (this.#allocators[slot]!.release(address, tag) < 0) throw notAllocated('free', address);
    const word = this.#table.liveWord(address);
    this.#table.meta[word] &= ~liveMask(address);
  }

  /** `free` of an address whose live bit is clear: with headers, maybe a small object; else not ours. */
  #freeUnfiled(address: number, pos: number): void {
    // A frame of the table is a run's or a slab's, never a headed object's.
    if (!this.headers || (pos >= 0 && this.#table.pool[pos] !== 0)) throw notAllocated('free', address);
    const slot = this.#readHeader(address);
    if (slot < 0) throw notAllocated('free', address);
    const header = this.#rHeader;
    const usable = this.#allocators[slot]!.release(address - header, this.#rBlock);
    if (usable < 0) throw notAllocated('free', address);
    this.#count(slot, usable - header, -1);
  }

  releaseOwner(owner: number): number {
    checkOwner('releaseOwner', owner);
    const slot = this.#owners.find(owner);
    if (slot < 0) return 0;
    // Without headers the allocator counts its own objects: ask before it goes.
    const allocator = this.#allocators[slot];
    // Objects and frames kept in the cache are counted by the allocator and the owner, but are not live.
    let objects = -this.#cache.cachedOf(slot);
    if (allocator !== undefined && !this.headers) {
      const usage = emptyUsage();
      allocator.usage(usage);
      for (let row = 0; row < CLASS_ROWS; row++) objects += usage.classObjects[row];
    }
    for (let block = this.#blocks.firstOf(slot); block >= 0; block = this.#blocks.firstOf(slot)) {
      this.#giveBlock(block);
    }
    this.#allocators[slot] = undefined;
    this.#cache.drop(slot);
    if (slot === this.#kernelSlot) {
      this.#kernel = undefined;
      this.#kernelMax = 0;
      this.#kernelSlot = -1;
      this.#kernelStack.fill(-1);
    }
    return objects + this.#owners.release(slot);
  }

  trim(): number {
    let frames = this.#flush();
    for (const allocator of this.#allocators) if (allocator) frames += allocator.trim();
    return frames;
  }

  /** Adds up what `slot` keeps in its cache: objects and usable bytes per counter row, and as free bytes in `usage`. */
  #cachedUsage(slot: number, objects: Float64Array, bytes: Float64Array, usage: AllocatorUsage): void {
    const cache = this.#cache;
    if ((slot + 1) * cache.stride > cache.stacks.length) return;
    for (let c = 0; c < cache.classCount; c++) {
      const b = slot * cache.stride + cache.base[c];
      const n = cache.stacks[b];
      for (let i = 0; i < n; i++) {
        const address = cache.addresses[b + STACK_HEADER + i];
        const block = this.#table.blockAt(address);
        const tag = this.#blocks.tag(block);
        const allocator = this.#allocators[slot];
        const usable = tag === RUN ? FRAME_BYTES : allocator!.usableSize(address, tag);
        // The row the allocator (or, for a frame, the owner) counted it in.
        const row = tag === RUN ? counterRow(usable) : smallClass(usable);
        objects[row]++;
        bytes[row] += usable;
        usage.freeBytes += usable;
        if (tag !== RUN && (allocator!.blockClass?.(tag) ?? -1) >= 0) usage.classFreeBytes[row] += usable;
      }
    }
  }

  /** Gives every cached object back to its allocator and every cached frame to `pmm`; returns the frames given. */
  #flush(): number {
    const cache = this.#cache;
    let frames = 0;
    for (const slot of this.#owners.slots()) {
      if ((slot + 1) * cache.stride > cache.stacks.length) continue;
      for (let c = 0; c < cache.classCount; c++) {
        const b = slot * cache.stride + cache.base[c];
        while (cache.stacks[b] > 0) {
          const n = --cache.stacks[b];
          const address = cache.addresses[b + STACK_HEADER + n];
          const block = this.#table.blockAt(address);
          // Live for the moment, so `#release` finds it as it would a handed-out one.
          this.#markLive(address);
          if (this.#blocks.tag(block) === RUN) frames += this.#blocks.frames[block];
          this.#release(address, block, slot);
        }
      }
    }
    return frames;
  }

  [Symbol.dispose](): void {
    for (const slot of this.#owners.slots()) this.releaseOwner(this.#owners.owner[slot]);
    this.#bufferBase.clear();
    this.#views = new WeakSet();
  }

  // ---- queries ----

  usableSize(address: number): number {
    this.#resolve('usableSize', address);
    return this.#rUsable;
  }

  ownerOf(address: number): number {
    this.#resolve('ownerOf', address);
    return this.#owners.owner[this.#rSlot];
  }

  bytes(address: number, length?: number): Uint8Array {
    if (length !== undefined && (!Number.isSafeInteger(length) || length < 1)) {
      throw new FrameError('INVALID_REQUEST', `bytes: length ${length} must be an integer >= 1`, {
        op: 'bytes',
        length,
      });
    }
    this.#resolve('bytes', address);
    const n = length ?? this.#rUsable;
    if (n > this.#rUsable) {
      throw new FrameError(
        'INVALID_REQUEST',
        `bytes: length ${n} passes the end of the allocation at ${address} (${this.#rUsable} usable bytes)`,
        { op: 'bytes', address, length: n },
      );
    }
    const view = this.#byteView(address);
    const out = view.subarray(this.#contents.byteBase, this.#contents.byteBase + n);
    this.#views.add(out);
    return out;
  }

  addressOf(view: ArrayBufferView): number {
    if (!this.#views.has(view)) return NO_ADDRESS;
    const base = this.#bufferBase.get(view.buffer);
    return base === undefined ? NO_ADDRESS : base + view.byteOffset;
  }

  stats(): HeapStats {
    const owners: OwnerUsage[] = [];
    const classObjects = new Float64Array(CLASS_ROWS);
    const classBytes = new Float64Array(CLASS_ROWS);
    const classFreeBytes = new Float64Array(CLASS_ROWS);
    const classFrames = new Float64Array(CLASS_ROWS);
    let freeTotal = 0;
    let runObjects = 0;
    let runFrames = 0;
    let metadata = 0;
    for (const slot of this.#owners.slots()) {
      const usage = emptyUsage(classFreeBytes, classFrames);
      const allocator = this.#allocators[slot];
      allocator?.usage(usage);
      metadata += allocator?.metadataBytes() ?? 0;
      // Objects and frames in the owner's cache are held and free, not live.
      const cachedObjects = new Float64Array(CLASS_ROWS);
      const cachedBytes = new Float64Array(CLASS_ROWS);
      this.#cachedUsage(slot, cachedObjects, cachedBytes, usage);
      freeTotal += usage.freeBytes;
      let objects = 0;
      let live = 0;
      for (let row = 0; row < CLASS_ROWS; row++) {
        // Frame runs (and, with headers, every object at its user-visible size) are the heap's counts;
        // small objects without headers are the allocator's.
        let o = this.#owners.objects[slot * CLASS_ROWS + row] - cachedObjects[row];
        let b = this.#owners.bytes[slot * CLASS_ROWS + row] - cachedBytes[row];
        if (!this.headers) {
          o += usage.classObjects[row];
          b += usage.classLiveBytes[row];
        }
        objects += o;
        live += b;
        classObjects[row] += o;
        classBytes[row] += b;
      }
      runObjects += this.#owners.objects[slot * CLASS_ROWS + RUN_CLASS];
      runFrames += this.#owners.bytes[slot * CLASS_ROWS + RUN_CLASS] / FRAME_BYTES;
      const frames = this.#blocks.framesOf(slot);
      if (objects === 0 && frames === 0) continue;
      owners.push({
        owner: this.#owners.owner[slot],
        ...usageOf(objects, live, usage.freeBytes, frames),
      });
    }
    let objects = 0;
    let live = 0;
    let frames = 0;
    for (const o of owners) {
      objects += o.objects;
      live += o.liveBytes;
      frames += o.framesHeld;
    }
    const sizeClasses: SizeClassUsage[] = SIZE_CLASSES.map((size, c) => {
      // A class without frames of its own (a span strategy's) has live objects but no held bytes.
      const frames = classFrames[c];
      return frames === 0
        ? { size, ...usageOf(classObjects[c], classBytes[c], 0, 0), overheadBytes: 0 }
        : { size, ...usageOf(classObjects[c], classBytes[c], classFreeBytes[c], frames) };
    });
    metadata +=
      this.#table.bytes() +
      this.#blocks.bytes() +
      this.#owners.bytesUsed() +
      this.#viaRun.byteLength +
      this.#objectBytes.byteLength +
      this.#cache.metadataBytes();
    return {
      strategy: this.strategy,
      headers: this.headers,
      ...usageOf(objects, live, freeTotal, frames),
      frameRuns: { objects: runObjects, framesHeld: runFrames },
      owners,
      sizeClasses,
      metadataBytes: metadata,
    };
  }

  blocks(): HeapBlock[] {
    const out: HeapBlock[] = this.#blocks.ids().map((id) => {
      const slot = this.#blocks.slot(id);
      const tag = this.#blocks.tag(id);
      const c = tag >= 0 ? (this.#allocators[slot]?.blockClass?.(tag) ?? -1) : -1;
      const pfn = this.#blocks.pfn[id];
      return {
        pfn,
        frames: this.#blocks.frames[id],
        owner: this.#owners.owner[slot],
        kind:
          tag === RUN ? (this.#table.isLive(pfn * FRAME_BYTES) ? 'run' : 'cached') : c >= 0 ? 'slab' : 'span',
        sizeClass: c >= 0 ? SIZE_CLASSES[c] : 0,
      };
    });
    return out.sort((a, b) => a.pfn - b.pfn);
  }

  // ---- inside ----

  /** Serves a validated request for `slot`: the strategy for small sizes, a frame run otherwise. */
  #malloc(size: number, slot: number, align: number): number {
    const allocator = this.#allocators[slot] ?? this.#newAllocator(slot);
    if (this.headers) {
      const header = Math.max(align, HEADER_BYTES);
      const raw = size + header;
      if (servesBytes(allocator, raw, align)) {
        const address = this.#allocateIn(allocator, raw, align);
        if (address === NO_ADDRESS) return NO_ADDRESS;
        const user = address + header;
        this.#writeHeader(user, slot, allocator.lastTag, header);
        this.#count(slot, allocator.lastUsable - header, 1);
        return user;
      }
    } else {
      let want = size;
      if (align <= MIN_ALIGN && size <= FRAME_BYTES) {
        const cache = this.#cache;
        const c = cache.ceilClass[(size + 15) >>> 4];
        if (c !== NO_CLASS) {
          const address = this.#pop(slot, c);
          if (address !== NO_ADDRESS) return address;
          if (c !== cache.frameClass) want = cache.classBytes[c];
        }
      }
      if (servesBytes(allocator, want, align)) {
        const address = this.#allocateIn(allocator, want, align);
        if (address !== NO_ADDRESS) this.#markLive(address);
        return address;
      }
    }
    return this.#mallocRun(size, slot, align);
  }

  /** `bytes` from the strategy, once more after reclaiming cached memory when it is out. */
  #allocateIn(allocator: ByteAllocator, bytes: number, align: number): number {
    const address = allocator.allocate(bytes, align);
    return address === NO_ADDRESS && this.#reclaim() ? allocator.allocate(bytes, align) : address;
  }

  /** An address from `slot`'s stack of class `c` (made live), or `NO_ADDRESS` when it is empty. */
  #pop(slot: number, c: number): number {
    const cache = this.#cache;
    const b = cache.stackOf(slot, c);
    if (b < 0 || b >= cache.stacks.length || cache.stacks[b] === 0) return NO_ADDRESS;
    const n = --cache.stacks[b];
    const address = cache.addresses[b + STACK_HEADER + n];
    this.#table.meta[cache.stacks[b + STACK_HEADER + n]] |= liveMask(address);
    return address;
  }

  /** Sets the live bit of `address` (in a frame of the table). */
  #markLive(address: number): void {
    this.#table.meta[this.#table.liveWord(address)] |= liveMask(address);
  }

  /** Under memory pressure: the cache and cached empty blocks go back; true when anything did. */
  #reclaim(): boolean {
    let any = false;
    for (const slot of this.#owners.slots()) if (this.#cache.cachedOf(slot) > 0) any = true;
    return this.trim() > 0 || any;
  }

  /** Throws `UNSUPPORTED` unless `pmm` can give a run of frames for `size` bytes at `align` (before any change). */
  #checkRunShape(op: string, size: number, align: number): void {
    const frames = Math.ceil(size / FRAME_BYTES);
    const alignFrames = align > FRAME_BYTES ? align / FRAME_BYTES : 1;
    if ((frames > 1 || alignFrames > 1) && !this.#runs) {
      throw new FrameError(
        'UNSUPPORTED',
        `${op}: ${size} bytes aligned to ${align} need a run of frames, and ${this.#pmm.name} hands out no runs`,
        { op, size, align },
      );
    }
    if (this.#sparse && frames > SPARSE_CHUNK_FRAMES) {
      throw new FrameError(
        'UNSUPPORTED',
        `${op}: ${size} bytes need ${frames} frames, more than one ${SPARSE_CHUNK_FRAMES}-frame chunk of a sparse space (a heap allocation never crosses a chunk)`,
        { op, size },
      );
    }
  }

  /** A request of a frame or more: a run of whole frames (its shape checked by `#checkRunShape`). */
  #mallocRun(size: number, slot: number, align: number): number {
    const frames = Math.ceil(size / FRAME_BYTES);
    const alignFrames = align > FRAME_BYTES ? align / FRAME_BYTES : 1;
    if (frames === 1 && alignFrames === 1) {
      // A frame kept in the owner's cache (still counted as the owner's).
      const address = this.#pop(slot, this.#cache.frameClass);
      if (address !== NO_ADDRESS) return address;
    }
    let block = this.#takeBlock(slot, frames, RUN, alignFrames, frames === 1 ? FRAME_BYTES : 0);
    if (block < 0 && this.#reclaim()) {
      block = this.#takeBlock(slot, frames, RUN, alignFrames, frames === 1 ? FRAME_BYTES : 0);
    }
    if (block < 0) return NO_ADDRESS;
    this.#count(slot, frames * FRAME_BYTES, 1);
    const address = this.#blocks.pfn[block] * FRAME_BYTES;
    this.#markLive(address);
    return address;
  }

  #newAllocator(slot: number): ByteAllocator {
    const host: FrameHost = {
      contents: this.#contents,
      checksLive: !this.headers,
      maxBlockFrames: this.#maxBlockFrames,
      takeBlock: (frames, tag, objectBytes = 0) => {
        if (!Number.isSafeInteger(frames) || frames < 1 || frames > this.#maxBlockFrames) {
          throw new FrameError('INVALID_REQUEST', `takeBlock: ${frames} frames is not a block size here`, {
            op: 'takeBlock',
            frames,
          });
        }
        if (!Number.isSafeInteger(objectBytes) || objectBytes < 0 || objectBytes >= FRAME_BYTES) {
          throw new FrameError(
            'INVALID_REQUEST',
            `takeBlock: objectBytes ${objectBytes} is not an object size`,
            {
              op: 'takeBlock',
              objectBytes,
            },
          );
        }
        return this.#takeBlock(slot, frames, tag, 1, objectBytes);
      },
      blockAddress: (id) => this.#blocks.pfn[id] * FRAME_BYTES,
      giveBlock: (id) => this.#giveBlock(id),
    };
    const allocator = this.#strategy.create(host);
    if (!(allocator.maxSize < FRAME_BYTES)) {
      throw new FrameError(
        'INVALID_REQUEST',
        `createHeap: strategy '${this.strategy}' serves up to ${allocator.maxSize} bytes; requests of a frame or more are frame runs, so maxSize must be below ${FRAME_BYTES}`,
        { op: 'createHeap', strategy: this.strategy },
      );
    }
    if (!this.#classesSet) {
      // The first allocator's classes are the strategy's (nothing is cached yet).
      this.#cache.setClasses(this.headers ? [] : (allocator.sizeClasses ?? []), allocator.maxSize);
      const before = allocator.sizeWordBefore ?? 0;
      if (!Number.isSafeInteger(before) || before < 0 || before > 16 || before % 4 !== 0) {
        throw new FrameError(
          'INVALID_REQUEST',
          `createHeap: the strategy's sizeWordBefore ${before} must be a multiple of 4 in [4, 16]`,
          { op: 'createHeap', strategy: this.strategy },
        );
      }
      this.#sizeWordBefore = this.headers ? 0 : before;
      this.#sizeWords = this.#sizeWordBefore / 4;
      this.#classesSet = true;
    }
    while (this.#allocators.length <= slot) this.#allocators.push(undefined);
    this.#cache.ensure(slot);
    this.#stacks = this.#cache.stacks;
    this.#addresses = this.#cache.addresses;
    this.#allocators[slot] = allocator;
    if (this.#owners.owner[slot] === KERNEL_OWNER && !this.headers) {
      this.#kernel = allocator;
      this.#kernelMax = allocator.maxSize;
      this.#kernelSlot = slot;
      for (let g = 0; g < this.#kernelStack.length; g++) {
        this.#kernelStack[g] = this.#cache.stackOf(slot, this.#cache.ceilClass[g]);
      }
    }
    return allocator;
  }

  /** Takes `frames` frames for `slot` and files them; the block id, or -1 when `pmm` is exhausted. */
  #takeBlock(slot: number, frames: number, tag: number, alignFrames: number, objectBytes: number): number {
    let align = alignFrames;
    // On a sparse space a block stays inside one 2 MiB chunk: aligned to its size rounded up to a power of two.
    if (this.#sparse && frames > 1) align = Math.max(align, 2 ** Math.ceil(Math.log2(frames)));
    let pfn: number;
    const viaRun = frames > 1 || align > 1;
    if (viaRun) {
      this.#runOptions.align = align;
      pfn = this.#pmm.allocRun(frames, this.#runOptions);
    } else pfn = this.#pmm.alloc();
    if (pfn === NO_FRAME) return -1;
    const block = this.#blocks.add(slot, tag, pfn, frames);
    if (block >= this.#viaRun.length) {
      const viaRunGrown = new Uint8Array(this.#viaRun.length * 2);
      viaRunGrown.set(this.#viaRun);
      this.#viaRun = viaRunGrown;
      const bytesGrown = new Uint16Array(this.#objectBytes.length * 2);
      bytesGrown.set(this.#objectBytes);
      this.#objectBytes = bytesGrown;
    }
    this.#viaRun[block] = viaRun ? 1 : 0;
    this.#objectBytes[block] = objectBytes;
    if (tag < 0 || !this.headers) {
      // The key of the fast `free`: the slot and the cache class, when all the block's objects share one.
      let key = objectBytes > 0 ? this.#cache.stackOf(slot, this.#cache.floorClass[objectBytes >>> 4]) : -1;
      // Varying objects with a size word, on dense contents: `-3 - the slot's first stack`.
      if (objectBytes === 0 && tag >= 0 && this.#sizeWordBefore > 0 && this.#denseWords !== undefined) {
        const region = slot * this.#cache.stride;
        if (region < 2 ** 30) key = -3 - region;
      }
      this.#table.set(pfn, frames, block, key);
      this.#meta = this.#table.meta;
    }
    return block;
  }

  #giveBlock(block: number): void {
    const pfn = this.#blocks.pfn[block];
    const frames = this.#blocks.frames[block];
    if (this.#blocks.tag(block) < 0 || !this.headers) this.#table.clear(pfn, frames);
    this.#blocks.remove(block);
    if (this.#viaRun[block] === 1) this.#pmm.freeRun(pfn, frames);
    else this.#pmm.free(pfn);
  }

  #count(slot: number, usable: number, delta: 1 | -1): void {
    const at = slot * CLASS_ROWS + counterRow(usable);
    this.#owners.objects[at] += delta;
    this.#owners.bytes[at] += delta * usable;
  }

  /**
   * Finds the live allocation starting at `address` (else throws): sets `#rSlot`, `#rBlock`
   * (the block, or with headers the allocator's tag), `#rHeader` and `#rUsable`.
   */
  #resolve(op: string, address: number): void {
    if (!Number.isSafeInteger(address)) throw badAddress(op, address);
    const block = this.#table.blockAt(address);
    if (block >= 0) {
      if (!this.#table.isLive(address)) throw notAllocated(op, address);
      const slot = this.#blocks.slot(block);
      const tag = this.#blocks.tag(block);
      const usable =
        tag === RUN
          ? this.#blocks.frames[block] * FRAME_BYTES
          : this.#allocators[slot]!.usableSize(address, tag);
      if (usable < 0) throw notAllocated(op, address);
      this.#rSlot = slot;
      this.#rBlock = block;
      this.#rHeader = 0;
      this.#rUsable = usable;
      this.#rRun = tag === RUN;
      return;
    }
    if (!this.headers) throw notAllocated(op, address);
    const slot = this.#readHeader(address);
    if (slot < 0) throw notAllocated(op, address);
    const usable = this.#allocators[slot]!.usableSize(address - this.#rHeader, this.#rBlock);
    if (usable < 0) throw notAllocated(op, address);
    this.#rSlot = slot;
    this.#rUsable = usable - this.#rHeader;
    this.#rRun = false;
  }

  /**
   * With headers: the slot named by the header before `address` (and `#rBlock`, `#rHeader`), or -1.
   * The header is authoritative at the object's start (`address - header bytes`) and copied to
   * `address - 16` when alignment put a gap between; both must agree, so a stale header left in a
   * gap or in freed memory never passes for a live object's.
   */
  #readHeader(address: number): number {
    if (
      address < HEADER_BYTES ||
      address >= this.#spaceBytes ||
      Math.floor(address / MIN_ALIGN) * MIN_ALIGN !== address
    ) {
      return -1;
    }
    let words = this.#headerWords(address - HEADER_BYTES);
    let i = this.#contents.wordBase;
    const slot = words[i];
    const tag = words[i + 1];
    const header = words[i + 2];
    const check = words[i + 3];
    if (check !== (slot ^ tag ^ header ^ HEADER_CHECK) >>> 0) return -1;
    if (slot >= this.#allocators.length || this.#allocators[slot] === undefined) return -1;
    if (!this.#allocators[slot]!.hasBlock(tag)) return -1;
    if (header < HEADER_BYTES || header >= FRAME_BYTES || !isPowerOfTwo(header) || header > address)
      return -1;
    if (header > HEADER_BYTES) {
      words = this.#headerWords(address - header);
      i = this.#contents.wordBase;
      if (words[i] !== slot || words[i + 1] !== tag || words[i + 2] !== header || words[i + 3] !== check)
        return -1;
    }
    this.#rBlock = tag;
    this.#rHeader = header;
    return slot;
  }

  /** Writes the header of the object at `address` (`header` bytes in front of it). */
  #writeHeader(address: number, slot: number, tag: number, header: number): void {
    const check = (slot ^ tag ^ header ^ HEADER_CHECK) >>> 0;
    for (let at = address - header; ; at = address - HEADER_BYTES) {
      const words = this.#headerWords(at);
      const i = this.#contents.wordBase;
      words[i] = slot;
      words[i + 1] = tag;
      words[i + 2] = header;
      words[i + 3] = check;
      if (at === address - HEADER_BYTES) return;
    }
  }

  /** The word view holding the 16-byte-aligned address `at`, with `#contents.wordBase` at it. */
  #headerWords(at: number): Uint32Array {
    const pfn = Math.floor(at / FRAME_BYTES);
    const words = this.#contents.words(pfn);
    this.#contents.wordBase += (at - pfn * FRAME_BYTES) / 4;
    return words;
  }

  /** The byte view holding `address`, with `#contents.byteBase` at `address`; remembers the buffer's base. */
  #byteView(address: number): Uint8Array {
    const pfn = Math.floor(address / FRAME_BYTES);
    const view = this.#contents.bytes(pfn);
    this.#contents.byteBase += address - pfn * FRAME_BYTES;
    if (!this.#bufferBase.has(view.buffer)) {
      this.#bufferBase.set(view.buffer, address - this.#contents.byteBase - view.byteOffset);
    }
    return view;
  }

  #fill(address: number, length: number, value: number): void {
    const view = this.#byteView(address);
    view.fill(value, this.#contents.byteBase, this.#contents.byteBase + length);
  }

  #copy(from: number, to: number, length: number): void {
    const src = this.#byteView(from);
    const srcAt = this.#contents.byteBase;
    const dst = this.#byteView(to);
    const dstAt = this.#contents.byteBase;
    if (src === dst) dst.copyWithin(dstAt, srcAt, srcAt + length);
    else dst.set(src.subarray(srcAt, srcAt + length), dstAt);
  }

  #typed<T extends ViewType>(
    op: string,
    type: T,
    count: number,
    options: MallocOptions | undefined,
    zero: boolean,
  ): ViewTypeMap[T] | undefined {
    const kind = Object.hasOwn(VIEW_TYPES, type) ? VIEW_TYPES[type] : undefined;
    if (kind === undefined) {
      throw new FrameError('INVALID_REQUEST', `${op}: unknown type '${String(type)}'`, { op, type });
    }
    if (!Number.isSafeInteger(count) || count < 1) throw badCount(op, count);
    const size = count * kind.bytes;
    if (!Number.isSafeInteger(size)) throw badCount(op, count);
    const align = Math.max(readAlign(op, options?.align), kind.bytes);
    if (size > FRAME_BYTES || align > FRAME_BYTES) this.#checkRunShape(op, size, align);
    const address = this.#malloc(size, this.#owners.slotFor(op, options?.owner ?? KERNEL_OWNER), align);
    if (address === NO_ADDRESS) return undefined;
    const view = this.#byteView(address);
    if (zero) view.fill(0, this.#contents.byteBase, this.#contents.byteBase + size);
    const out = new kind.make(view.buffer, view.byteOffset + this.#contents.byteBase, count);
    this.#views.add(out);
    return out as ViewTypeMap[T];
  }
}

function emptyUsage(
  classFreeBytes = new Float64Array(CLASS_ROWS),
  classFrames = new Float64Array(CLASS_ROWS),
): AllocatorUsage {
  return {
    freeBytes: 0,
    classObjects: new Float64Array(CLASS_ROWS),
    classLiveBytes: new Float64Array(CLASS_ROWS),
    classFreeBytes,
    classFrames,
  };
}

function usageOf(objects: number, live: number, free: number, frames: number): HeapUsage {
  const held = frames * FRAME_BYTES;
  const overhead = held - live - free;
  return {
    objects,
    liveBytes: live,
    freeBytes: free,
    overheadBytes: overhead,
    heldBytes: held,
    framesHeld: frames,
    internalFragmentation: held === 0 ? 0 : overhead / held,
    externalFragmentation: held === 0 ? 0 : free / held,
  };
}

/** The alignment asked for (16 when absent or smaller); throws unless a power of two. */
function readAlign(op: string, align: number | undefined): number {
  if (align === undefined) return MIN_ALIGN;
  if (!isPowerOfTwo(align)) {
    throw new FrameError('INVALID_REQUEST', `${op}: align ${align} must be a power of two (bytes)`, {
      op,
      align,
    });
  }
  return align < MIN_ALIGN ? MIN_ALIGN : align;
}

function badSize(op: string, size: number): FrameError {
  return new FrameError('INVALID_REQUEST', `${op}: size ${size} must be an integer in [1, 2^53)`, {
    op,
    size,
  });
}

function badCount(op: string, count: number): FrameError {
  return new FrameError(
    'INVALID_REQUEST',
    `${op}: count ${count} must be an integer >= 1 (bytes below 2^53)`,
    {
      op,
      count,
    },
  );
}

function badAddress(op: string, address: number): FrameError {
  return new FrameError('INVALID_REQUEST', `${op}: ${address} is not an address (a safe integer)`, {
    op,
    address,
  });
}

function notAllocated(op: string, address: number): FrameError {
  return new FrameError(
    'NOT_ALLOCATED',
    `${op}: ${address} is not the start of a live allocation of this heap (foreign, interior or already freed)`,
    { op, address },
  );
}

/** True when the strategy serves `bytes` at `align` (below a frame); larger requests are frame runs. */
function servesBytes(allocator: ByteAllocator, bytes: number, align: number): boolean {
  return align <= MIN_ALIGN
    ? bytes <= allocator.maxSize
    : align < FRAME_BYTES && bytes < FRAME_BYTES && allocator.fits(bytes, align);
}
