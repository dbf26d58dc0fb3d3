import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type CompareSetup, compare } from '@framekit/cli/compare';
import { prepareWorkersRun, replayShare, workersAllocator } from '@framekit/cli/workers';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, createLogger, createServer, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockLayout, blockUsage, shade, usableBits } from '../src/web/frame-map';
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
  strategies: ['stack', 'bitmap', 'hier2m', 'buddy', 'kernel', 'linux'],
  ops: 20_000,
  seed: 3,
};

describe.skipIf(!haveChromium)('playground in Chromium', () => {
  let server: PreviewServer;
  let browser: Browser;
  let url: string;
  /** What the production build printed as warnings (and errors): there must be none. */
  const buildWarnings: string[] = [];

  beforeAll(async () => {
    const logger = createLogger('warn');
    logger.warn = (message) => void buildWarnings.push(message);
    logger.warnOnce = (message) => void buildWarnings.push(message);
    logger.error = (message) => void buildWarnings.push(message);
    await build({ root, customLogger: logger, configFile: resolve(root, 'vite.config.ts') });
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

  /** A page that records page errors and every warning- or error-level console message. */
  async function openPage(viewport?: {
    width: number;
    height: number;
  }): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage(viewport ? { viewport } : {});
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'warning' || message.type() === 'error') {
        problems.push(`console.${message.type()}: ${message.text()}`);
      }
    });
    return { page, problems };
  }

  /** Opens the setup's link, runs it, and waits until it is done without a page error or warning. */
  async function runInPage(run: CompareSetup, viewport?: { width: number; height: number }): Promise<Page> {
    const { page, problems } = await openPage(viewport);
    await page.goto(`${url}${encodeSetup(run)}`);
    await page.click('#run');
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
    expect(problems).toEqual([]);
    return page;
  }

  it('builds for production without a warning', () => {
    expect(buildWarnings).toEqual([]);
  });

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

  it('runs a workload on 2 Web Workers sharing one llfree allocator, as compare --workers does', async () => {
    const run: CompareSetup = { ...setup, workload: 'processes', ops: 6000, seed: 2 };
    const { page, problems } = await openPage({ width: 1200, height: 1600 });
    await page.goto(`${url}${encodeSetup(run)}`);
    await page.selectOption('#workers-count', '2');
    await page.click('#workers-run');
    await page.waitForSelector('body[data-workers="done"], body[data-workers="error"]', { timeout: 60_000 });
    expect(await page.textContent('#workers-status')).toMatch(/^done/);
    const rows = await page.$$eval('#workers-table tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    // One worker, then two; every operation replayed, and the counters match the bits after each.
    expect(rows.map((r) => r[0])).toEqual(['1', '2']);
    const { space, ops } = prepareWorkersRun(run);
    for (const row of rows) {
      expect(row[1]).toBe(ops.length.toLocaleString('en-US'));
      expect(Number(row[2].replaceAll(',', ''))).toBeGreaterThan(0);
      expect(row[3]).toMatch(/^\d+\.\d\dx$/);
      expect(row[6]).toBe('ok');
    }
    // One worker replays in order, so it fails exactly as often as the same replay in Node.
    const alone = replayShare(workersAllocator(space, 1).share(), ops);
    expect(rows[0][5]).toBe(String(alone.failed));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('serves the isolation headers from `vite` (dev) and `vite preview`, for the page and the worker script', async () => {
    const dev = await createServer({
      root,
      configFile: resolve(root, 'vite.config.ts'),
      logLevel: 'error',
      server: { port: 0, host: '127.0.0.1' },
      // Only the headers are under test: no dependency pre-bundling (inside vitest's own Vite,
      // the optimizer's esbuild run never settles, and every request would wait for it).
      optimizeDeps: { noDiscovery: true, include: [] },
    });
    await dev.listen();
    try {
      const devUrl = dev.resolvedUrls!.local[0];
      for (const [base, path] of [
        [devUrl, ''],
        [devUrl, 'src/web/llfree-worker.ts'],
        [url, ''],
      ]) {
        const response = await fetch(`${base}${path}`);
        expect(response.status, `${base}${path}`).toBe(200);
        expect(response.headers.get('cross-origin-opener-policy'), `${base}${path}`).toBe('same-origin');
        expect(response.headers.get('cross-origin-embedder-policy'), `${base}${path}`).toBe('require-corp');
      }
    } finally {
      await dev.close();
    }
  }, 120_000);

  it('runs a comparison, draws the frame maps and agrees with the command line', async () => {
    const page = await runInPage(setup, { width: 1400, height: 1800 });

    // One frame map per strategy, every 2 MiB cell shaded as the same run in Node says it should be.
    const expected = expectedBlockColours(setup);
    const drawn = await page.$$eval('#frame-maps canvas', (canvases) =>
      (canvases as HTMLCanvasElement[]).map((c) => {
        const columns = Number(c.dataset.columns);
        const cell = Number(c.dataset.cell);
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

    // The zoom shows single frames with their addresses and a legend, and a way back.
    const kernelMap = '#frame-maps canvas[data-strategy="kernel"]';
    const figure = '#frame-maps figure:has(canvas[data-strategy="kernel"])';
    const blocksWidth = await page.$eval(kernelMap, (c) => (c as HTMLCanvasElement).width);
    await page.click(kernelMap, { position: { x: 2, y: 2 } });
    expect(await page.$eval(kernelMap, (c) => (c as HTMLCanvasElement).width)).toBe(32 * 14);
    expect(await page.textContent(`${figure} .where`)).toMatch(/^block 0: 0x0–0x1fffff, frames 0–511/);
    expect(await page.textContent(`${figure} .legend`)).toMatch(/free frame.*frame in use.*not usable/);
    await page.click(`${figure} button.back`);
    expect(await page.$eval(kernelMap, (c) => (c as HTMLCanvasElement).width)).toBe(blocksWidth);
    expect(await page.isVisible(`${figure} button.back`)).toBe(false);

    // Explain answers for the router with a sentence and a small table, not JSON.
    await page.selectOption('#explain-strategy', 'kernel');
    await page.click('#explain-run');
    await page.waitForSelector('#explain-output .sentence', { timeout: 60_000 });
    expect(await page.textContent('#explain-output .sentence')).toMatch(
      /^allocRun\(512, \{ align: 512 \}\): route 'huge'/,
    );
    const steps = await page.$$eval('#explain-output tbody tr', (trs) => trs.length);
    expect(steps).toBeGreaterThan(0);
    expect(await page.textContent('#explain-output thead')).toMatch(/zone.*strategy.*verdict/);
    expect(await page.textContent('#explain-output')).not.toMatch(/[{}]\s*"/);

    mkdirSync(resolve(root, 'test-results'), { recursive: true });
    await page.screenshot({ path: resolve(root, 'test-results/playground.png'), fullPage: true });
  }, 120_000);

  it('runs processes through the VM (fork-exec), with the same numbers as the command line', async () => {
    const forkExec: CompareSetup = { ...setup, map: 'tiny-64m', workload: 'fork-exec', ops: 5000 };
    await expectCliNumbers(await runInPage(forkExec), forkExec);
  }, 120_000);

  it('fits a 390 px phone, with readable frame maps of a small map and no warnings', async () => {
    const phone = { width: 390, height: 844 };
    const small: CompareSetup = { ...setup, map: 'tiny-64m', ops: 5000 };
    const page = await runInPage(small, phone);
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(widths.scroll, 'the page scrolls sideways').toBeLessThanOrEqual(widths.client);
    // tiny-64m has 32 blocks: a grid of big cells, not a sliver.
    const box = await page.$eval('#frame-maps canvas', (c) => {
      const r = c.getBoundingClientRect();
      return { width: r.width, height: r.height, right: r.right };
    });
    expect(box.height).toBeGreaterThan(30);
    expect(box.right).toBeLessThanOrEqual(phone.width);
    expect(blockLayout(32).cell).toBeGreaterThanOrEqual(20);
    // Chart axes have room for their labels: nothing drawn past the chart's box.
    const charts = await page.$$eval('#charts .chart', (divs) =>
      divs.map((d) => d.getBoundingClientRect().right),
    );
    for (const right of charts) expect(right).toBeLessThanOrEqual(phone.width);
    mkdirSync(resolve(root, 'test-results'), { recursive: true });
    await page.screenshot({ path: resolve(root, 'test-results/phone.png'), fullPage: true });
  }, 120_000);

  it('clears what a previous run showed: a bad map leaves no old summary, a new run no old explain', async () => {
    const small: CompareSetup = { ...setup, map: 'tiny-64m', ops: 2000 };
    const { page, problems } = await openPage();
    await page.goto(`${url}${encodeSetup(small)}`);
    await page.click('#run');
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
    expect(await page.textContent('#map-summary')).toMatch(/^tiny-64m: .* usable in 2 ranges/);
    await page.selectOption('#explain-strategy', 'kernel');
    await page.click('#explain-run');
    await page.waitForSelector('#explain-output .sentence', { timeout: 60_000 });
    await page.click('#run');
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
    expect(await page.textContent('#explain-output')).toBe('');

    await page.evaluate(() => {
      (document.getElementById('custom-map') as HTMLDetailsElement).open = true;
    });
    await page.fill('#map-text', 'this is not a memory map');
    await page.click('#run');
    await page.waitForSelector('body[data-state="error"]', { timeout: 60_000 });
    expect(await page.textContent('#status')).toMatch(/BAD_BOOT_MAP|memory map|line 1/i);
    expect(await page.textContent('#map-summary')).toBe('');
    expect(await page.isVisible('#results')).toBe(false);

    // The same cap on operations as the command line.
    await page.selectOption('#map-preset', 'tiny-64m');
    await page.fill('#ops', '100000001');
    await page.click('#run');
    await page.waitForFunction(() =>
      /100,000,000/.test(document.getElementById('status')?.textContent ?? ''),
    );
    expect(await page.textContent('#status')).toMatch(/from 1 to 100,000,000: larger runs would not finish/);
    expect(await page.getAttribute('body', 'data-state')).toBe('error');
    expect(problems).toEqual([]);
  }, 120_000);

  it('cancels a long run and stays responsive', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}${encodeSetup({ ...setup, map: 'laptop-16g', ops: 1_000_000 })}`);
    await page.click('#run');
    await page.waitForSelector('body[data-state="running"]', { timeout: 60_000 });
    await page.click('#cancel');
    await page.waitForSelector('body[data-state="cancelled"]', { timeout: 60_000 });
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
    expect(row.slice(2, 11), r.strategy).toEqual(
      [
        r.failed - r.unsupported,
        r.unsupported,
        r.skipped,
        r.errors.length,
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
