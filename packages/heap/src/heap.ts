import { type FrameAllocator, FrameError, isPowerOfTwo, KERNEL_OWNER, NO_FRAME } from '@framekit/core';
import { FrameWords, SPARSE_CHUNK_FRAMES } from '@framekit/core/plugin';
import {
  type AllocatorUsage,
  type ByteAllocator,
  FRAME_BYTES,
  type FrameHost,
  type Heap,
  type HeapBlock,
  type HeapOptions,
  type HeapStats,
  type HeapStrategy,
  type HeapUsage,
  type MallocOptions,
  MIN_ALIGN,
  NO_ADDRESS,
  type OwnerUsage,
  type SizeClassUsage,
  type ViewType,
  type ViewTypeMap,
} from './api';
import { BlockRegistry } from './blocks';
import { FrameTable } from './frame-table';
import { checkOwner, OwnerSlots } from './owners';
import { CLASS_ROWS, counterRow, RUN_CLASS, SIZE_CLASSES } from './size-classes';
import { resolveStrategy } from './strategies';
import { VIEW_TYPES } from './views';

/** Block tags of frame runs: handed out, or freed and kept in the owner's frame cache. */
const RUN = -1;
const CACHED_RUN = -2;
/** Header words (with `headers`): allocator slot, block tag, header bytes, check. */
const HEADER_BYTES = 16;
const HEADER_CHECK = 0x5a17c0de;

/**
 * A heap over `pmm`, whose frame space must have contents (dense, shared or sparse). Small
 * requests go to the owner's byte allocator (the strategy: `'slab'` by default, `'first-fit'`,
 * `'tlsf'`, or your own `HeapStrategy`); requests of a frame or more, or aligned to a frame or
 * more, are runs of whole frames from `pmm.allocRun`, as kmalloc does for large sizes.
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

class FrameHeap implements Heap {
  readonly strategy: string;
  readonly headers: boolean;
  readonly #pmm: FrameAllocator;
  readonly #strategy: HeapStrategy;
  readonly #contents: FrameWords;
  readonly #sparse: boolean;
  readonly #runs: boolean;
  readonly #maxBlockFrames: number;
  readonly #spaceBytes: number;
  readonly #table: FrameTable;
  readonly #blocks = new BlockRegistry();
  readonly #owners = new OwnerSlots();
  #allocators: (ByteAllocator | undefined)[] = [];
  /** The kernel's (owner 0's) allocator and its `maxSize` (0 while it has none, or with headers), for `malloc`'s fast path. */
  #kernel: ByteAllocator | undefined;
  #kernelMax = 0;
  /** Per block: taken with `allocRun` (1) or `alloc` (0). */
  #viaRun = new Uint8Array(64);
  /** Per slot: single frames freed by `free` and kept for the next one-frame request (`frameCache` each). */
  #cached = new Int32Array(8 * 32);
  #cachedCount = new Int32Array(8);
  readonly #frameCache: number;
  /** Reused options of `pmm.allocRun` (no object per call). */
  readonly #runOptions = { align: 1 };
  /** Base address of each buffer a view was made over, for `addressOf`. */
  readonly #bufferBase = new Map<ArrayBufferLike, number>();
  // What `#resolve` found.
  #rSlot = 0;
  #rBlock = -1;
  #rHeader = 0;
  #rUsable = 0;

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
    const frameCache = options.frameCache ?? 32;
    if (!Number.isSafeInteger(frameCache) || frameCache < 0 || frameCache > 4096) {
      throw new FrameError(
        'INVALID_REQUEST',
        `createHeap: frameCache ${frameCache} must be an integer in [0, 4096]`,
        {
          op: 'createHeap',
        },
      );
    }
    this.#frameCache = frameCache;
    this.#cached = new Int32Array(8 * frameCache);
    this.#pmm = pmm;
    this.#contents = new FrameWords(pmm.space, 'createHeap');
    this.#sparse = pmm.space.backing === 'sparse';
    this.#runs = pmm.capabilities.runs === 'any';
    this.#maxBlockFrames = this.#runs ? (this.#sparse ? SPARSE_CHUNK_FRAMES : pmm.space.frameCount) : 1;
    this.#spaceBytes = pmm.space.frameCount * FRAME_BYTES;
    this.#table = new FrameTable(pmm.space.frameCount);
  }

  // ---- allocation ----

  malloc(size: number, options?: MallocOptions): number {
    // The fast path, small enough to inline with the allocator's `allocate`: the kernel's small request.
    if (options === undefined && size <= this.#kernelMax && size > 0 && (size | 0) === size) {
      const address = this.#kernel!.allocate(size, MIN_ALIGN);
      if (address !== NO_ADDRESS) return address;
    }
    return this.#mallocChecked(size, options);
  }

  /** `malloc` with every argument checked. */
  #mallocChecked(size: number, options: MallocOptions | undefined): number {
    const owner = options === undefined ? KERNEL_OWNER : (options.owner ?? KERNEL_OWNER);
    const align = options === undefined ? MIN_ALIGN : readAlign('malloc', options.align);
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
    if (size <= usable && Math.floor(address / align) * align === address) return address;
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
    // Kept small so the allocator's `release` inlines here; the rare paths are methods of their own.
    const block = this.#table.blockAt(address);
    if (block >= 0) {
      const info = this.#blocks.info;
      const tag = info[2 * block + 1];
      if (tag >= 0) {
        if (this.#allocators[info[2 * block]]!.release(address, tag) < 0) throw freeError('free', address);
        return;
      }
      this.#freeRun(address, block, info[2 * block], tag);
      return;
    }
    this.#freeUnfiled(address);
  }

  /** `free` of an address in a frame run's block. */
  #freeRun(address: number, block: number, slot: number, tag: number): void {
    if (tag !== RUN || address !== this.#blocks.pfn[block] * FRAME_BYTES) throw freeError('free', address);
    const frames = this.#blocks.frames[block];
    this.#count(slot, frames * FRAME_BYTES, -1);
    // A single frame goes to the owner's frame cache (as Linux keeps per-CPU page lists), others back to pmm.
    const count = this.#cachedCount[slot];
    if (frames === 1 && count < this.#frameCache && this.#viaRun[block] === 0) {
      this.#blocks.setTag(block, CACHED_RUN);
      this.#cached[slot * this.#frameCache + count] = block;
      this.#cachedCount[slot] = count + 1;
    } else this.#giveBlock(block);
  }

  /** `free` of an address in no block of the table: with headers, a small object; else not ours. */
  #freeUnfiled(address: number): void {
    if (!Number.isSafeInteger(address)) throw badAddress('free', address);
    if (!this.headers) throw notAllocated('free', address);
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
    let objects = 0;
    if (allocator !== undefined && !this.headers) {
      const usage = emptyUsage();
      allocator.usage(usage);
      for (let row = 0; row < CLASS_ROWS; row++) objects += usage.classObjects[row];
    }
    for (let block = this.#blocks.firstOf(slot); block >= 0; block = this.#blocks.firstOf(slot)) {
      this.#giveBlock(block);
    }
    this.#allocators[slot] = undefined;
    this.#cachedCount[slot] = 0;
    if (allocator === this.#kernel) {
      this.#kernel = undefined;
      this.#kernelMax = 0;
    }
    return objects + this.#owners.release(slot);
  }

  trim(): number {
    let frames = 0;
    for (let slot = 0; slot < this.#cachedCount.length; slot++) {
      while (this.#cachedCount[slot] > 0) {
        this.#giveBlock(this.#cached[slot * this.#frameCache + --this.#cachedCount[slot]]);
        frames++;
      }
    }
    for (const allocator of this.#allocators) if (allocator) frames += allocator.trim();
    return frames;
  }

  [Symbol.dispose](): void {
    for (const slot of this.#owners.slots()) this.releaseOwner(this.#owners.owner[slot]);
    this.#bufferBase.clear();
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
    return view.subarray(this.#contents.byteBase, this.#contents.byteBase + n);
  }

  addressOf(view: ArrayBufferView): number {
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
      // Frames in the owner's frame cache are held and free.
      usage.freeBytes += this.#cachedCount[slot] * FRAME_BYTES;
      freeTotal += usage.freeBytes;
      let objects = 0;
      let live = 0;
      for (let row = 0; row < CLASS_ROWS; row++) {
        // Frame runs (and, with headers, every object at its user-visible size) are the heap's counts;
        // small objects without headers are the allocator's.
        let o = this.#owners.objects[slot * CLASS_ROWS + row];
        let b = this.#owners.bytes[slot * CLASS_ROWS + row];
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
    const sizeClasses: SizeClassUsage[] = SIZE_CLASSES.map((size, c) => ({
      size,
      objects: classObjects[c],
      liveBytes: classBytes[c],
      framesHeld: classFrames[c],
      freeBytes: classFreeBytes[c],
    }));
    metadata +=
      this.#table.bytes() +
      this.#blocks.bytes() +
      this.#owners.bytesUsed() +
      this.#viaRun.byteLength +
      this.#cached.byteLength +
      this.#cachedCount.byteLength;
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
      return {
        pfn: this.#blocks.pfn[id],
        frames: this.#blocks.frames[id],
        owner: this.#owners.owner[slot],
        kind: tag === RUN ? 'run' : tag === CACHED_RUN ? 'cached' : c >= 0 ? 'slab' : 'span',
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
      if (
        align <= MIN_ALIGN
          ? raw <= allocator.maxSize
          : align < FRAME_BYTES && raw < FRAME_BYTES && allocator.fits(raw, align)
      ) {
        let address = allocator.allocate(raw, align);
        if (address === NO_ADDRESS && this.trim() > 0) address = allocator.allocate(raw, align);
        if (address === NO_ADDRESS) return NO_ADDRESS;
        const user = address + header;
        this.#writeHeader(user, slot, allocator.lastTag, header);
        this.#count(slot, allocator.lastUsable - header, 1);
        return user;
      }
    } else if (
      align <= MIN_ALIGN
        ? size <= allocator.maxSize
        : align < FRAME_BYTES && size < FRAME_BYTES && allocator.fits(size, align)
    ) {
      let address = allocator.allocate(size, align);
      if (address === NO_ADDRESS && this.trim() > 0) address = allocator.allocate(size, align);
      return address;
    }
    return this.#mallocRun(size, slot, align);
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
    if (frames === 1 && alignFrames === 1 && slot < this.#cachedCount.length && this.#cachedCount[slot] > 0) {
      const cached = this.#cached[slot * this.#frameCache + --this.#cachedCount[slot]];
      this.#blocks.setTag(cached, RUN);
      this.#count(slot, FRAME_BYTES, 1);
      return this.#blocks.pfn[cached] * FRAME_BYTES;
    }
    let block = this.#takeBlock(slot, frames, RUN, alignFrames);
    if (block < 0 && this.trim() > 0) block = this.#takeBlock(slot, frames, RUN, alignFrames);
    if (block < 0) return NO_ADDRESS;
    this.#count(slot, frames * FRAME_BYTES, 1);
    return this.#blocks.pfn[block] * FRAME_BYTES;
  }

  #newAllocator(slot: number): ByteAllocator {
    const host: FrameHost = {
      contents: this.#contents,
      maxBlockFrames: this.#maxBlockFrames,
      takeBlock: (frames, tag) => {
        if (!Number.isSafeInteger(frames) || frames < 1 || frames > this.#maxBlockFrames) {
          throw new FrameError('INVALID_REQUEST', `takeBlock: ${frames} frames is not a block size here`, {
            op: 'takeBlock',
            frames,
          });
        }
        return this.#takeBlock(slot, frames, tag, 1);
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
    while (this.#allocators.length <= slot) this.#allocators.push(undefined);
    if (slot >= this.#cachedCount.length) {
      const n = Math.max(slot + 1, this.#cachedCount.length * 2);
      const counts = new Int32Array(n);
      counts.set(this.#cachedCount);
      this.#cachedCount = counts;
      const cached = new Int32Array(n * this.#frameCache);
      cached.set(this.#cached);
      this.#cached = cached;
    }
    this.#allocators[slot] = allocator;
    if (this.#owners.owner[slot] === KERNEL_OWNER && !this.headers) {
      this.#kernel = allocator;
      this.#kernelMax = allocator.maxSize;
    }
    return allocator;
  }

  /** Takes `frames` frames for `slot` and files them; the block id, or -1 when `pmm` is exhausted. */
  #takeBlock(slot: number, frames: number, tag: number, alignFrames: number): number {
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
      const grown = new Uint8Array(this.#viaRun.length * 2);
      grown.set(this.#viaRun);
      this.#viaRun = grown;
    }
    this.#viaRun[block] = viaRun ? 1 : 0;
    if (tag < 0 || !this.headers) this.#table.set(pfn, frames, block);
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
      const slot = this.#blocks.slot(block);
      const tag = this.#blocks.tag(block);
      let usable: number;
      if (tag < 0) {
        usable =
          tag === RUN && address === this.#blocks.pfn[block] * FRAME_BYTES
            ? this.#blocks.frames[block] * FRAME_BYTES
            : -1;
      } else usable = this.#allocators[slot]!.usableSize(address, tag);
      if (usable < 0) throw freeError(op, address);
      this.#rSlot = slot;
      this.#rBlock = block;
      this.#rHeader = 0;
      this.#rUsable = usable;
      return;
    }
    if (!this.headers) throw notAllocated(op, address);
    const slot = this.#readHeader(address);
    if (slot < 0) throw notAllocated(op, address);
    const usable = this.#allocators[slot]!.usableSize(address - this.#rHeader, this.#rBlock);
    if (usable < 0) throw notAllocated(op, address);
    this.#rSlot = slot;
    this.#rUsable = usable - this.#rHeader;
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
    return new kind.make(view.buffer, view.byteOffset + this.#contents.byteBase, count) as ViewTypeMap[T];
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

/** The error for an address that is no live allocation's start: `INVALID_REQUEST` when it is not even an integer. */
function freeError(op: string, address: number): FrameError {
  return Number.isSafeInteger(address) ? notAllocated(op, address) : badAddress(op, address);
}

function notAllocated(op: string, address: number): FrameError {
  return new FrameError(
    'NOT_ALLOCATED',
    `${op}: ${address} is not the start of a live allocation of this heap (foreign, interior or already freed)`,
    { op, address },
  );
}
