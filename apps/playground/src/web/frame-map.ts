import type { FrameRange } from '@framekit/core';
import { isBitSet } from './free-bits';

const BLOCK = 512;
/** The block view's layout: blocks left to right in rows of COLUMNS cells of CELL pixels. */
export const COLUMNS = 128;
export const CELL = 5;
const FRAME_COLUMNS = 32;
const FRAME_CELL = 14;

/**
 * A strategy's memory at the end of a run on a canvas: one cell per 2 MiB block, shaded by how
 * much of its usable memory is in use; a click zooms into the block's 512 frames.
 */
export class FrameMap {
  readonly canvas: HTMLCanvasElement;
  readonly caption: HTMLElement;
  readonly #bits: Uint8Array;
  readonly #frameCount: number;
  readonly #usable: Uint8Array;
  #zoomed = -1;

  constructor(
    container: HTMLElement,
    title: string,
    bits: Uint8Array,
    frameCount: number,
    ranges: readonly FrameRange[],
  ) {
    this.#bits = bits;
    this.#frameCount = frameCount;
    this.#usable = usableBits(frameCount, ranges);
    const figure = document.createElement('figure');
    figure.className = 'frame-map';
    this.caption = document.createElement('figcaption');
    this.canvas = document.createElement('canvas');
    this.canvas.dataset.strategy = title;
    figure.append(this.caption, this.canvas);
    container.append(figure);
    this.canvas.addEventListener('click', (event) => this.#onClick(event));
    this.caption.textContent = title;
    this.drawBlocks();
  }

  get blocks(): number {
    return Math.ceil(this.#frameCount / BLOCK);
  }

  drawBlocks(): void {
    this.#zoomed = -1;
    const rows = Math.ceil(this.blocks / COLUMNS);
    this.canvas.width = COLUMNS * CELL;
    this.canvas.height = rows * CELL;
    const ctx = this.canvas.getContext('2d')!;
    ctx.fillStyle = '#eee';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    const usage = blockUsage(this.#bits, this.#usable, this.#frameCount);
    for (let block = 0; block < usage.length; block++) {
      if (usage[block] < 0) continue;
      ctx.fillStyle = shade(usage[block]);
      ctx.fillRect((block % COLUMNS) * CELL, Math.floor(block / COLUMNS) * CELL, CELL - 1, CELL - 1);
    }
  }

  drawFrames(block: number): void {
    this.#zoomed = block;
    const rows = BLOCK / FRAME_COLUMNS;
    this.canvas.width = FRAME_COLUMNS * FRAME_CELL;
    this.canvas.height = rows * FRAME_CELL;
    const ctx = this.canvas.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    for (let i = 0; i < BLOCK; i++) {
      const pfn = block * BLOCK + i;
      const usable = pfn < this.#frameCount && isBitSet(this.#usable, pfn);
      ctx.fillStyle = !usable ? '#ccc' : isBitSet(this.#bits, pfn) ? shade(0) : shade(1);
      ctx.fillRect(
        (i % FRAME_COLUMNS) * FRAME_CELL,
        Math.floor(i / FRAME_COLUMNS) * FRAME_CELL,
        FRAME_CELL - 1,
        FRAME_CELL - 1,
      );
    }
  }

  #onClick(event: MouseEvent): void {
    if (this.#zoomed >= 0) {
      this.drawBlocks();
      return;
    }
    const rect = this.canvas.getBoundingClientRect();
    const x = Math.floor(((event.clientX - rect.left) / rect.width) * COLUMNS);
    const y = Math.floor(((event.clientY - rect.top) / rect.height) * Math.ceil(this.blocks / COLUMNS));
    const block = y * COLUMNS + x;
    if (block < this.blocks) this.drawFrames(block);
  }
}

/** One bit per frame, set where the frame is usable RAM. */
export function usableBits(frameCount: number, ranges: readonly FrameRange[]): Uint8Array {
  const bits = new Uint8Array(Math.ceil(frameCount / 8));
  for (const r of ranges) for (let p = r.start; p < r.start + r.count; p++) bits[p >>> 3] |= 1 << (p & 7);
  return bits;
}

/** Per 2 MiB block, the fraction of its usable frames in use; -1 where it has no usable frame. */
export function blockUsage(free: Uint8Array, usable: Uint8Array, frameCount: number): Float64Array {
  const usage = new Float64Array(Math.ceil(frameCount / BLOCK));
  for (let block = 0; block < usage.length; block++) {
    let usableFrames = 0;
    let freeFrames = 0;
    const end = Math.min(frameCount, (block + 1) * BLOCK);
    for (let pfn = block * BLOCK; pfn < end; pfn++) {
      if (!isBitSet(usable, pfn)) continue;
      usableFrames++;
      if (isBitSet(free, pfn)) freeFrames++;
    }
    usage[block] = usableFrames === 0 ? -1 : 1 - freeFrames / usableFrames;
  }
  return usage;
}

/** Light for free, dark for used: `used` is the fraction in use, 0 to 1. */
export function shade(used: number): string {
  const l = Math.round(92 - used * 62);
  return `hsl(210 60% ${l}%)`;
}
