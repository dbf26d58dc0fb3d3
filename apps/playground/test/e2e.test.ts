import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CompareSetup, compare } from '../src/shared/compare';
import { blockUsage, CELL, COLUMNS, shade, usableBits } from '../src/web/frame-map';
import { freeBits } from '../src/web/free-bits';
import { encodeSetup } from '../src/web/url-state';

/*
 * The playground in a real browser: build it, serve the static build with `vite preview`, drive
 * Debian's Chromium with playwright-core, run a comparison, and check that the page shows the
 * same numbers as the command line's `compare` for the same setup.
 */

const root = resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// CI installs Chromium and must run this test; elsewhere it is skipped when Chromium is absent.
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`CI needs Chromium at ${CHROMIUM} for the browser test`);

const setup: CompareSetup = {
  map: 'qemu-q35-2g',
  workload: 'hugepage-mix',
  strategies: ['stack', 'bitmap', 'hier2m', 'kernel'],
  ops: 20_000,
  seed: 3,
};

describe.skipIf(!haveChromium)('playground in Chromium', () => {
  let server: PreviewServer;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    await build({ root, logLevel: 'error', configFile: resolve(root, 'vite.config.ts') });
    server = await preview({
      root,
      configFile: resolve(root, 'vite.config.ts'),
      preview: { port: 0, host: '127.0.0.1' },
    });
    url = server.resolvedUrls!.local[0];
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((done) => server?.httpServer.close(() => done()));
  });

  /** Opens the setup's link, runs it, and waits until it is done without a page error. */
  async function runInPage(run: CompareSetup, viewport?: { width: number; height: number }): Promise<Page> {
    const page = await browser.newPage(viewport ? { viewport } : {});
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}${encodeSetup(run)}`);
    await page.click('#run');
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
    expect(errors).toEqual([]);
    return page;
  }

  it('is cross-origin isolated, so pages and workers can share a SharedArrayBuffer', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    const shared = await page.evaluate(() => {
      if (!crossOriginIsolated) return 'not isolated';
      const words = new Int32Array(new SharedArrayBuffer(8));
      return Atomics.compareExchange(words, 0, 0, 7) === 0 && Atomics.load(words, 0) === 7 ? 'ok' : 'atomics';
    });
    expect(shared).toBe('ok');
    await page.close();
  });

  it('runs a comparison, draws the frame maps and agrees with the command line', async () => {
    const page = await runInPage(setup, { width: 1400, height: 1800 });

    // One frame map per strategy, every 2 MiB cell shaded as the same run in Node says it should be.
    const expected = expectedBlockColours(setup);
    const drawn = await page.$$eval(
      '#frame-maps canvas',
      (canvases, { columns, cell }) =>
        (canvases as HTMLCanvasElement[]).map((c) => {
          const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          const cells: number[][] = [];
          for (let block = 0; block < columns * (c.height / cell); block++) {
            const x = (block % columns) * cell + (cell >> 1);
            const y = Math.floor(block / columns) * cell + (cell >> 1);
            const i = (y * c.width + x) * 4;
            cells.push([data[i], data[i + 1], data[i + 2]]);
          }
          return { strategy: c.dataset.strategy ?? '', cells };
        }),
      { columns: COLUMNS, cell: CELL },
    );
    expect(drawn.map((d) => d.strategy)).toEqual(setup.strategies);
    for (const { strategy, cells } of drawn) {
      const want = expected.get(strategy)!;
      expect(new Set(want.map(String)).size, `${strategy} draws more than one shade`).toBeGreaterThan(1);
      want.forEach((rgb, block) => {
        const got = cells[block];
        const close = rgb.every((v, i) => Math.abs(v - got[i]) <= 2);
        expect(close, `${strategy} block ${block}: drew rgb(${got}), expected rgb(${rgb})`).toBe(true);
      });
    }
    expect(await page.$$eval('#charts .chart', (charts) => charts.length)).toBeGreaterThan(3);

    // The same numbers as `framekit compare` for the same seed (timings aside).
    await expectCliNumbers(page, setup);

    // The zoom shows single frames, and explain answers for the router.
    const kernelMap = '#frame-maps canvas[data-strategy="kernel"]';
    await page.click(kernelMap, { position: { x: 2, y: 2 } });
    expect(await page.$eval(kernelMap, (c) => (c as HTMLCanvasElement).width)).toBe(32 * 14);
    await page.selectOption('#explain-strategy', 'kernel');
    await page.click('#explain-run');
    await page.waitForFunction(
      () => (document.getElementById('explain-output')?.textContent ?? '').length > 0,
    );
    const explanation = JSON.parse((await page.textContent('#explain-output')) ?? '');
    expect(explanation).toMatchObject({ route: 'huge', shape: 'huge' });
    expect(explanation.reason).toMatch(/^allocRun\(512, \{ align: 512 \}\): route 'huge'/);

    mkdirSync(resolve(root, 'test-results'), { recursive: true });
    await page.screenshot({ path: resolve(root, 'test-results/playground.png'), fullPage: true });
  }, 120_000);

  it('runs processes through the VM (fork-exec), with the same numbers as the command line', async () => {
    const forkExec: CompareSetup = { ...setup, map: 'tiny-64m', workload: 'fork-exec', ops: 5000 };
    await expectCliNumbers(await runInPage(forkExec), forkExec);
  }, 120_000);

  it('cancels a long run and stays responsive', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}${encodeSetup({ ...setup, map: 'laptop-16g', ops: 1_000_000 })}`);
    await page.click('#run');
    await page.waitForSelector('body[data-state="running"]');
    await page.click('#cancel');
    await page.waitForSelector('body[data-state="cancelled"]');
    expect(await page.isEnabled('#run')).toBe(true);
  }, 60_000);
});

/** The results table shows what `compare` computes in Node for the same setup. */
async function expectCliNumbers(page: Page, setup: CompareSetup): Promise<void> {
  const rows = await page.$$eval('#results-table tbody tr', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
  );
  const cli = compare(setup).results;
  expect(rows.map((r) => r[0])).toEqual(cli.map((r) => r.strategy));
  rows.forEach((row, i) => {
    const r = cli[i];
    expect(row.slice(2, 8), r.strategy).toEqual(
      [
        r.failed,
        r.final.freeFrames,
        r.final.largestFreeRun,
        r.final.free2MiBBlocks,
        r.final.unusableIndex,
        r.final.fragmentationIndex,
      ].map(String),
    );
  });
}

/** Per strategy, the colour of each 2 MiB cell after the same run in Node (background where unusable). */
function expectedBlockColours(setup: CompareSetup): Map<string, number[][]> {
  const colours = new Map<string, number[][]>();
  let frameCount = 0;
  let usable: Uint8Array = new Uint8Array();
  compare(setup, {
    onMap: ({ space }) => {
      frameCount = space.frameCount;
      usable = usableBits(frameCount, space.ranges);
    },
    onResult: (result, allocator) => {
      const usage = blockUsage(freeBits(allocator, frameCount), usable, frameCount);
      colours.set(
        result.strategy,
        [...usage].map((u) => (u < 0 ? [0xee, 0xee, 0xee] : hslToRgb(shade(u)))),
      );
    },
  });
  return colours;
}

/** `hsl(H S% L%)` as sRGB bytes, the way the canvas stores it. */
function hslToRgb(css: string): number[] {
  const [h, s, l] = css.match(/[\d.]+/g)!.map(Number);
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const channel = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round((l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))) * 255);
  };
  return [channel(0), channel(8), channel(4)];
}
