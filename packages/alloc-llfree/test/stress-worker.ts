/*
 * One worker of the stress test: random allocations and frees on a shared llfree
 * allocator. Every frame it gets is stamped with (worker, sequence) in its first bytes and
 * checked before it goes back; every hand-out and every return is appended to a shared log
 * whose order an Atomics counter fixes (a return is logged before the free, a hand-out after
 * the allocation, so the log never shows a frame in two hands unless it was).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { NO_FRAME } from '@framekit/core';
import { Rng } from '@framekit/sim';
import { attach } from '../src/index';
import { LOG_WORDS, type StressJob } from './stress-job';

const job = (workerData as { job: StressJob }).job;
const pmm = attach(job.descriptor);
const log = new Int32Array(job.log);
const progress = new Int32Array(job.progress);
const rng = new Rng(job.seed);
const space = pmm.space;

/** Live units: first frame, count, stamp sequence (parallel arrays, swap-removed). */
const starts: number[] = [];
const counts: number[] = [];
const seqs: number[] = [];
let held = 0;
let seq = 0;
let exhausted = 0;
let stampErrors = 0;
const batch = new Float64Array(4);

function append(pfn: number, count: number): void {
  const i = Atomics.add(log, 0, 1);
  const at = 1 + i * LOG_WORDS;
  if (at + LOG_WORDS > log.length) throw new Error('stress log full');
  log[at + 1] = pfn;
  log[at + 2] = count;
  Atomics.store(log, at, job.worker);
}

function header(pfn: number): DataView {
  const bytes = space.bytes(pfn);
  return new DataView(bytes.buffer, bytes.byteOffset, 8);
}

function stamp(pfn: number, s: number): void {
  const view = header(pfn);
  view.setInt32(0, job.worker);
  view.setInt32(4, s);
}

function stampOk(pfn: number, s: number): boolean {
  const view = header(pfn);
  return view.getInt32(0) === job.worker && view.getInt32(4) === s;
}

function got(pfn: number, count: number): void {
  seq++;
  stamp(pfn, seq);
  if (count > 1) stamp(pfn + count - 1, seq);
  append(pfn, count);
  starts.push(pfn);
  counts.push(count);
  seqs.push(seq);
  held += count;
}

function release(k: number): void {
  const pfn = starts[k];
  const count = counts[k];
  if (!stampOk(pfn, seqs[k]) || (count > 1 && !stampOk(pfn + count - 1, seqs[k]))) stampErrors++;
  const last = starts.length - 1;
  starts[k] = starts[last];
  counts[k] = counts[last];
  seqs[k] = seqs[last];
  starts.pop();
  counts.pop();
  seqs.pop();
  held -= count;
  append(pfn, -count);
  if (count === 1 && rng.chance(0.5)) pmm.free(pfn);
  else pmm.freeRun(pfn, count);
}

for (let op = 0; op < job.ops; op++) {
  const roll = rng.next();
  if (starts.length > 0 && (held > job.maxHeld || roll < 0.45)) {
    // Sometimes several singles at once, through freeMany.
    if (roll < 0.05) {
      let n = 0;
      for (let k = starts.length - 1; k >= 0 && n < 4; k--) {
        if (counts[k] !== 1) continue;
        const pfn = starts[k];
        if (!stampOk(pfn, seqs[k])) stampErrors++;
        batch[n++] = pfn;
        append(pfn, -1);
        starts.splice(k, 1);
        counts.splice(k, 1);
        seqs.splice(k, 1);
        held--;
      }
      pmm.freeMany(batch, n);
    } else {
      release(rng.int(0, starts.length - 1));
    }
  } else if (roll < 0.8) {
    const pfn = pmm.alloc();
    if (pfn === NO_FRAME) exhausted++;
    else got(pfn, 1);
  } else if (roll < 0.88) {
    const n = rng.int(1, 4);
    if (pmm.allocMany(batch, n)) for (let i = 0; i < n; i++) got(batch[i], 1);
    else exhausted++;
  } else if (roll < 0.985) {
    const n = 2 ** rng.int(1, 5);
    const pfn = pmm.allocRun(n, { align: n });
    if (pfn === NO_FRAME) exhausted++;
    else got(pfn, n);
  } else {
    const pfn = pmm.allocRun(512, { align: 512 });
    if (pfn === NO_FRAME) exhausted++;
    else got(pfn, 512);
  }
  Atomics.store(progress, job.worker, op + 1);
}
while (starts.length > 0) release(starts.length - 1);
const retries = pmm.contention();
pmm.close();
parentPort?.postMessage({ worker: job.worker, exhausted, stampErrors, seq, retries: retries.retries });
