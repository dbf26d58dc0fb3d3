import { PROGRAM, type RegionName } from '../program';
import { Rng } from '../rng';
import type { TraceOp } from '../trace';
import type { Workload } from './api';

interface Proc {
  readonly owner: number;
  /** The first process: it forks the others and never exits. */
  readonly shell: boolean;
  /** Touches left before it execs (a forked child); -1 when it will not. */
  execIn: number;
  /** Operations left before it exits. */
  life: number;
}

const MAX_PROCESSES = 24;
/** Heap in use by all processes together: at most a quarter of memory, and this many frames. */
const MAX_WORKING_FRAMES = 65_536;
const MAX_HEAP_PAGES = 1024;

/**
 * A shell forks children: most exec the program at once, after touching a few pages of
 * their copy-on-write image (the classic fork + exec), and some stay as workers that write
 * to the heap they share with their parent, page by page copying it. Text pages come from
 * the page cache, shared by everyone; heap memory takes 2 MiB pages where a whole block is
 * first written, so 4 KiB faults and 2 MiB requests mix as with transparent huge pages.
 */
export const forkExec: Workload = {
  name: 'fork-exec',
  description: 'a shell forks children that exec (copy-on-write, shared text, 2 MiB heap pages)',
  needsContents: true,
  *generate(params) {
    const rng = new Rng(params.seed);
    // Each process's heap: at most 4 MiB (two 2 MiB pages), less when memory is small.
    const budget = Math.min(params.frames / 4, MAX_WORKING_FRAMES);
    const heapPages = Math.max(16, Math.min(MAX_HEAP_PAGES, Math.floor(budget / MAX_PROCESSES)));
    // Children live for about a hundred of their own operations: a shell session's commands.
    const meanLife = 100;
    const running: Proc[] = [];
    let nextOwner = 1;
    let emitted = 0;

    const touch = (p: Proc): TraceOp => {
      const r = rng.next();
      const at = (region: RegionName, page: number, write: boolean): TraceOp => ({
        op: 'touch',
        owner: p.owner,
        region,
        page,
        write,
      });
      if (r < 0.35) return at('text', skewed(rng, PROGRAM.text.pages), false);
      if (r < 0.45) return at('data', skewed(rng, PROGRAM.data.pages), rng.chance(0.5));
      if (r < 0.8) return at('heap', skewed(rng, heapPages), rng.chance(0.85));
      // The stack grows down from the top of its region: its hot pages are the last ones.
      return at('stack', PROGRAM.stack.pages - 1 - skewed(rng, 16), rng.chance(0.9));
    };

    while (emitted < params.ops) {
      emitted++;
      if (running.length === 0) {
        running.push({ owner: nextOwner, shell: true, execIn: -1, life: Number.POSITIVE_INFINITY });
        yield { op: 'spawn', owner: nextOwner++ };
        continue;
      }
      const p = running[Math.floor(rng.next() * running.length)];
      if (p.execIn === 0) {
        p.execIn = -1;
        yield { op: 'exec', owner: p.owner };
      } else if (!p.shell && p.life-- <= 0) {
        running.splice(running.indexOf(p), 1);
        yield { op: 'exit', owner: p.owner };
      } else if (running.length < MAX_PROCESSES && rng.chance(p.shell ? 0.08 : 0.005)) {
        // Four children in five exec after a few touches; the others work on the parent's image.
        const execIn = rng.chance(0.8) ? rng.int(1, 4) : -1;
        running.push({ owner: nextOwner, shell: false, execIn, life: rng.int(meanLife / 2, meanLife * 2) });
        yield { op: 'fork', owner: nextOwner++, parent: p.owner };
      } else {
        if (p.execIn > 0) p.execIn--;
        yield touch(p);
      }
    }
  },
};

/** A page index in [0, pages), most often a low one: programs touch some pages far more than others. */
function skewed(rng: Rng, pages: number): number {
  const x = rng.next();
  return Math.floor(x * x * pages);
}
