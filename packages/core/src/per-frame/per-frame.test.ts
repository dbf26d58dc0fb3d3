import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { FlatBits, FrameBits } from './bits';
import { CHUNK_FRAMES } from './chunks';
import { FrameU16 } from './u16';
import { FrameU32 } from './u32';
import { WholeRunTracker } from './whole-runs';

/** A plain reference: one boolean per frame in a Map. */
function model() {
  const set = new Set<number>();
  return set;
}

/** `firstSet`, `firstClear`, `lastSetAtOrBelow` and `test` over `[qs, qs + qc)` agree with a plain set. */
function expectQueries(bits: FrameBits, ref: Set<number>, qs: number, qc: number): void {
  let firstSet = -1;
  let firstClear = -1;
  for (let i = qs; i < qs + qc; i++) {
    if (firstSet < 0 && ref.has(i)) firstSet = i;
    if (firstClear < 0 && !ref.has(i)) firstClear = i;
  }
  expect(bits.firstSet(qs, qc)).toBe(firstSet);
  expect(bits.firstClear(qs, qc)).toBe(firstClear);
  let last = -1;
  for (let i = qs + qc; i >= qs; i--) {
    if (ref.has(i)) {
      last = i;
      break;
    }
  }
  expect(bits.lastSetAtOrBelow(qs + qc, qs)).toBe(last);
  expect(bits.test(qs)).toBe(ref.has(qs));
}

describe('FrameBits', () => {
  it('sets, clears and finds runs a word at a time, across words and chunks, like a plain set', () => {
    const bits = new FrameBits();
    const ref = model();
    const base = 2 ** 40 - 3 * CHUNK_FRAMES; // far above 2^32: no 32-bit shifts on frame numbers
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let step = 0; step < 300; step++) {
      const start = base + rand(2 * CHUNK_FRAMES);
      const count = 1 + rand(step % 3 === 0 ? 40000 : 70);
      if (rand(2) === 0) {
        bits.setRun(start, count);
        for (let i = start; i < start + count; i++) ref.add(i);
      } else {
        bits.clearRun(start, count);
        for (let i = start; i < start + count; i++) ref.delete(i);
      }
      const qs = base + rand(2 * CHUNK_FRAMES);
      const qc = 1 + rand(2000);
      expectQueries(bits, ref, qs, qc);
    }
  });

  it('makes memory only for chunks it touches', () => {
    const bits = new FrameBits();
    expect(bits.bytes()).toBe(0);
    expect(bits.test(2 ** 45)).toBe(false);
    bits.set(4);
    for (const notAFrame of [4.5, -4, Number.NaN, Number.POSITIVE_INFINITY, 1e300]) {
      expect(bits.test(notAFrame)).toBe(false);
    }
    bits.clear(4);
    bits.clear(2 ** 45);
    // Chunk 0 only (and its directory slot): clearing makes no chunk.
    expect(bits.bytes()).toBe(CHUNK_FRAMES / 8 + 8);
    bits.set(2 ** 45 + 1);
    bits.set(5);
    // Chunk 2^30 lies past the directory (a map entry); chunk 0 is in it.
    expect(bits.bytes()).toBe(2 * (CHUNK_FRAMES / 8) + 8);
    expect(bits.test(2 ** 45 + 1)).toBe(true);
    expect(bits.test(2 ** 45)).toBe(false);
  });
});

describe('FrameBits.flatWords, wholeFlat and FlatBits', () => {
  it("expose the flat bits themselves: changes through the words are the object's, until it grows them", () => {
    const bits = new FrameBits(4 * CHUNK_FRAMES);
    expect(bits.flatWords.length).toBe(0);
    bits.set(5);
    const words = bits.flatWords;
    expect(words.length * 32).toBe(CHUNK_FRAMES);
    // Bit `pfn & 31` of word `pfn >>> 5`.
    expect(words[0]).toBe(1 << 5);
    words[1] |= 1 << 3;
    expect(bits.test(35)).toBe(true);
    const flat = new FlatBits(words);
    expect(flat.tryClear(5)).toBe(true);
    expect(bits.test(5)).toBe(false);
    expect(flat.tryClear(5)).toBe(false);
    // Anything that is not a frame the words cover is never set.
    for (const pfn of [35.5, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32 + 35, CHUNK_FRAMES]) {
      expect(flat.tryClear(pfn)).toBe(false);
    }
    expect(bits.test(35)).toBe(true);
    expect(words[1]).toBe(1 << 3);
    // Setting past the end grows (replaces) the words, keeping every bit.
    bits.set(CHUNK_FRAMES + 1);
    expect(bits.flatWords).not.toBe(words);
    expect(bits.flatWords.length * 32).toBe(2 * CHUNK_FRAMES);
    expect(bits.test(35) && bits.test(CHUNK_FRAMES + 1)).toBe(true);
    // tryClear agrees: flat frames, clear bits, and frames past the words.
    expect(bits.tryClear(35)).toBe(true);
    expect(bits.tryClear(35)).toBe(false);
    expect(bits.tryClear(3 * CHUNK_FRAMES)).toBe(false);
  });

  it('are made at their full size by wholeFlatWords, and never replaced after', () => {
    const bits = new FrameBits(3 * CHUNK_FRAMES + 5, { maxFlatFrames: 2 * CHUNK_FRAMES });
    bits.set(7);
    const first = bits.flatWords;
    expect(first.length * 32).toBe(CHUNK_FRAMES);
    const words = bits.wholeFlatWords();
    expect(words).not.toBe(first);
    expect(words.length * 32).toBe(2 * CHUNK_FRAMES);
    expect(bits.test(7) && (words[0] & (1 << 7)) !== 0).toBe(true);
    expect(bits.wholeFlatWords()).toBe(words);
    bits.set(2 * CHUNK_FRAMES - 1);
    bits.setRun(0, 2 * CHUNK_FRAMES);
    bits.set(2 * CHUNK_FRAMES); // past the flat part: a chunk
    expect(bits.flatWords).toBe(words);
    expect(words[words.length - 1]).toBe(0xffff_ffff);
    expect(bits.test(2 * CHUNK_FRAMES)).toBe(true);
    expect(new FrameBits(0).wholeFlatWords().length).toBe(0);
  });

  it("wholeFlat gives those words as a FlatBits: its set and tryClear are the object's bits", () => {
    const bits = new FrameBits(2 * CHUNK_FRAMES);
    const flat = bits.wholeFlat();
    expect(flat.words).toBe(bits.wholeFlatWords());
    flat.set(2 * CHUNK_FRAMES - 1);
    flat.set(40);
    expect(bits.test(2 * CHUNK_FRAMES - 1) && bits.test(40)).toBe(true);
    bits.set(41);
    expect(flat.tryClear(41)).toBe(true);
    expect(bits.test(41)).toBe(false);
    expect(flat.tryClear(41)).toBe(false);
    expect(bits.tryClear(40)).toBe(true);
    expect(flat.tryClear(40)).toBe(false);
    // Anything that is not a frame the words cover is never set; nothing changes.
    for (const pfn of [40.5, -1, Number.NaN, 2 ** 32 + 40, 2 * CHUNK_FRAMES])
      expect(flat.tryClear(pfn)).toBe(false);
    expect(bits.test(2 * CHUNK_FRAMES - 1)).toBe(true);
    expect(Object.keys(flat)).toEqual([]);
  });
});

describe('FrameBits with a flat part', () => {
  it('agrees with a plain set on both sides of the flat limit, for single frames and runs (tryClearRun too)', () => {
    // Flat up to 2 chunks + 64 frames (a word boundary that is not a chunk boundary), chunks above.
    const flatFrames = 2 * CHUNK_FRAMES + 64;
    const frameCount = 5 * CHUNK_FRAMES;
    const bits = new FrameBits(frameCount, { maxFlatFrames: flatFrames });
    const ref = model();
    let seed = 11;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const near = () => Math.max(0, flatFrames - CHUNK_FRAMES + rand(2 * CHUNK_FRAMES));
    for (let step = 0; step < 400; step++) {
      const start = step % 5 === 0 ? rand(frameCount - 50000) : near();
      const count = 1 + rand(step % 3 === 0 ? 40000 : 70);
      const op = rand(5);
      if (op === 0) {
        bits.setRun(start, count);
        for (let i = start; i < start + count; i++) ref.add(i);
      } else if (op === 4) {
        // Short runs: wholly set, set but for one frame, or as they are.
        const short = 1 + rand(70);
        const how = rand(3);
        if (how > 0) {
          bits.setRun(start, short);
          for (let i = start; i < start + short; i++) ref.add(i);
        }
        if (how === 2) {
          // One frame of it not set: the run must be refused whole.
          const hole = start + rand(short);
          bits.clear(hole);
          ref.delete(hole);
        }
        let all = true;
        for (let i = start; i < start + short; i++) all &&= ref.has(i);
        expect(bits.tryClearRun(start, short)).toBe(all);
        if (all) for (let i = start; i < start + short; i++) ref.delete(i);
      } else if (op === 1) {
        bits.clearRun(start, count);
        for (let i = start; i < start + count; i++) ref.delete(i);
      } else if (op === 2) {
        bits.set(start);
        ref.add(start);
      } else {
        expect(bits.tryClear(start)).toBe(ref.has(start));
        ref.delete(start);
      }
      const qs = step % 2 === 0 ? near() : rand(frameCount - 3000);
      const qc = 1 + rand(2000);
      expectQueries(bits, ref, qs, qc);
      expect(bits.test(flatFrames - 1)).toBe(ref.has(flatFrames - 1));
      expect(bits.test(flatFrames)).toBe(ref.has(flatFrames));
    }
    // Looking down from a chunk that starts below the flat limit reaches the flat part that
    // shares that chunk's frames.
    bits.clearRun(flatFrames - 100, 200);
    bits.set(flatFrames - 20);
    expect(bits.lastSetAtOrBelow(flatFrames + 50, flatFrames - 100)).toBe(flatFrames - 20);
  });

  it('sets a batch (setEach) as set() does one frame at a time, through growth and across the flat limit', () => {
    const flatFrames = 2 * CHUNK_FRAMES + 64;
    const batch = new FrameBits(5 * CHUNK_FRAMES, { maxFlatFrames: flatFrames });
    const single = new FrameBits(5 * CHUNK_FRAMES, { maxFlatFrames: flatFrames });
    // The flat array exists (frame 1); CHUNK_FRAMES + 9 grows it, and 6 must land in the grown
    // one, not the array read before; the last ones lie above the flat limit, in chunks.
    batch.set(1);
    single.set(1);
    const pfns = Float64Array.from([
      5,
      CHUNK_FRAMES + 9,
      6,
      flatFrames - 1,
      flatFrames,
      4 * CHUNK_FRAMES + 7,
      5,
    ]);
    batch.setEach(pfns, pfns.length - 1);
    for (let i = 0; i < pfns.length - 1; i++) single.set(pfns[i]);
    for (const pfn of pfns) expect(batch.test(pfn)).toBe(single.test(pfn));
    expect(batch.test(6) && batch.test(flatFrames) && batch.test(4 * CHUNK_FRAMES + 7)).toBe(true);
    expect(batch.firstSet(2, 5 * CHUNK_FRAMES)).toBe(5);
    expect(batch.bytes()).toBe(single.bytes());
  });

  it('sets and clears batches a word at a time as one frame at a time would (clearEachUntil stops where tryClear is needed)', () => {
    const flatFrames = 4096;
    const rng = new Rng(7);
    /** An integer in [0, n). */
    const below = (n: number) => rng.int(0, n - 1);
    for (let round = 0; round < 300; round++) {
      const bits = new FrameBits(3 * CHUNK_FRAMES, { maxFlatFrames: flatFrames });
      const ref = new Set<number>();
      // Neighbours in one word (a batch off a stack), scattered frames, frames past the flat part.
      const draw = () => {
        const r = below(10);
        if (r === 0) return flatFrames + below(64);
        const base = 64 * below(8);
        return r < 7 ? base + below(40) : below(flatFrames);
      };
      const set = Float64Array.from({ length: 1 + below(40) }, draw);
      bits.setEach(set, set.length);
      for (const pfn of set) ref.add(pfn);
      for (let pfn = 0; pfn < flatFrames + 64; pfn++) expect(bits.test(pfn)).toBe(ref.has(pfn));
      // A batch to clear: mostly runs of set neighbours (a batch off a stack), some frames listed
      // twice, some clear, some not frames at all.
      const sorted = [...ref].sort((a, b) => a - b);
      const batch: number[] = [];
      while (batch.length < 1 + below(40)) {
        const r = below(20);
        if (r === 0) batch.push([5.5, -1, Number.NaN][below(3)]);
        else if (r === 1 || sorted.length === 0) batch.push(draw());
        else {
          const start = below(sorted.length);
          batch.push(...sorted.slice(start, start + 1 + below(8)));
        }
      }
      const from = below(Math.min(3, batch.length));
      // Half the rounds, bounds [lo, hi) that cut words (a zone's).
      const lo = round % 2 === 0 ? 0 : below(100);
      const hi = round % 2 === 0 ? Number.POSITIVE_INFINITY : 300 + below(200);
      // The reference: one frame at a time, stopping at the first it cannot clear in the flat
      // part, or that lies outside the bounds.
      let expected = batch.length;
      const refAfter = new Set(ref);
      for (let i = from; i < batch.length; i++) {
        const pfn = batch[i];
        if (!(Number.isInteger(pfn) && pfn >= lo && pfn < Math.min(hi, flatFrames)) || !refAfter.has(pfn)) {
          expected = i;
          break;
        }
        refAfter.delete(pfn);
      }
      expect(bits.clearEachUntil(batch, from, batch.length, lo, hi)).toBe(expected);
      for (let pfn = 0; pfn < flatFrames + 64; pfn++)
        expect(bits.test(pfn), `frame ${pfn}`).toBe(refAfter.has(pfn));
    }
    // A frame past 2^32 whose low 32 bits fall in the same word as its neighbour is not that word's.
    const far = new FrameBits(2 ** 33, { maxFlatFrames: flatFrames });
    far.set(1); // the flat array exists: 5 is set in it, in a word with its neighbours
    far.setEach([5, 2 ** 32 + 6, 6], 3);
    expect([far.test(5), far.test(6), far.test(2 ** 32 + 6), far.test(2 ** 32 + 5)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(far.clearEachUntil([5, 2 ** 32 + 6, 6], 0, 3)).toBe(1);
    expect([far.test(5), far.test(6), far.test(2 ** 32 + 6)]).toEqual([false, true, true]);
  });

  it('stops clearEachUntil at the first frame at or past hi, its bit and the later ones left set', () => {
    const bits = new FrameBits(4096);
    bits.setEach([1000, 1024, 1025], 3);
    // hi at a word boundary (a zone's end): frame 1024 is the next zone's.
    expect(bits.clearEachUntil([1000, 1024, 1025], 0, 3, 0, 1024)).toBe(1);
    expect([bits.test(1000), bits.test(1024), bits.test(1025)]).toEqual([false, true, true]);
    // hi inside a word.
    bits.setEach([509, 510, 511], 3);
    expect(bits.clearEachUntil([509, 511, 510], 0, 3, 0, 511)).toBe(1);
    expect([bits.test(509), bits.test(510), bits.test(511)]).toEqual([false, true, true]);
  });

  it('finds no set frame below the floor of lastSetAtOrBelow, even one in the same word', () => {
    for (const bits of [new FrameBits(4096), new FrameBits()]) {
      bits.set(3);
      expect(bits.lastSetAtOrBelow(10, 5)).toBe(-1);
      expect(bits.lastSetAtOrBelow(10, 3)).toBe(3);
      bits.set(40);
      expect(bits.lastSetAtOrBelow(50, 41)).toBe(-1);
      expect(bits.lastSetAtOrBelow(50, 4)).toBe(40);
    }
  });

  it('grows the flat array only up to the highest frame set, and rejects non-frames', () => {
    const bits = new FrameBits(2 ** 30); // 1 TiB of frames: flat
    expect(bits.bytes()).toBe(0);
    expect(bits.test(5)).toBe(false);
    expect(bits.tryClear(5)).toBe(false);
    bits.set(5);
    expect(bits.bytes()).toBe(CHUNK_FRAMES / 8); // the smallest flat array
    for (const notAFrame of [5.5, -5, -0.5, Number.NaN, Number.POSITIVE_INFINITY, 1e300, 2 ** 32 + 5]) {
      expect(bits.test(notAFrame)).toBe(false);
      expect(bits.tryClear(notAFrame)).toBe(false);
    }
    expect(bits.test(5)).toBe(true);
    bits.set(3 * CHUNK_FRAMES + 1);
    expect(bits.bytes()).toBe(4 * (CHUNK_FRAMES / 8)); // doubled twice
    expect(bits.test(5) && bits.test(3 * CHUNK_FRAMES + 1)).toBe(true);
    expect(bits.firstClear(3 * CHUNK_FRAMES + 1, 2 ** 29)).toBe(3 * CHUNK_FRAMES + 2);
    expect(bits.firstSet(4 * CHUNK_FRAMES, 2 ** 29)).toBe(-1);
    expect(bits.lastSetAtOrBelow(2 ** 30 - 1, 6)).toBe(3 * CHUNK_FRAMES + 1);
    expect(bits.tryClear(5)).toBe(true);
    expect(bits.tryClear(5)).toBe(false);
  });
});

describe('FrameU16 / FrameU32', () => {
  it('reads 0 where never written and fills runs across chunks', () => {
    const counts = new FrameU16();
    const at = 2 ** 40 - 10;
    expect(counts.get(at)).toBe(0);
    counts.fill(at, CHUNK_FRAMES + 20, 1);
    expect(counts.get(at - 1)).toBe(0);
    expect(counts.get(at)).toBe(1);
    expect(counts.get(at + CHUNK_FRAMES + 19)).toBe(1);
    expect(counts.get(at + CHUNK_FRAMES + 20)).toBe(0);
    counts.set(at, 65535);
    expect(counts.get(at)).toBe(65535);
    const tags = new FrameU32();
    tags.fill(3, 4, 9);
    tags.set(2 ** 40, 0xfffffffe);
    const seen: number[] = [];
    tags.forEachNonZero((pfn, v) => seen.push(pfn, v));
    expect(seen).toEqual([3, 9, 4, 9, 5, 9, 6, 9, 2 ** 40, 0xfffffffe]);
    expect(tags.chunkCount).toBe(2);
    // 2^40 - 10 sits 502 frames into a 512-frame chunk: the run touches ceil((502 + 32788) / 512) = 66 chunks.
    expect(counts.bytes()).toBe(66 * 512 * 2);
  });
});

describe('FrameU16 / FrameU32 over runs', () => {
  it('adds to, and searches, runs a chunk slice at a time like a plain array', () => {
    const counts = new FrameU16();
    const tags = new FrameU32();
    const base = 2 ** 40 - 700; // runs cross 512-frame chunks, far above 2^32
    const ref = new Array<number>(3000).fill(0);
    let seed = 5;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let step = 0; step < 300; step++) {
      const start = rand(2400);
      const count = 1 + rand(step % 4 === 0 ? 590 : 20);
      const op = rand(3);
      if (op === 0) {
        counts.add(base + start, count, 1);
        for (let i = start; i < start + count; i++) ref[i]++;
      } else if (op === 1 && ref.slice(start, start + count).every((v) => v > 0)) {
        counts.add(base + start, count, -1);
        for (let i = start; i < start + count; i++) ref[i]--;
      } else {
        counts.fill(base + start, count, 2);
        tags.fill(base + start, count, 2);
        for (let i = start; i < start + count; i++) ref[i] = 2;
      }
      const qs = rand(2500);
      const qc = 1 + rand(500);
      const v = rand(3);
      const slice = ref.slice(qs, qs + qc);
      const at = (k: number) => (k < 0 ? -1 : base + qs + k);
      expect(counts.firstEqual(base + qs, qc, v)).toBe(at(slice.indexOf(v)));
      expect(counts.firstNotEqual(base + qs, qc, v)).toBe(at(slice.findIndex((x) => x !== v)));
      expect(counts.firstAtLeast(base + qs, qc, 2)).toBe(at(slice.findIndex((x) => x >= 2)));
      expect(counts.get(base + qs)).toBe(ref[qs]);
    }
    expect(tags.firstNotEqual(base + 3000, 5000, 0)).toBe(-1);
  });
});

describe('FrameU32.forEachStretch', () => {
  it('reports each maximal stretch of one value once, joined across chunks, like a plain array', () => {
    const tags = new FrameU32();
    const base = 2 ** 40 - 1300; // stretches cross 512-frame chunks, far above 2^32
    const ref = new Array<number>(4000).fill(0);
    const rng = new Rng(11);
    const stretchesOf = (value: number) => {
      const out: number[] = [];
      for (let i = 0; i < ref.length; i++) {
        if (ref[i] !== value) continue;
        if (i > 0 && ref[i - 1] === value) out[out.length - 1]++;
        else out.push(base + i, 1);
      }
      return out;
    };
    for (let step = 0; step < 200; step++) {
      const start = rng.int(0, 3499);
      const count = rng.int(1, step % 5 === 0 ? 1100 : 30);
      const value = rng.int(0, 3);
      tags.fill(base + start, count, value);
      for (let i = start; i < start + count; i++) ref[i] = value;
      for (const v of [1, 2, 3]) {
        const seen: number[] = [];
        tags.forEachStretch(v, (at, n) => seen.push(at, n));
        expect(seen).toEqual(stretchesOf(v));
      }
    }
  });

  it('makes one call per stretch: a 2 MiB page is one call, not 512', () => {
    const tags = new FrameU32();
    const pages = 32;
    // Owner 1 holds every other 2 MiB page, owner 2 the rest: 16 stretches each.
    for (let i = 0; i < pages; i++) tags.fill(i * 512, 512, 1 + (i % 2));
    // And owner 1 a run across a chunk boundary, next to nothing it holds.
    tags.fill(pages * 512 + 700, 600, 1);
    let calls = 0;
    tags.forEachStretch(1, () => calls++);
    expect(calls).toBe(pages / 2 + 1);
    calls = 0;
    tags.forEachStretch(2, () => calls++);
    expect(calls).toBe(pages / 2);
  });
});

describe('WholeRunTracker', () => {
  it('knows each run, which frames it covers and where it starts', () => {
    const runs = new WholeRunTracker();
    const top = 2 ** 40 - 1024;
    runs.add(top, 512, 3);
    runs.add(top + 512, 512, 1);
    expect(runs.countAt(top)).toBe(512);
    expect(runs.tagAt(top)).toBe(3);
    expect(runs.startOf(top + 511)).toBe(top);
    expect(runs.startOf(top + 512)).toBe(top + 512);
    expect(runs.startOf(top - 1)).toBe(-1);
    expect(runs.anyIn(top - 10, 10)).toBe(false);
    expect(runs.firstIn(top - 10, 11)).toBe(top);
    runs.remove(top);
    expect(runs.covers(top + 5)).toBe(false);
    expect(runs.startOf(top + 600)).toBe(top + 512);
    expect(runs.size).toBe(1);
  });

  it('refuses take of a length one short of a run, whatever its tag (tag 0 too), changing nothing', () => {
    const runs = new WholeRunTracker(4096);
    runs.add(1000, 100, 0);
    runs.add(2000, 100, 255);
    for (const start of [1000, 2000]) {
      expect(runs.take(start, 99)).toBe(-1);
      expect(runs.take(start, 101)).toBe(-1);
      expect(runs.countAt(start)).toBe(100);
    }
    expect(runs.take(1000, 100)).toBe(0);
    expect(runs.take(2000, 100)).toBe(255);
    expect(runs.size).toBe(0);
  });

  it('agrees with a plain list of runs, aligned 2 MiB runs in its lane and every other run in its map', () => {
    // The lane covers 40 blocks; frames above it, and runs of other shapes, go to the map.
    const laneFrames = 40 * 512;
    const frames = laneFrames + 8 * 512;
    for (const flatFrames of [laneFrames + 100, 0]) {
      const runs = new WholeRunTracker(flatFrames);
      const ref = new Map<number, { count: number; tag: number }>();
      const covering = (pfn: number) => {
        for (const [start, r] of ref) if (pfn >= start && pfn < start + r.count) return start;
        return -1;
      };
      const free = (start: number, count: number) => {
        for (let i = start; i < start + count; i++) if (covering(i) >= 0) return false;
        return start + count <= frames;
      };
      const rng = new Rng(7 + flatFrames);
      for (let step = 0; step < 3000; step++) {
        const op = rng.int(0, 3);
        if (op <= 1) {
          // Mostly aligned 2 MiB runs, else unaligned ones and other lengths.
          const shape = rng.int(0, 2);
          const count = shape === 2 ? rng.int(1, 700) : 512;
          const start = shape === 0 ? rng.int(0, frames / 512 - 1) * 512 : rng.int(0, frames - count - 1);
          if (free(start, count)) {
            const tag = rng.int(0, 255);
            // An aligned 2 MiB run is recorded by `add2m` half the time (the lane, else `add`).
            if (count === 512 && start % 512 === 0 && rng.int(0, 1) === 0) runs.add2m(start, tag);
            else runs.add(start, count, tag);
            ref.set(start, { count, tag });
          }
        } else if (op === 2 && ref.size > 0) {
          const starts = [...ref.keys()];
          const start = starts[rng.int(0, starts.length - 1)];
          const r = ref.get(start)!;
          // The wrong length is refused and changes nothing; the right one forgets the run.
          expect(runs.take(start, r.count + 1)).toBe(-1);
          const way = rng.int(0, 2);
          if (way === 2 && r.count === 512 && start % 512 === 0) {
            // `take2m` finds the lane's runs only; a run in the map is left to `take`.
            const inLane = start < (flatFrames === 0 ? 0 : laneFrames);
            expect(runs.take2m(start)).toBe(inLane ? r.tag : -1);
            if (!inLane) expect(runs.take(start, 512)).toBe(r.tag);
          } else if (way === 0) expect(runs.take(start, r.count)).toBe(r.tag);
          else runs.remove(start);
          ref.delete(start);
        }
        expect(runs.size).toBe(ref.size);
        const pfn = rng.int(0, frames - 1);
        const start = covering(pfn);
        expect(runs.startOf(pfn)).toBe(start);
        expect(runs.covers(pfn)).toBe(start >= 0);
        if (start >= 0) {
          expect(runs.countAt(start)).toBe(ref.get(start)!.count);
          expect(runs.tagAt(start)).toBe(ref.get(start)!.tag);
        } else expect(runs.countAt(pfn)).toBe(0);
        const count = rng.int(1, 3000);
        let first = -1;
        for (let i = pfn; i < Math.min(pfn + count, frames) && first < 0; i++)
          if (covering(i) >= 0) first = i;
        expect(runs.firstIn(pfn, count)).toBe(first);
      }
    }
  });
});
