import { createBitmapAllocator } from '@framekit/alloc-bitmap';
import { createFrameSpace, formatBytes } from '@framekit/core';
import { createHeap, HEAP_STRATEGIES, type Heap, type HeapStrategyName } from '@framekit/heap';
import { countingFrames, heapTarget, OBJECT_WORKLOADS, objectWorkloadOps, runObjects } from '@framekit/sim';
import { drawHeapMap, type HeapColouring, heapLegend } from './heap-map';
import './style.css';

/*
 * The heap page: one object workload on one heap strategy (in the page's own thread: a few
 * tens of thousands of operations take milliseconds), then a map of the space with a cell per
 * frame, coloured by the size class of the slab or by the owner that holds it.
 */

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('heap-setup');
const strategy = $<HTMLSelectElement>('heap-strategy');
const headers = $<HTMLInputElement>('heap-headers');
const mib = $<HTMLInputElement>('heap-mib');
const workload = $<HTMLSelectElement>('heap-workload');
const ops = $<HTMLInputElement>('heap-ops');
const seed = $<HTMLInputElement>('heap-seed');
const colouring = $<HTMLSelectElement>('heap-colouring');
const status = $<HTMLSpanElement>('heap-status');
const results = $<HTMLElement>('heap-results');
const canvas = $<HTMLCanvasElement>('heap-map');
const legend = $<HTMLUListElement>('heap-legend');
const table = $<HTMLTableElement>('heap-table');
const classes = $<HTMLTableElement>('heap-classes');

for (const name of Object.keys(HEAP_STRATEGIES)) strategy.append(new Option(name, name));
for (const w of Object.values(OBJECT_WORKLOADS))
  workload.append(new Option(`${w.name} — ${w.description}`, w.name));
workload.value = 'processes';

let last: { heap: Heap; frames: number } | undefined;

function run(): void {
  const bytes = Math.min(64, Math.max(1, Math.floor(Number(mib.value) || 16))) * 2 ** 20;
  const frames = bytes / 4096;
  const space = createFrameSpace({ frames }, { backing: 'dense' });
  const counted = countingFrames(createBitmapAllocator(space));
  const heap = createHeap(counted.pmm, {
    strategy: strategy.value as HeapStrategyName,
    headers: headers.checked,
  });
  const setup = {
    workload: workload.value,
    targets: [strategy.value],
    ops: Math.min(1_000_000, Math.max(1, Math.floor(Number(ops.value) || 1))),
    seed: Math.max(0, Math.floor(Number(seed.value) || 0)),
    bytes,
  };
  const result = runObjects(heapTarget(strategy.value, heap, counted), objectWorkloadOps(setup));
  last = { heap, frames };
  const s = heap.stats();
  status.textContent = `${result.ops} operations, ${result.failed} failed, ${result.opsPerSecond.toLocaleString('en-US')} ops/s`;
  fillTable(table, [
    ['objects', String(s.objects)],
    ['live bytes', formatBytes(s.liveBytes)],
    [
      'frames held',
      `${s.framesHeld} (${formatBytes(s.heldBytes)}), peak ${formatBytes(result.peakHeldBytes)}`,
    ],
    [
      'free in held frames',
      `${formatBytes(s.freeBytes)} (external fragmentation ${s.externalFragmentation.toFixed(3)})`,
    ],
    [
      'overhead',
      `${formatBytes(s.overheadBytes)} (internal fragmentation ${s.internalFragmentation.toFixed(3)})`,
    ],
    ['metadata outside the frames', formatBytes(s.metadataBytes)],
    ['owners', String(s.owners.length)],
  ]);
  fillTable(
    classes,
    s.sizeClasses
      .filter((c) => c.objects > 0 || c.framesHeld > 0)
      .map((c) => [
        `${c.size} B`,
        `${c.objects} objects`,
        `${c.framesHeld} frames`,
        `${formatBytes(c.freeBytes)} free`,
        // A span strategy's classes share its spans: no frames, so no fragmentation of their own.
        c.framesHeld > 0
          ? `fragmentation ${c.externalFragmentation.toFixed(3)} external, ${c.internalFragmentation.toFixed(3)} internal`
          : 'in shared spans',
      ]),
  );
  results.hidden = false;
  draw();
  document.body.dataset.state = 'done';
}

function draw(): void {
  if (!last) return;
  const blocks = last.heap.blocks();
  const by = colouring.value as HeapColouring;
  drawHeapMap(canvas, last.frames, blocks, by);
  legend.replaceChildren(
    ...heapLegend(blocks, by)
      .slice(0, 40)
      .map((entry) => {
        const li = document.createElement('li');
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.style.background = entry.colour;
        li.append(swatch, ` ${entry.label}: ${entry.frames} frames`);
        return li;
      }),
  );
}

function fillTable(target: HTMLTableElement, rows: string[][]): void {
  target.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      for (const text of cells) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    }),
  );
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  document.body.dataset.state = 'running';
  try {
    run();
  } catch (error) {
    status.textContent = String((error as Error).message ?? error);
    document.body.dataset.state = 'error';
  }
});
colouring.addEventListener('change', draw);
