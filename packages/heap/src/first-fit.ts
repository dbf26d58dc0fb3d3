import type { HeapStrategy } from './api';
import { grown } from './blocks';
import { MIN_BLOCK, NIL, SIZE_MASK, SpanAllocator, type SpanOptions, spanOptions } from './spans';

/**
 * The `memm` kernel's own allocator: spans of frames, blocks split on allocation and coalesced
 * on free with boundary tags, and first fit in address order (Knuth's first fit, what @thi.ng's
 * MemPool does over one buffer): an allocation takes the lowest free block that fits, which
 * keeps live blocks packed low and leaves the high free space whole. Each span keeps its free
 * blocks in address order, and a max tree over the spans names the lowest span that may hold a
 * block that fits, so an allocation walks one span's list, not the heap's. A block split, or
 * merged with a free neighbour, keeps that neighbour's place in the list (no walk); only a block
 * freed between two live ones walks its span's list to find its place.
 */
export function firstFitStrategy(options: SpanOptions = {}): HeapStrategy {
  const { spanFrames, emptySpans } = spanOptions('firstFitStrategy', options);
  return {
    name: 'first-fit',
    create: (host) => new FirstFitAllocator(host, spanFrames, emptySpans),
  };
}

class FirstFitAllocator extends SpanAllocator {
  /** Per span slot: its first free block in address order (`NIL`: none). */
  #heads = new Uint32Array(8).fill(NIL);
  /**
   * A max tree over the span slots: leaf `leaves + slot` is at least the slot's largest free
   * block in bytes (0: none), each inner node the larger of its two children, the root at 1.
   * A leaf is raised when a larger block is filed, and lowered to the exact largest only when a
   * search of its span finds nothing that fits (so unfiling a block never walks the list).
   */
  #tree = new Int32Array(16);
  #leaves = 8;

  protected insert(link: number, size: number): void {
    const slot = link >>> this.granuleShift;
    if (slot >= this.#leaves) this.#growTree(slot);
    // Links within a span ascend with the address: walk to the first block after this one.
    let prev = NIL;
    let next = this.#heads[slot];
    while (next !== NIL && next < link) {
      prev = next;
      next = this.view[this.at(next) + 2];
    }
    const at = this.at(link);
    const view = this.view;
    view[at + 2] = next;
    view[at + 3] = prev;
    if (next !== NIL) this.view[this.at(next) + 3] = link;
    if (prev === NIL) this.#heads[slot] = link;
    else this.view[this.at(prev) + 2] = link;
    if (size > this.#tree[this.#leaves + slot]) this.#setLargest(slot, size);
  }

  protected remove(link: number, _size: number): void {
    const slot = link >>> this.granuleShift;
    const at = this.at(link);
    const next = this.view[at + 2];
    const prev = this.view[at + 3];
    if (prev === NIL) this.#heads[slot] = next;
    else this.view[this.at(prev) + 2] = next;
    if (next !== NIL) this.view[this.at(next) + 3] = prev;
  }

  protected override replace(oldLink: number, _oldSize: number, link: number, size: number): void {
    const slot = link >>> this.granuleShift;
    // `link` takes `oldLink`'s place: no free block lies between them.
    if (link !== oldLink && this.relink(oldLink, link)) this.#heads[slot] = link;
    if (size > this.#tree[this.#leaves + slot]) this.#setLargest(slot, size);
  }

  protected find(need: number, align: number): number {
    const tree = this.#tree;
    // Any block of at least `least` bytes fits, whatever gap the alignment asks for in front.
    const least = align <= 16 ? need : need + align + MIN_BLOCK;
    while (tree[1] >= least) {
      // Down the tree to the lowest span that may hold such a block.
      let node = 1;
      while (node < this.#leaves) {
        node <<= 1;
        if (tree[node] < least) node++;
      }
      const slot = node - this.#leaves;
      let largest = 0;
      for (let link = this.#heads[slot]; link !== NIL; ) {
        const at = this.at(link);
        const size = this.view[at] & SIZE_MASK;
        if (size >= need && (align <= 16 || size >= need + this.alignedGap(link, align))) return link;
        if (size > largest) largest = size;
        link = this.view[at + 2];
      }
      // Nothing here fits: the span's bound becomes its largest block, which is below `least`.
      this.#setLargest(slot, largest);
    }
    return NIL;
  }

  /** Records `bytes` as the largest free block of `slot`, up the tree. */
  #setLargest(slot: number, bytes: number): void {
    const tree = this.#tree;
    let node = this.#leaves + slot;
    tree[node] = bytes;
    while (node > 1) {
      const parent = node >>> 1;
      const larger = Math.max(tree[parent << 1], tree[(parent << 1) + 1]);
      if (tree[parent] === larger) return;
      tree[parent] = larger;
      node = parent;
    }
  }

  /** Room for `slot`: twice the leaves until it fits, the inner nodes rebuilt. */
  #growTree(slot: number): void {
    let leaves = this.#leaves;
    while (leaves <= slot) leaves *= 2;
    const tree = new Int32Array(2 * leaves);
    tree.set(this.#tree.subarray(this.#leaves, 2 * this.#leaves), leaves);
    for (let node = leaves - 1; node >= 1; node--) {
      tree[node] = Math.max(tree[node << 1], tree[(node << 1) + 1]);
    }
    this.#heads = grown(this.#heads, leaves).fill(NIL, this.#leaves);
    this.#tree = tree;
    this.#leaves = leaves;
  }

  override metadataBytes(): number {
    return super.metadataBytes() + this.#heads.byteLength + this.#tree.byteLength;
  }
}
