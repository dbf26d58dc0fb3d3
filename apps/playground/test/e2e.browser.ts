import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CompareSetup, compare } from '../src/shared/compare';
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
  map: 'tiny-64m',
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

  it('runs a comparison, draws the frame maps and agrees with the command line', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}${encodeSetup(setup)}`);
    await page.click('#run');
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
    expect(errors).toEqual([]);

    // One frame map per strategy, each with pixels drawn.
    const drawn = await page.$$eval('#frame-maps canvas', (canvases) =>
      (canvases as HTMLCanvasElement[]).map((c) => {
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const colours = new Set<number>();
        for (let i = 0; i < data.length; i += 4)
          colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        return { strategy: c.dataset.strategy, colours: colours.size };
      }),
    );
    expect(drawn.map((d) => d.strategy)).toEqual(setup.strategies);
    for (const d of drawn) expect(d.colours, d.strategy).toBeGreaterThan(2);
    expect(await page.$$eval('#charts .chart', (charts) => charts.length)).toBeGreaterThan(3);

    // The same numbers as `framekit compare` for the same seed (timings aside).
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

    // The zoom shows single frames, and explain answers for the router.
    await page.click('#frame-maps canvas[data-strategy="kernel"]', { position: { x: 2, y: 2 } });
    await page.selectOption('#explain-strategy', 'kernel');
    await page.click('#explain-run');
    await page.waitForFunction(
      () => (document.getElementById('explain-output')?.textContent ?? '').length > 0,
    );

    mkdirSync(resolve(root, 'test-results'), { recursive: true });
    await page.screenshot({ path: resolve(root, 'test-results/playground.png'), fullPage: true });
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
