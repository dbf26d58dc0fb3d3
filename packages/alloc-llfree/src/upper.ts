import {
  FRAMES_PER_CHILD,
  FRAMES_PER_WORD,
  lowestClear,
  type RetryCounter,
  setOne,
  WORDS_PER_CHILD,
} from './bitfield';
import {
  CHILDREN_PER_TREE,
  type Layout,
  S_CREDIT,
  S_CREDIT_CHILD,
  S_HINT,
  S_TREE,
  SLOT_WORDS,
  TREE_COUNT,
  TREE_RESERVED,
  TREE_WORDS,
} from './layout';
import type { Lower } from './lower';

/*
 * The top layer: trees of 32 children (64 MiB), one Int32 entry each, `free count | reserved
 * flag`. A worker reserves a tree (sets the flag with a compare-exchange) and allocates from
 * it, so workers mostly touch different trees, children and bitfields. An allocation takes
 * from the tree's count before the child's (and a free adds to the child before the tree),
 * so a tree's count never exceeds the sum of its children's: whoever got a tree count finds a
 * child count for a single frame. When its tree runs dry a worker drops the flag and reserves
 * another; when every tree is reserved, it takes from any tree with room, so no free frame is
 * hidden behind another worker's (or a dead worker's) reservation.
 *
 * Single frames go through a credit, as LLFree's per-core counter does: a worker takes up to
 * 32 frames of one child's (and its tree's) count in one compare-exchange each, then hands
 * them out with one bit operation apiece; frees of its own child's frames go back to the
 * credit. The credit (at most 64 frames) lives in the worker's slot, so stats, verify and
 * recover see it, and a 2 MiB request first returns it.
 */
export const CREDIT_REFILL = 32;
export const CREDIT_MAX = 64;
export class Upper {
  readonly layout: Layout;
  readonly state: Int32Array = new Int32Array(0);
  readonly lower: Lower;
  /** Word index of this worker's slot. */
  readonly slot: number = 0;
  readonly counter: RetryCounter;
  /** Where this worker starts looking for a tree: spread over the memory by slot. */
  readonly startTree: number = 0;
  /** The bitfield word of the credit's child where `allocOne` looks first. */
  wordHint = 0;

  constructor(lower: Lower, slotIndex: number, counter: RetryCounter) {
    this.lower = lower;
    this.layout = lower.layout;
    this.state = lower.state;
    this.slot = this.layout.slots + slotIndex * SLOT_WORDS;
    this.counter = counter;
    const trees = this.layout.treeCount;
    this.startTree = trees === 0 ? 0 : (slotIndex * Math.max(1, Math.floor(trees / 4))) % trees;
  }

  /** Takes `n` from tree `t`'s count if it has that many; `reserve` also sets the flag (which must be clear). */
  takeTree(t: number, n: number, reserve: boolean): boolean {
    const at = this.layout.trees + t * TREE_WORDS;
    let entry = this.state[at]; // a guess; the compare-exchange checks it
    for (;;) {
      if ((entry & TREE_COUNT) < n || (reserve && (entry & TREE_RESERVED) !== 0)) return false;
      const wanted = (entry - n) | (reserve ? TREE_RESERVED : 0);
      const seen = Atomics.compareExchange(this.state, at, entry, wanted);
      if (seen === entry) return true;
      this.counter.retries++;
      entry = seen;
    }
  }

  putTree(t: number, n: number): void {
    Atomics.add(this.state, this.layout.trees + t * TREE_WORDS, n);
  }

  /** One frame: from the credit, else after a refill; -1 when no tree has a free frame. */
  allocOne(): number {
    const state = this.state;
    const at = this.slot;
    let credit = state[at + S_CREDIT];
    if (credit === 0) {
      if (!this.refill()) return -1;
      credit = state[at + S_CREDIT];
    }
    const c = state[at + S_CREDIT_CHILD];
    // The credit's frames are counted out of the child, so a clear bit is there for each. The
    // search starts at the word of the last frame handed out (this thread's own hint, no
    // shared state) and wraps around, so frames freed below it are found too.
    const base = this.layout.bits + c * WORDS_PER_CHILD;
    const hint = this.wordHint;
    state[at + S_CREDIT] = credit - 1;
    // Fast path: one plain read of the hinted word (a guess) and one test-and-set.
    const word = state[base + hint];
    if (word !== -1) {
      const mask = 1 << lowestClear(word);
      if ((Atomics.or(state, base + hint, mask) & mask) === 0)
        return this.layout.childBase[c] + hint * FRAMES_PER_WORD + (31 - Math.clz32(mask));
      this.counter.retries++;
    }
    const offset = setOne(state, base, hint, this.counter);
    this.wordHint = Math.floor(offset / FRAMES_PER_WORD);
    return this.layout.childBase[c] + offset;
  }

  /** A frame of child `c` came back (its bit is clear): to the credit if it is the credit's child. */
  freedOne(c: number): void {
    const state = this.state;
    const at = this.slot;
    if (state[at + S_CREDIT_CHILD] !== c) {
      this.lower.putCount(c, 1);
      this.freed(c, 1);
      return;
    }
    const credit = state[at + S_CREDIT] + 1;
    if (credit <= CREDIT_MAX) {
      state[at + S_CREDIT] = credit;
      return;
    }
    state[at + S_CREDIT] = credit - CREDIT_REFILL;
    this.lower.putCount(c, CREDIT_REFILL);
    this.freed(c, CREDIT_REFILL);
  }

  /** Gives the credit back to its child and tree. */
  flushCredit(): void {
    const state = this.state;
    const at = this.slot;
    const c = state[at + S_CREDIT_CHILD];
    const credit = state[at + S_CREDIT];
    state[at + S_CREDIT] = 0;
    state[at + S_CREDIT_CHILD] = -1;
    if (c >= 0 && credit > 0) {
      this.lower.putCount(c, credit);
      this.freed(c, credit);
    }
  }

  /** A new credit of up to 32 frames from one child: this worker's tree, a newly reserved one, or any. */
  refill(): boolean {
    this.flushCredit();
    const state = this.state;
    const mine = state[this.slot + S_TREE];
    if (mine >= 0) {
      if (this.refillFrom(mine, false)) return true;
      this.unreserve();
    }
    const trees = this.layout.treeCount;
    const from = mine >= 0 ? mine + 1 : this.startTree;
    for (let i = 0; i < trees; i++) {
      const t = (from + i) % trees;
      if (this.refillFrom(t, true)) {
        state[this.slot + S_TREE] = t;
        return true;
      }
    }
    for (let i = 0; i < trees; i++) {
      if (this.refillFrom((from + i) % trees, false)) return true;
    }
    return false;
  }

  /** Takes up to 32 from tree `t` (reserving it if asked) and the same from one of its children. */
  refillFrom(t: number, reserve: boolean): boolean {
    const at = this.layout.trees + t * TREE_WORDS;
    let entry = this.state[at]; // a guess; the compare-exchange checks it
    let n: number;
    for (;;) {
      const count = entry & TREE_COUNT;
      if (count === 0 || (reserve && (entry & TREE_RESERVED) !== 0)) return false;
      n = Math.min(count, CREDIT_REFILL);
      const seen = Atomics.compareExchange(
        this.state,
        at,
        entry,
        (entry - n) | (reserve ? TREE_RESERVED : 0),
      );
      if (seen === entry) break;
      this.counter.retries++;
      entry = seen;
    }
    const first = t * CHILDREN_PER_TREE;
    const count = Math.min(CHILDREN_PER_TREE, this.layout.childCount - first);
    const hint = this.state[this.slot + S_HINT];
    const start = hint >= first && hint < first + count ? hint - first : 0;
    for (let i = 0; i < count; i++) {
      const c = first + ((start + i) % count);
      const got = this.lower.takeCountUpTo(c, n, this.counter);
      if (got === 0) continue;
      if (got < n) this.putTree(t, n - got);
      this.state[this.slot + S_HINT] = c;
      this.state[this.slot + S_CREDIT_CHILD] = c;
      this.state[this.slot + S_CREDIT] = got;
      return true;
    }
    this.putTree(t, n);
    if (reserve) Atomics.and(this.state, at, ~TREE_RESERVED);
    return false;
  }

  /** `n` frames (2 … 32, a power of two, naturally aligned): the first, or -1. */
  alloc(n: number): number {
    const state = this.state;
    const mine = state[this.slot + S_TREE];
    if (mine >= 0) {
      if (this.takeTree(mine, n, false)) {
        const pfn = this.allocInTree(mine, n);
        if (pfn >= 0) return pfn;
        this.putTree(mine, n);
      }
      this.unreserve();
    }
    const trees = this.layout.treeCount;
    const from = mine >= 0 ? mine + 1 : this.startTree;
    // Reserve a tree nobody holds…
    for (let i = 0; i < trees; i++) {
      const t = (from + i) % trees;
      if (!this.takeTree(t, n, true)) continue;
      state[this.slot + S_TREE] = t;
      const pfn = this.allocInTree(t, n);
      if (pfn >= 0) return pfn;
      this.putTree(t, n);
      this.unreserve(); // no aligned group here: do not keep a tree we cannot use
    }
    // …else take from any tree with room, reserved or not.
    for (let i = 0; i < trees; i++) {
      const t = (from + i) % trees;
      if (!this.takeTree(t, n, false)) continue;
      const pfn = this.allocInTree(t, n);
      if (pfn >= 0) return pfn;
      this.putTree(t, n);
    }
    return -1;
  }

  /** Drops this worker's reservation, if any. */
  unreserve(): void {
    const t = this.state[this.slot + S_TREE];
    if (t < 0) return;
    this.state[this.slot + S_TREE] = -1;
    Atomics.and(this.state, this.layout.trees + t * TREE_WORDS, ~TREE_RESERVED);
  }

  /** `n` frames from a child of tree `t`, whose count the caller already took. */
  allocInTree(t: number, n: number): number {
    const first = t * CHILDREN_PER_TREE;
    const count = Math.min(CHILDREN_PER_TREE, this.layout.childCount - first);
    const hint = this.state[this.slot + S_HINT];
    const start = hint >= first && hint < first + count ? hint - first : 0;
    for (let i = 0; i < count; i++) {
      const c = first + ((start + i) % count);
      const pfn = this.lower.alloc(c, n, 0, this.counter);
      if (pfn >= 0) {
        this.state[this.slot + S_HINT] = c;
        return pfn;
      }
    }
    return -1;
  }

  /** One 2 MiB page (a whole child): its first frame, or -1. Searches every tree, from this worker's. */
  allocHuge(): number {
    this.flushCredit();
    const trees = this.layout.treeCount;
    const mine = this.state[this.slot + S_TREE];
    const from = mine >= 0 ? mine : this.startTree;
    for (let i = 0; i < trees; i++) {
      const t = (from + i) % trees;
      if (!this.takeTree(t, FRAMES_PER_CHILD, false)) continue;
      const first = t * CHILDREN_PER_TREE;
      const end = Math.min(first + CHILDREN_PER_TREE, this.layout.childCount);
      for (let c = first; c < end; c++) {
        if (this.lower.allocHuge(c)) return this.layout.childBase[c];
      }
      this.putTree(t, FRAMES_PER_CHILD);
    }
    return -1;
  }

  /** Adds `n` freed frames of child `c` to its tree. */
  freed(c: number, n: number): void {
    this.putTree(Math.floor(c / CHILDREN_PER_TREE), n);
  }
}
