import { type CompareSetup, DEFAULT_SETUP, MAX_OPS } from '@framekit/cli/compare';
import { MAP_PRESETS } from '@framekit/cli/maps';
import { STRATEGIES } from '@framekit/cli/strategies';
import { formatBytes } from '@framekit/core';
import { type RunResult, WORKLOADS } from '@framekit/sim';
import { Charts } from './charts';
import { FrameMap } from './frame-map';
import type { MapSummary, WorkerRequest, WorkerResponse } from './protocol';
import { decodeSetup, encodeSetup } from './url-state';
import { runOnWebWorkers } from './workers-run';
import './style.css';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const form = $<HTMLFormElement>('setup');
const mapPreset = $<HTMLSelectElement>('map-preset');
const mapText = $<HTMLTextAreaElement>('map-text');
const mapFile = $<HTMLInputElement>('map-file');
const customMap = $<HTMLDetailsElement>('custom-map');
const workload = $<HTMLSelectElement>('workload');
const ops = $<HTMLInputElement>('ops');
const seed = $<HTMLInputElement>('seed');
const strategyBox = $<HTMLDivElement>('strategies');
const runButton = $<HTMLButtonElement>('run');
const cancelButton = $<HTMLButtonElement>('cancel');
const progress = $<HTMLProgressElement>('progress');
const status = $<HTMLSpanElement>('status');
const share = $<HTMLAnchorElement>('share');
const results = $<HTMLElement>('results');
const table = $<HTMLTableElement>('results-table');
const frameMaps = $<HTMLDivElement>('frame-maps');
const explainStrategy = $<HTMLSelectElement>('explain-strategy');
const explainOutput = $<HTMLDivElement>('explain-output');
const mapSummary = $<HTMLParagraphElement>('map-summary');
const charts = new Charts($('charts'));

// ---- the form ------------------------------------------------------------------------

for (const m of MAP_PRESETS) mapPreset.append(new Option(`${m.name} — ${m.description}`, m.name));
mapPreset.append(new Option('custom (pasted or uploaded below)', 'custom'));
for (const w of Object.values(WORKLOADS)) workload.append(new Option(`${w.name} — ${w.description}`, w.name));
for (const s of STRATEGIES) {
  const label = document.createElement('label');
  label.title = s.description;
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.name = 'strategy';
  box.value = s.name;
  label.append(box, ` ${s.name}`);
  strategyBox.append(label);
}

function readForm(): CompareSetup {
  const custom = mapPreset.value === 'custom';
  return {
    map: custom ? mapText.value : mapPreset.value,
    workload: workload.value,
    strategies: [...strategyBox.querySelectorAll<HTMLInputElement>('input:checked')].map((b) => b.value),
    ops: Number(ops.value) || DEFAULT_SETUP.ops,
    seed: Math.max(0, Number(seed.value) || 0),
  };
}

function writeForm(setup: CompareSetup): void {
  const preset = MAP_PRESETS.some((m) => m.name === setup.map);
  mapPreset.value = preset ? setup.map : 'custom';
  if (!preset) {
    mapText.value = setup.map;
    customMap.open = true;
  }
  workload.value = setup.workload;
  ops.value = String(setup.ops);
  seed.value = String(setup.seed);
  for (const box of strategyBox.querySelectorAll<HTMLInputElement>('input'))
    box.checked = setup.strategies.includes(box.value);
}

mapFile.addEventListener('change', async () => {
  const file = mapFile.files?.[0];
  if (!file) return;
  mapText.value = await file.text();
  mapPreset.value = 'custom';
});
mapText.addEventListener('input', () => {
  mapPreset.value = 'custom';
});
form.addEventListener('input', () => {
  share.href = encodeSetup(readForm());
});

// ---- running in a worker -------------------------------------------------------------

let worker: Worker | undefined;
let running = false;
let map: MapSummary | undefined;
const finished: RunResult[] = [];

function startWorker(): Worker {
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (event: MessageEvent<WorkerResponse>) => onMessage(event.data);
  w.onerror = (event) => fail(event.message);
  return w;
}

function onMessage(message: WorkerResponse): void {
  switch (message.type) {
    case 'map':
      map = message.map;
      mapSummary.textContent = `${map.name}: ${formatBytes(map.usableFrames * 4096)} usable in ${map.ranges.length} ${map.ranges.length === 1 ? 'range' : 'ranges'}, ${map.frameCount} frames (4 KiB) of address space`;
      return;
    case 'strategy':
      status.textContent = `running ${message.name} (${message.index + 1} of ${message.count})…`;
      return;
    case 'progress':
      progress.value = message.fraction;
      return;
    case 'sample':
      charts.add(message.strategy, message.sample);
      return;
    case 'result':
      finished.push(message.result);
      renderTable();
      charts.render();
      if (map) new FrameMap(frameMaps, message.result.strategy, message.freeBits, map.frameCount, map.ranges);
      explainStrategy.append(new Option(message.result.strategy, message.result.strategy));
      results.hidden = false;
      return;
    case 'done':
      setRunning(false);
      progress.value = 1;
      status.textContent = `done: ${finished.length} strategies`;
      document.body.dataset.state = 'done';
      return;
    case 'explain':
      renderExplanation(message.sentence, message.rows);
      return;
    case 'error':
      fail(message.message);
      return;
  }
}

function fail(message: string): void {
  setRunning(false);
  status.textContent = message;
  status.className = 'error';
  document.body.dataset.state = 'error';
}

function setRunning(on: boolean): void {
  running = on;
  runButton.disabled = on;
  cancelButton.disabled = !on;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (running) return;
  const setup = readForm();
  // What the last run showed no longer applies: its map summary, results and explanation go.
  mapSummary.textContent = '';
  explainOutput.replaceChildren();
  results.hidden = true;
  if (setup.strategies.length === 0) {
    fail('choose at least one strategy');
    return;
  }
  if (!Number.isSafeInteger(setup.ops) || setup.ops < 1 || setup.ops > MAX_OPS) {
    fail(
      `Operations must be a whole number from 1 to ${MAX_OPS.toLocaleString('en-US')}: larger runs would not finish.`,
    );
    return;
  }
  history.replaceState(null, '', encodeSetup(setup));
  share.href = encodeSetup(setup);
  finished.length = 0;
  charts.reset();
  frameMaps.replaceChildren();
  explainStrategy.replaceChildren();
  table.replaceChildren();
  status.className = '';
  progress.value = 0;
  document.body.dataset.state = 'running';
  setRunning(true);
  worker ??= startWorker();
  worker.postMessage({ type: 'run', setup } satisfies WorkerRequest);
});

// A synchronous run cannot read messages, so cancelling ends the worker and starts a fresh one.
cancelButton.addEventListener('click', () => {
  worker?.terminate();
  worker = undefined;
  setRunning(false);
  status.textContent = 'cancelled';
  document.body.dataset.state = 'cancelled';
});

$('explain-run').addEventListener('click', () => {
  if (!worker) return;
  const below = $<HTMLInputElement>('explain-below').value;
  worker.postMessage({
    type: 'explain',
    strategy: explainStrategy.value,
    count: Number($<HTMLInputElement>('explain-count').value) || 1,
    align: Number($<HTMLInputElement>('explain-align').value) || 1,
    ...(below === '' ? {} : { below: (Number(below) * 1024 * 1024) / 4096 }),
  } satisfies WorkerRequest);
});

// ---- results -------------------------------------------------------------------------

/** The answer in a sentence, and the small table behind it. */
function renderExplanation(sentence: string, rows: readonly Readonly<Record<string, string>>[]): void {
  const p = document.createElement('p');
  p.className = 'sentence';
  p.textContent = sentence;
  explainOutput.replaceChildren(p);
  if (rows.length === 0) return;
  const t = document.createElement('table');
  const keys = Object.keys(rows[0]);
  const head = t.createTHead().insertRow();
  for (const k of keys) head.append(Object.assign(document.createElement('th'), { textContent: k }));
  const body = t.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const k of keys) tr.insertCell().textContent = row[k];
  }
  explainOutput.append(t);
}

function renderTable(): void {
  const head = [
    'strategy',
    'ops/s',
    'failed',
    'unsupported',
    'skipped',
    'errors',
    'free frames',
    'largest free run',
    'free 2M blocks',
    'unusable ‰ (2M)',
    'frag ‰ (2M)',
    'metadata',
  ];
  const rows = finished.map((r) => [
    r.strategy,
    r.opsPerSecond.toLocaleString('en-US'),
    String(r.failed - r.unsupported),
    String(r.unsupported),
    String(r.skipped),
    String(r.errors.length),
    String(r.final.freeFrames),
    String(r.final.largestFreeRun),
    String(r.final.free2MiBBlocks),
    String(r.final.unusableIndex),
    String(r.final.fragmentationIndex),
    formatBytes(r.final.metadataBytes),
  ]);
  table.replaceChildren();
  const thead = table.createTHead().insertRow();
  for (const h of head) thead.append(Object.assign(document.createElement('th'), { textContent: h }));
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    tr.dataset.strategy = row[0];
    for (const cell of row) tr.insertCell().textContent = cell;
  }
}

// ---- many workers on one llfree allocator ------------------------------------------

const workersButton = $<HTMLButtonElement>('workers-run');
const workersStatus = $<HTMLSpanElement>('workers-status');
const workersTable = $<HTMLTableElement>('workers-table');

workersButton.addEventListener('click', async () => {
  const setup = readForm();
  if (!Number.isSafeInteger(setup.ops) || setup.ops < 1 || setup.ops > MAX_OPS) {
    workersStatus.textContent = `Operations must be a whole number from 1 to ${MAX_OPS.toLocaleString('en-US')}.`;
    workersStatus.className = 'error';
    return;
  }
  workersButton.disabled = true;
  workersStatus.className = '';
  workersTable.replaceChildren();
  document.body.dataset.workers = 'running';
  try {
    const rows = await runOnWebWorkers(setup, Number($<HTMLSelectElement>('workers-count').value), (step) => {
      workersStatus.textContent = `running on ${step}`;
    });
    const head = ['workers', 'ops', 'ops/s', 'scaling', 'retries/op', 'failed', 'verify'];
    const thead = workersTable.createTHead().insertRow();
    for (const h of head) thead.append(Object.assign(document.createElement('th'), { textContent: h }));
    const body = workersTable.createTBody();
    for (const r of rows) {
      const tr = body.insertRow();
      tr.dataset.workers = String(r.workers);
      for (const cell of [
        String(r.workers),
        r.ops.toLocaleString('en-US'),
        r.opsPerSecond.toLocaleString('en-US'),
        `${r.scaling.toFixed(2)}x`,
        r.retriesPerOp.toFixed(4),
        String(r.failed),
        r.verified ? 'ok' : 'FAILED',
      ])
        tr.insertCell().textContent = cell;
    }
    workersStatus.textContent = `done: llfree on ${rows.length} worker counts`;
    document.body.dataset.workers = 'done';
  } catch (error) {
    workersStatus.textContent = error instanceof Error ? error.message : String(error);
    workersStatus.className = 'error';
    document.body.dataset.workers = 'error';
  } finally {
    workersButton.disabled = false;
  }
});

writeForm(location.hash ? decodeSetup(location.hash) : DEFAULT_SETUP);
share.href = encodeSetup(readForm());
