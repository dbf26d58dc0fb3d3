import type { HeapBlock } from '@framekit/heap';
import { SIZE_CLASSES } from '@framekit/heap';

/** How cells are coloured: by the size class a slab serves, or by the owner holding the frame. */
export type HeapColouring = 'class' | 'owner';

/** Cells per row and pixels per cell for a space of `frames` frames (one cell per frame). */
export function heapMapLayout(frames: number): { columns: number; cell: number; rows: number } {
  const columns = frames <= 4096 ? 64 : 128;
  const cell = frames <= 4096 ? 10 : frames <= 16384 ? 6 : 3;
  return { columns, cell, rows: Math.ceil(frames / columns) };
}

/** Colours of frames no block holds, frame runs, cached frames and spans (any size). */
export const FREE_COLOUR = '#f1f3f5';
export const RUN_COLOUR = '#495057';
export const CACHED_COLOUR = '#ced4da';
export const SPAN_COLOUR = '#2b8a3e';

/** A colour per size class, from warm (16 B) to cool (4 KiB). */
export function classColour(size: number): string {
  const i = Math.max(0, SIZE_CLASSES.indexOf(size));
  const hue = Math.round((i / (SIZE_CLASSES.length - 1)) * 260);
  return `hsl(${hue} 70% 50%)`;
}

/** A colour per owner: the kernel (0) dark blue, others spread around the wheel. */
export function ownerColour(owner: number): string {
  if (owner === 0) return 'hsl(220 60% 35%)';
  const hue = Math.round((owner * 137.508) % 360);
  return `hsl(${hue} 65% 55%)`;
}

/** The colour of a block's frames under `colouring`. */
export function blockColour(block: HeapBlock, colouring: HeapColouring): string {
  if (colouring === 'owner') return block.kind === 'cached' ? CACHED_COLOUR : ownerColour(block.owner);
  switch (block.kind) {
    case 'slab':
      return classColour(block.sizeClass);
    case 'span':
      return SPAN_COLOUR;
    case 'run':
      return RUN_COLOUR;
    case 'cached':
      return CACHED_COLOUR;
  }
}

/** Legend entries: label, colour and frames, biggest first. */
export function heapLegend(
  blocks: readonly HeapBlock[],
  colouring: HeapColouring,
): { label: string; colour: string; frames: number }[] {
  const entries = new Map<string, { label: string; colour: string; frames: number }>();
  for (const b of blocks) {
    const label =
      colouring === 'owner'
        ? b.kind === 'cached'
          ? 'cached free frames'
          : b.owner === 0
            ? 'owner 0 (kernel)'
            : `owner ${b.owner}`
        : b.kind === 'slab'
          ? `slabs of ${b.sizeClass} B`
          : b.kind === 'span'
            ? 'spans (any size)'
            : b.kind === 'run'
              ? 'frame runs (≥ 4 KiB)'
              : 'cached free frames';
    const entry = entries.get(label) ?? { label, colour: blockColour(b, colouring), frames: 0 };
    entry.frames += b.frames;
    entries.set(label, entry);
  }
  return [...entries.values()].sort((a, b) => b.frames - a.frames);
}

/** Draws one cell per frame of `[0, frames)`: free, or the colour of the block holding it. */
export function drawHeapMap(
  canvas: HTMLCanvasElement,
  frames: number,
  blocks: readonly HeapBlock[],
  colouring: HeapColouring,
): void {
  const { columns, cell, rows } = heapMapLayout(frames);
  canvas.width = columns * cell;
  canvas.height = rows * cell;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = FREE_COLOUR;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (const b of blocks) {
    ctx.fillStyle = blockColour(b, colouring);
    for (let pfn = b.pfn; pfn < b.pfn + b.frames && pfn < frames; pfn++) {
      const x = (pfn % columns) * cell;
      const y = Math.floor(pfn / columns) * cell;
      ctx.fillRect(x, y, cell - (cell > 4 ? 1 : 0), cell - (cell > 4 ? 1 : 0));
    }
  }
}
