import { readFileSync } from 'node:fs';
import { createFrameSpace, isFrameError } from '@framekit/core';
import { createBaselineAllocator } from '@framekit/core/testing';
import { createHeap } from '@framekit/heap';
import { MemPool } from '@thi.ng/malloc';
import { describe, expect, it } from 'vitest';
import { compareHeaps, heapResultRows } from './compare';
import { recordHeap } from './record';
import { runObjects } from './run';
import { countingFrames, type HeapTarget, heapTarget, memPoolTarget } from './targets';
import { formatHeapTrace, type HeapOp, parseHeapTrace } from './trace';
import { OBJECT_WORKLOADS } from './workloads';

const MiB = 2 ** 20;
const params = { seed: 1, ops: 3000, bytes: 64 * MiB };

describe('object workloads', () => {
  it('are deterministic for a seed, differ between seeds, and have the length asked for', () => {
    for (const w of Object.values(OBJECT_WORKLOADS)) {
      const a = [...w.generate(params)];
      expect(a, w.name).toEqual([...w.generate(params)]);
      expect(a, w.name).not.toEqual([...w.generate({ ...params, seed: 2 })]);
      expect(a.length, w.name).toBe(params.ops);
    }
  });

  it('free, grow and release only live objects, once', () => {
    for (const w of Object.values(OBJECT_WORKLOADS)) {
      const live = new Map<number, number | undefined>();
      for (const op of w.generate({ ...params, ops: 20_000 })) {
        if (op.op === 'malloc') {
          expect(live.has(op.id), w.name).toBe(false);
          live.set(op.id, op.owner);
        } else if (op.op === 'free') expect(live.delete(op.id), w.name).toBe(true);
        else if (op.op === 'realloc') expect(live.has(op.id), w.name).toBe(true);
        else for (const [id, owner] of live) if (owner === op.owner) live.delete(id);
      }
    }
  });

  it('shape their objects as their names say', () => {
    const sizes = (name: string) =>
      [...OBJECT_WORKLOADS[name].generate({ ...params, ops: 20_000 })].flatMap((op) =>
        op.op === 'malloc' ? [op.size] : [],
      );
    expect(Math.max(...sizes('small-churn'))).toBeLessThanOrEqual(256);
    expect(Math.max(...sizes('mixed'))).toBeLessThanOrEqual(4096);
    expect(Math.max(...sizes('buffers'))).toBeGreaterThan(16_384);
    const buffers = [...OBJECT_WORKLOADS.buffers.generate({ ...params, ops: 20_000 })];
    expect(buffers.some((op) => op.op === 'realloc')).toBe(true);
    const processes = [...OBJECT_WORKLOADS.processes.generate({ ...params, ops: 20_000 })];
    expect(processes.some((op) => op.op === 'exit')).toBe(true);
    expect(new Set(processes.flatMap((op) => (op.op === 'malloc' ? [op.owner] : []))).size).toBeGreaterThan(
      5,
    );
  });

  it('draw the sizes their descriptions and the README say', () => {
    const sizes = [...OBJECT_WORKLOADS['small-churn'].generate({ ...params, ops: 50_000 })].flatMap((op) =>
      op.op === 'malloc' ? [op.size] : [],
    );
    // rng.int(8, 64) and rng.int(65, 256) are byte sizes, inclusive: 8–256 B, 80% of 8–64 B.
    expect(Math.min(...sizes)).toBe(8);
    expect(Math.max(...sizes)).toBe(256);
    const small = sizes.filter((b) => b <= 64).length / sizes.length;
    expect(small).toBeGreaterThan(0.77);
    expect(small).toBeLessThan(0.83);
    expect(OBJECT_WORKLOADS['small-churn'].description).toContain('8–256 B');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Object workloads'));
    const row = (name: string) =>
      section
        .split('\n')
        .find((l) => l.startsWith(`| \`${name}\` |`))
        ?.split('|')[2]
        .trim()
        .replaceAll('`', '');
    for (const w of Object.values(OBJECT_WORKLOADS)) expect(row(w.name), w.name).toBe(w.description);
    // The README says whether the built-in workloads ask for alignment: none does.
    const aligned = Object.values(OBJECT_WORKLOADS).filter((w) =>
      [...w.generate({ ...params, ops: 20_000 })].some((op) => op.op === 'malloc' && op.align !== undefined),
    );
    expect(aligned).toEqual([]);
    expect(section).toMatch(/no built-in workload asks for alignment/);
  });
});

describe('object traces', () => {
  it('round-trip through JSON Lines, and name a bad line', () => {
    const ops = [...OBJECT_WORKLOADS.buffers.generate({ ...params, ops: 500 })];
    expect(parseHeapTrace(formatHeapTrace(ops))).toEqual(ops);
    let error: unknown;
    try {
      parseHeapTrace('{"op":"malloc","id":0,"size":16}\n{"op":"malloc","id":1,"size":0}\n');
    } catch (e) {
      error = e;
    }
    expect(isFrameError(error, 'INVALID_REQUEST')).toBe(true);
    expect(String(error)).toContain('line 2');
    expect(() => parseHeapTrace('{"op":"malloc","id":0,"size":16,"align":24}')).toThrow(/power of two/);
  });

  it('record what a program does to one heap and replay it on another', () => {
    const space = createFrameSpace({ frames: 2048 }, { backing: 'dense' });
    const recording = recordHeap(createHeap(createBaselineAllocator(space)));
    const h = recording.heap;
    const a = h.malloc(100);
    const b = h.malloc(5000, { owner: 3 });
    h.malloc(40, { owner: 3, align: 64 });
    const c = h.realloc(a, 3000);
    h.free(c);
    h.releaseOwner(3);
    expect(b).not.toBe(-1);
    const ops = parseHeapTrace(formatHeapTrace(recording.ops));
    expect(ops.map((op) => op.op)).toEqual(['malloc', 'malloc', 'malloc', 'realloc', 'free', 'exit']);
    const other = createFrameSpace({ frames: 2048 }, { backing: 'sparse' });
    const frames = countingFrames(createBaselineAllocator(other));
    const result = runObjects(heapTarget('tlsf', createHeap(frames.pmm, { strategy: 'tlsf' }), frames), ops);
    expect(result.failed).toBe(0);
    expect(result.skipped).toBe(0);
    expect(result.final.objects).toBe(0);
    expect(result.peakLiveBytes).toBe(100 + 5000 + 40 + 2900);
  });

  it('record the alignment of a realloc and replay the same calls', () => {
    const space = createFrameSpace({ frames: 2048 }, { backing: 'dense' });
    const recording = recordHeap(createHeap(createBaselineAllocator(space)));
    const h = recording.heap;
    const a = h.malloc(100);
    const b = h.realloc(a, 3000, { align: 256 });
    const c = h.realloc(b, 5000);
    expect(b % 256).toBe(0);
    expect(recording.ops).toEqual([
      { op: 'malloc', id: 0, size: 100, result: a },
      { op: 'realloc', id: 0, size: 3000, align: 256, result: b },
      { op: 'realloc', id: 0, size: 5000, result: c },
    ]);
    const ops = parseHeapTrace(formatHeapTrace(recording.ops));
    expect(ops).toEqual(recording.ops);
    expect(() => parseHeapTrace('{"op":"realloc","id":0,"size":16,"align":24}')).toThrow(/power of two/);
    const frames = countingFrames(
      createBaselineAllocator(createFrameSpace({ frames: 2048 }, { backing: 'dense' })),
    );
    const heap = createHeap(frames.pmm);
    const inner = heapTarget('slab', heap, frames);
    const calls: unknown[][] = [];
    const spy: HeapTarget = {
      ...inner,
      malloc: (size, owner, align) => {
        calls.push(['malloc', size, owner, align]);
        return inner.malloc(size, owner, align);
      },
      realloc: (address, size, align) => {
        calls.push(['realloc', size, align]);
        const moved = inner.realloc(address, size, align);
        if (align !== undefined) expect(moved % align).toBe(0);
        return moved;
      },
    };
    const result = runObjects(spy, ops);
    expect(result.failed).toBe(0);
    expect(calls).toEqual([
      ['malloc', 100, 0, undefined],
      ['realloc', 3000, 256],
      ['realloc', 5000, undefined],
    ]);
  });

  it("release objects malloc'd without an owner at an exit of owner 0, on every target", () => {
    const space = createFrameSpace({ frames: 2048 }, { backing: 'dense' });
    const recording = recordHeap(createHeap(createBaselineAllocator(space)));
    for (let i = 0; i < 100; i++) recording.heap.malloc(100);
    expect(recording.heap.releaseOwner(0)).toBe(100);
    const ops = parseHeapTrace(formatHeapTrace(recording.ops));
    expect(ops[0]).toEqual({ op: 'malloc', id: 0, size: 100, result: expect.any(Number) });
    expect(ops.at(-1)).toEqual({ op: 'exit', owner: 0 });

    const frames = countingFrames(
      createBaselineAllocator(createFrameSpace({ frames: 2048 }, { backing: 'dense' })),
    );
    const heap = createHeap(frames.pmm);
    const onHeap = runObjects(heapTarget('slab', heap, frames), ops);
    expect(heap.stats().objects).toBe(0);
    expect(onHeap.final.objects).toBe(0);
    expect(onHeap.final.liveBytes).toBe(0);
    expect(onHeap.peakLiveBytes).toBe(10_000);

    // MemPool has no releaseOwner: the runner frees owner 0's objects one by one.
    const freed: number[] = [];
    const pool = memPoolTarget(MemPool, 1 << 20);
    const free = (address: number) => {
      freed.push(address);
      pool.free(address);
    };
    const onPool = runObjects({ ...pool, free }, ops);
    expect(freed).toHaveLength(100);
    expect(onPool.final.objects).toBe(0);
    expect(onPool.final.liveBytes).toBe(0);
    expect(onPool.final.freeBytes).toBe(onPool.final.heldBytes);
  });
});

describe('compareHeaps', () => {
  it('runs one trace on every heap strategy and MemPool, over the same bytes', () => {
    const results = compareHeaps(
      {
        workload: 'processes',
        targets: ['slab', 'first-fit', 'tlsf+headers', 'mempool'],
        ops: 4000,
        seed: 5,
        bytes: 32 * MiB,
      },
      {
        pmm: (space) => createBaselineAllocator(space),
        peers: { mempool: (bytes) => memPoolTarget(MemPool, bytes) },
        run: { sampleEvery: 500 },
      },
    );
    expect(results.map((r) => r.target)).toEqual(['slab', 'first-fit', 'tlsf+headers', 'mempool']);
    for (const r of results) {
      expect(r.ops, r.target).toBe(4000);
      expect(r.failed, r.target).toBe(0);
      // The same trace: the same live bytes at every sample, whatever holds them.
      expect(r.samples.map((s) => s.liveBytes)).toEqual(results[0].samples.map((s) => s.liveBytes));
      expect(r.peakHeldBytes, r.target).toBeGreaterThanOrEqual(r.peakLiveBytes);
      expect(r.samples.length).toBe(9);
      for (const s of r.samples) expect(s.heldBytes).toBeGreaterThanOrEqual(s.liveBytes);
    }
    const rows = heapResultRows(results);
    expect(rows[0]).toHaveProperty('held/live');
    expect(() =>
      compareHeaps(
        { workload: 'mixed', targets: ['buddy'], ops: 10, seed: 1 },
        { pmm: createBaselineAllocator },
      ),
    ).toThrow(/unknown heap target 'buddy'/);
    expect(() =>
      compareHeaps(
        { workload: 'nope', targets: ['slab'], ops: 10, seed: 1 },
        { pmm: createBaselineAllocator },
      ),
    ).toThrow(/unknown object workload/);
  });

  it('replays a given trace instead of a workload', () => {
    const trace: HeapOp[] = [
      { op: 'malloc', id: 0, size: 64 },
      { op: 'malloc', id: 1, size: 10_000 },
      { op: 'free', id: 0 },
    ];
    const [r] = compareHeaps(
      { workload: 'ignored', targets: ['slab'], ops: 0, seed: 0, bytes: 4 * MiB },
      { pmm: createBaselineAllocator, trace },
    );
    expect(r.ops).toBe(3);
    expect(r.final.liveBytes).toBe(10_000);
    expect(r.final.heldBytes).toBeGreaterThanOrEqual(3 * 4096);
  });
});
