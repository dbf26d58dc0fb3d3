import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createBitmapAllocator } from '@framekit/alloc-bitmap';
import { createFrameSpace } from '@framekit/core';
import { createHeap, type HeapBlock } from '@framekit/heap';
import { countingFrames, heapTarget, objectWorkloadOps, runObjects } from '@framekit/sim';
import { type Browser, chromium } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockColour, FREE_COLOUR, heapLegend, heapMapLayout } from '../src/web/heap-map';

const root = resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = await import('node:fs').then((fs) => fs.existsSync(CHROMIUM));

const SETUP = { strategy: 'slab', workload: 'processes', ops: 20_000, seed: 4, mib: 16 } as const;

/** The heap the page builds for SETUP, built the same way in Node. */
function runInNode(): { blocks: HeapBlock[]; frames: number } {
  const bytes = SETUP.mib * 2 ** 20;
  const space = createFrameSpace({ frames: bytes / 4096 }, { backing: 'dense' });
  const counted = countingFrames(createBitmapAllocator(space));
  const heap = createHeap(counted.pmm, { strategy: SETUP.strategy });
  const ops = objectWorkloadOps({
    workload: SETUP.workload,
    targets: [],
    ops: SETUP.ops,
    seed: SETUP.seed,
    bytes,
  });
  runObjects(heapTarget(SETUP.strategy, heap, counted), ops);
  return { blocks: heap.blocks(), frames: bytes / 4096 };
}

/** `hsl(h s% l%)` or `#rrggbb` as [r, g, b]. */
function rgbOf(colour: string): number[] {
  if (colour.startsWith('#')) return [1, 3, 5].map((i) => Number.parseInt(colour.slice(i, i + 2), 16));
  const [h, s, l] = colour.match(/[\d.]+/g)!.map(Number);
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

describe('heap map', () => {
  it('colours every held frame by its slab class or owner, and the legend counts them', () => {
    const { blocks, frames } = runInNode();
    const owners = new Set(blocks.map((b) => b.owner));
    expect(owners.size).toBeGreaterThan(3);
    const byClass = heapLegend(blocks, 'class');
    const byOwner = heapLegend(blocks, 'owner');
    const held = blocks.reduce((n, b) => n + b.frames, 0);
    expect(byClass.reduce((n, e) => n + e.frames, 0)).toBe(held);
    expect(byOwner.reduce((n, e) => n + e.frames, 0)).toBe(held);
    expect(byClass.some((e) => e.label.startsWith('slabs of '))).toBe(true);
    expect(new Set(byClass.map((e) => e.colour)).size).toBe(byClass.length);
    expect(heapMapLayout(frames)).toEqual({ columns: 64, cell: 10, rows: 64 });
  });
});

describe.skipIf(!haveChromium)('heap page in Chromium', () => {
  let server: PreviewServer;
  let browser: Browser;
  let url: string;
  const outDir = mkdtempSync(join(tmpdir(), 'framekit-heap-page-'));

  beforeAll(async () => {
    await build({ root, logLevel: 'error', configFile: resolve(root, 'vite.config.ts'), build: { outDir } });
    server = await preview({
      root,
      configFile: resolve(root, 'vite.config.ts'),
      build: { outDir },
      preview: { port: 0, host: '127.0.0.1' },
    });
    url = server.resolvedUrls!.local[0];
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((done) => server?.httpServer.close(() => done()));
  });

  it('draws the frames each size class and owner holds, as the same run in Node has them', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}heap.html`);
    await page.selectOption('#heap-strategy', SETUP.strategy);
    await page.selectOption('#heap-workload', SETUP.workload);
    await page.fill('#heap-ops', String(SETUP.ops));
    await page.fill('#heap-seed', String(SETUP.seed));
    await page.fill('#heap-mib', String(SETUP.mib));
    await page.click('#heap-run');
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
    expect(errors).toEqual([]);
    const { blocks, frames } = runInNode();
    const { columns, cell } = heapMapLayout(frames);
    for (const colouring of ['class', 'owner'] as const) {
      await page.selectOption('#heap-colouring', colouring);
      const pixels = await page.$eval(
        '#heap-map',
        (c, { frames, columns, cell }) => {
          const data = (c as HTMLCanvasElement)
            .getContext('2d')!
            .getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
          const out: number[][] = [];
          for (let pfn = 0; pfn < frames; pfn++) {
            const x = (pfn % columns) * cell + 2;
            const y = Math.floor(pfn / columns) * cell + 2;
            const i = (y * (c as HTMLCanvasElement).width + x) * 4;
            out.push([data[i], data[i + 1], data[i + 2]]);
          }
          return out;
        },
        { frames, columns, cell },
      );
      const expected: string[] = new Array(frames).fill(FREE_COLOUR);
      for (const b of blocks)
        for (let f = 0; f < b.frames; f++) expected[b.pfn + f] = blockColour(b, colouring);
      expected.forEach((colour, pfn) => {
        const want = rgbOf(colour);
        const close = want.every((v, i) => Math.abs(v - pixels[pfn][i]) <= 3);
        expect(close, `${colouring}: frame ${pfn} drew rgb(${pixels[pfn]}), expected ${colour}`).toBe(true);
      });
      const legend = await page.$$eval('#heap-legend li', (items) => items.map((li) => li.textContent ?? ''));
      expect(legend.length).toBe(Math.min(40, heapLegend(blocks, colouring).length));
    }
    expect(await page.textContent('#heap-table')).toContain('frames held');
    // Each slab class with frames shows its own fragmentation, as the heap's stats give it.
    const classRows = await page.$$eval('#heap-classes tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    expect(classRows.length).toBeGreaterThan(3);
    expect(classRows.every((r) => /^fragmentation \d\.\d{3} external, \d\.\d{3} internal$/.test(r[4]))).toBe(
      true,
    );
  }, 120_000);
});
