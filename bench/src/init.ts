import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFrameSpace, normalizeBootMap } from '@framekit/core';
import { bootMap, type MapName } from './maps';
import { measureSlow, type Timing } from './measure';
import { NATIVE_BUILD_DIR } from './native';
import type { Strategy } from './strategies';

/** One initialisation measurement: boot map to a ready allocator. */
export interface InitResult {
  readonly strategy: string;
  readonly map: MapName;
  readonly timing?: Timing;
  /** Frames of the space (one past the highest usable frame) and usable frames managed. */
  readonly frames?: number;
  readonly totalFrames?: number;
  readonly metadataBytes?: number;
  /** Peak resident memory of the process that did it, and what it was before. */
  readonly peakRssBytes?: number;
  readonly baseRssBytes?: number;
  /** Why there is no figure (out of the memory limit, too slow, a failure). */
  readonly error?: string;
  /** Why the strategy sits out (its packages are missing): no figure, and no budget judged. */
  readonly skipped?: string;
}

function rssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * `createFrameSpace(map)` plus the strategy's `create(space)`, `reps` times; keeps the last
 * allocator's figures. The peak RSS is the process's, so run it in a child for a clean figure.
 */
export function initInProcess(strategy: Strategy, map: MapName, reps: number): InitResult {
  const base = rssBytes();
  const regions = bootMap(map);
  let stats: { totalFrames: number; metadataBytes: number } | undefined;
  let frames = 0;
  const timing = measureSlow(() => {
    const space = createFrameSpace(regions, { backing: strategy.backing });
    const target = strategy.create(space);
    frames = space.frameCount;
    stats = 'stats' in target && typeof target.stats === 'function' ? target.stats() : undefined;
  }, reps);
  return {
    strategy: strategy.id,
    map,
    timing,
    frames,
    totalFrames: stats?.totalFrames,
    metadataBytes: stats?.metadataBytes,
    peakRssBytes: rssBytes(),
    baseRssBytes: base,
  };
}

export interface ChildLimits {
  /** Kill the child when its resident memory passes this. */
  readonly maxRssBytes: number;
  readonly timeoutMs: number;
}

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'child.ts');

function childRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs `initInProcess` in a fresh Node process, killed if it passes the memory or time limit. */
export function initInChild(
  strategyId: string,
  map: MapName,
  reps: number,
  limits: ChildLimits,
): Promise<InitResult> {
  return jobInChild<InitResult>(CHILD, { strategyId, map, reps }, limits, (error) => ({
    strategy: strategyId,
    map,
    error,
  }));
}

/**
 * Runs bench script `script` with `job` (as JSON) in a fresh Node process and returns the JSON
 * of its last line; `failed(why)` when it passes the memory or time limit or prints no result.
 * `env` is added to the child's environment.
 */
export function jobInChild<T>(
  script: string,
  job: unknown,
  limits: ChildLimits,
  failed: (why: string) => T,
  env: Readonly<Record<string, string>> = {},
): Promise<T> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@framekit/source', '--import', 'tsx', script, JSON.stringify(job)],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
    );
    let out = '';
    let err = '';
    let killed: string | undefined;
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const started = Date.now();
    const watch = setInterval(() => {
      const rss = child.pid ? childRss(child.pid) : 0;
      if (rss > limits.maxRssBytes)
        killed = `passed the ${Math.round(limits.maxRssBytes / 2 ** 30)} GiB memory limit`;
      else if (Date.now() - started > limits.timeoutMs) killed = `took over ${limits.timeoutMs / 1000} s`;
      if (killed) child.kill('SIGKILL');
    }, 100);
    child.on('close', (code) => {
      clearInterval(watch);
      if (killed) return done(failed(killed));
      try {
        done(JSON.parse(out.trim().split('\n').pop() ?? '') as T);
      } catch {
        const reason =
          err
            .trim()
            .split('\n')
            .find((l) => /Error|error/.test(l)) ?? `exit code ${code}`;
        done(failed(reason.slice(0, 200)));
      }
    });
  });
}

/** The map's usable ranges as `start count` lines, for `framekit-ref … init ranges=FILE`. */
export function writeRangesFile(map: MapName): string {
  const { usable } = normalizeBootMap(bootMap(map));
  const path = join(NATIVE_BUILD_DIR, `ranges-${map}.txt`);
  writeFileSync(path, `${usable.map((r) => `${r.start} ${r.count}`).join('\n')}\n`);
  return path;
}
