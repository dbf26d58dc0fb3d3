import type { FrameRange } from '@framekit/core';
import { isBitSet } from './free-bits';

const BLOCK = 512;
const FRAME_COLUMNS = 32;
const FRAME_CELL = 14;
/** The block view's width in pixels, before CSS scales it to fit a narrow screen. */
const TARGET_WIDTH = 640;

/**
 * The block view's layout: blocks left to right in rows of `columns` cells of `cell` pixels.
 * A big map gets 128 columns of 5 px; a small one fewer, bigger cells, so 32 blocks make a
 * readable 16 × 2 grid rather than a sliver.
 */
export function blockLayout(blocks: number): { columns: number; cell: number } {
  const square = 2 ** Math.ceil(Math.log2(Math.max(1, Math.sqrt(blocks))));
  const columns = Math.min(128, Math.max(4, square * 2));
  const cell = Math.max(5, Math.min(40, Math.floor(TARGET_WIDTH / columns)));
  return { columns, cell };
}

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * A strategy's memory at the end of a run on a canvas: one cell per 2 MiB block, shaded by how
 * much of its usable memory is in use; a click zooms into the block's 512 frames, with its
 * address range, a legend and a button back to all blocks.
 */
export class FrameMap {
  readonly canvas: HTMLCanvasElement;
  readonly caption: HTMLElement;
  readonly #where: HTMLElement;
  readonly #back: HTMLButtonElement;
  readonly #legend: HTMLElement;
  readonly #bits: Uint8Array;
  readonly #frameCount: number;
  readonly #usable: Uint8Array;
  readonly #layout: { columns: number; cell: number };
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
    this.#layout = blockLayout(this.blocks);
    const figure = document.createElement('figure');
    figure.className = 'frame-map';
    this.caption = document.createElement('figcaption');
    this.caption.textContent = title;
    const bar = document.createElement('div');
    bar.className = 'zoom-bar';
    this.#where = document.createElement('span');
    this.#where.className = 'where';
    this.#back = document.createElement('button');
    this.#back.type = 'button';
    this.#back.className = 'back';
    this.#back.textContent = '← all blocks';
    this.#back.addEventListener('click', () => this.drawBlocks());
    bar.append(this.#back, this.#where);
    this.canvas = document.createElement('canvas');
    this.canvas.dataset.strategy = title;
    this.canvas.dataset.columns = String(this.#layout.columns);
    this.canvas.dataset.cell = String(this.#layout.cell);
    this.#legend = document.createElement('div');
    this.#legend.className = 'legend';
    figure.append(this.caption, bar, this.canvas, this.#legend);
    container.append(figure);
    this.canvas.addEventListener('click', (event) => this.#onClick(event));
    this.drawBlocks();
  }

  get blocks(): number {
    return Math.ceil(this.#frameCount / BLOCK);
  }

  drawBlocks(): void {
    this.#zoomed = -1;
    const { columns, cell } = this.#layout;
    const rows = Math.ceil(this.blocks / columns);
    this.canvas.width = columns * cell;
    this.canvas.height = rows * cell;
    this.canvas.style.cursor = 'zoom-in';
    const ctx = this.canvas.getContext('2d')!;
    ctx.fillStyle = '#eee';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    const usage = blockUsage(this.#bits, this.#usable, this.#frameCount);
    const gap = cell >= 10 ? 2 : 1;
    for (let block = 0; block < usage.length; block++) {
      if (usage[block] < 0) continue;
      ctx.fillStyle = shade(usage[block]);
      ctx.fillRect((block % columns) * cell, Math.floor(block / columns) * cell, cell - gap, cell - gap);
    }
    this.#back.hidden = true;
    this.#where.textContent = `${this.blocks} blocks of 2 MiB, 0x0–${hex(this.blocks * BLOCK * 4096)}; click one to see its frames`;
    this.#setLegend([
      [shade(0), 'free'],
      [shade(0.5), 'half in use'],
      [shade(1), 'all in use'],
      ['#eee', 'no usable memory'],
    ]);
  }

  drawFrames(block: number): void {
    this.#zoomed = block;
    const rows = BLOCK / FRAME_COLUMNS;
    this.canvas.width = FRAME_COLUMNS * FRAME_CELL;
    this.canvas.height = rows * FRAME_CELL;
    this.canvas.style.cursor = 'zoom-out';
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
    const first = block * BLOCK;
    this.#back.hidden = false;
    this.#where.textContent = `block ${block}: ${hex(first * 4096)}–${hex((first + BLOCK) * 4096 - 1)}, frames ${first}–${first + BLOCK - 1}, one cell per 4 KiB frame`;
    this.#setLegend([
      [shade(0), 'free frame'],
      [shade(1), 'frame in use'],
      ['#ccc', 'not usable (hole, reserved, firmware)'],
    ]);
  }

  #setLegend(items: readonly [string, string][]): void {
    this.#legend.replaceChildren(
      ...items.map(([colour, text]) => {
        const item = document.createElement('span');
        const swatch = document.createElement('i');
        swatch.style.background = colour;
        item.append(swatch, text);
        return item;
      }),
    );
  }

  #onClick(event: MouseEvent): void {
    if (this.#zoomed >= 0) {
      this.drawBlocks();
      return;
    }
    const { columns } = this.#layout;
    const rect = this.canvas.getBoundingClientRect();
    const x = Math.floor(((event.clientX - rect.left) / rect.width) * columns);
    const y = Math.floor(((event.clientY - rect.top) / rect.height) * Math.ceil(this.blocks / columns));
    const block = y * columns + x;
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
