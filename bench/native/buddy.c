/*
 * Binary buddy allocator: the native reference of @framekit/alloc-buddy, built from the same
 * description. Orders 0 … BUDDY_MAX_ORDER (10: 4 MiB blocks). Per order, a bitmap of free
 * blocks (bit i of order o: the block [i·2^o, (i+1)·2^o) is free and whole) with summary
 * levels above it kept as upper bounds (bit w of level L+1 set whenever word w of level L is
 * non-zero; a stale bit is cleared by the search that meets it), and a word of the orders that
 * hold a block, so the lowest free block of an order is found in O(levels) amortized and
 * `below` never scans. Allocation takes the
 * lowest block of the smallest order that holds the request, splits it, and gives the tail past
 * `count` back (alloc_pages_exact); a free merges with the buddy while the buddy is free.
 * One area over [0, frames); frames are marked free with bd_mark_free and carved by bd_build.
 */
#include <stdlib.h>
#include <string.h>

#define BUDDY_MAX_ORDER 10
#define BD_LEVELS 8

typedef struct {
  uint32_t *level[BD_LEVELS];
  size_t words[BD_LEVELS];
  int levels;
} lbits_t;

typedef struct {
  lbits_t map[BUDDY_MAX_ORDER + 1];
  pfn_t blocks[BUDDY_MAX_ORDER + 1];
  uint32_t orders; /* bit o set while order o holds a free block (as alloc-buddy's Area.orders) */
  pfn_t frames;
  pfn_t free_frames;
  uint64_t *scratch; /* bd_mark_free's frame bits before bd_build carves them */
} buddy_t;

static int lb_init(lbits_t *b, pfn_t bits) {
  pfn_t n = bits;
  b->levels = 0;
  do {
    size_t w = (size_t)((n + 31) / 32);
    if (w == 0) w = 1;
    b->level[b->levels] = calloc(w, sizeof(uint32_t));
    if (!b->level[b->levels]) return 1;
    b->words[b->levels++] = w;
    n = (pfn_t)w;
  } while (n > 1 && b->levels < BD_LEVELS);
  return 0;
}
static inline int lb_test(const lbits_t *b, pfn_t i) { return (b->level[0][i >> 5] >> (i & 31)) & 1u; }
/* Summary bits are upper bounds: set while the word below is non-zero, and possibly after it
 * empties. A set climbs until it meets a summary bit already set; a clear touches level 0 alone;
 * a search that descends into an empty word clears the stale bit above it and goes on. */
static inline void lb_set(lbits_t *b, pfn_t i) {
  for (int l = 0; l < b->levels; l++) {
    pfn_t w = i >> 5;
    uint32_t old = b->level[l][w], bit = 1u << (i & 31);
    if (old & bit) return;
    b->level[l][w] = old | bit;
    i = w;
  }
}
static inline void lb_clear(lbits_t *b, pfn_t i) { b->level[0][i >> 5] &= ~(1u << (i & 31)); }
/* The lowest set bit >= i, or -1: up the summaries to a non-zero word, then down, clearing a
 * stale summary bit (its word below empty) and going on after it (as alloc-buddy's Area.next). */
static inline pfn_t lb_next(lbits_t *b, pfn_t i) {
  int l = 0;
  for (;;) {
    pfn_t w = i >> 5;
    if ((size_t)w >= b->words[l]) return -1;
    uint32_t masked = b->level[l][w] & (~0u << (i & 31));
    if (!masked) {
      if (l + 1 == b->levels) return -1;
      i = w + 1;
      l++;
      continue;
    }
    i = w * 32 + __builtin_ctz(masked);
    while (l > 0) {
      uint32_t word = b->level[l - 1][i];
      if (!word) break;
      l--;
      i = i * 32 + __builtin_ctz(word);
    }
    if (l == 0) return i;
    b->level[l][i >> 5] &= ~(1u << (i & 31));
    i++;
  }
}
static inline pfn_t lb_first(lbits_t *b) { return lb_next(b, 0); }
/* True when a bit in [lo, hi] is set: the partial first word read, the rest asked of lb_next
 * (as alloc-buddy's Area.anyIn). */
static inline int lb_any_in(lbits_t *b, pfn_t lo, pfn_t hi) {
  uint32_t first = b->level[0][lo >> 5] & (~0u << (lo & 31));
  if (first) return (lo & ~(pfn_t)31) + __builtin_ctz(first) <= hi;
  if ((lo | 31) >= hi) return 0;
  pfn_t i = lb_next(b, (lo | 31) + 1);
  return i >= 0 && i <= hi;
}
static size_t lb_bytes(const lbits_t *b) {
  size_t n = 0;
  for (int l = 0; l < b->levels; l++) n += b->words[l] * sizeof(uint32_t);
  return n;
}

static int bd_init(buddy_t *a, pfn_t frames) {
  memset(a, 0, sizeof *a);
  pfn_t top = (pfn_t)1 << BUDDY_MAX_ORDER;
  a->frames = (frames + top - 1) / top * top;
  for (int o = 0; o <= BUDDY_MAX_ORDER; o++) if (lb_init(&a->map[o], a->frames >> o)) return 1;
  a->scratch = calloc((size_t)(a->frames / 64 + 1), sizeof(uint64_t));
  return a->scratch == NULL;
}
static void bd_destroy(buddy_t *a) {
  for (int o = 0; o <= BUDDY_MAX_ORDER; o++) for (int l = 0; l < a->map[o].levels; l++) free(a->map[o].level[l]);
  free(a->scratch);
}
static size_t bd_metadata_bytes(const buddy_t *a) {
  size_t n = sizeof *a;
  for (int o = 0; o <= BUDDY_MAX_ORDER; o++) n += lb_bytes(&a->map[o]);
  return n;
}

static inline void bd_gained(buddy_t *a, int o) { if (a->blocks[o]++ == 0) a->orders |= 1u << o; }
static inline void bd_lost(buddy_t *a, int o) { if (--a->blocks[o] == 0) a->orders &= ~(1u << o); }
static inline void bd_add(buddy_t *a, int o, pfn_t head) { lb_set(&a->map[o], head >> o); bd_gained(a, o); }
static inline void bd_remove(buddy_t *a, int o, pfn_t head) { lb_clear(&a->map[o], head >> o); bd_lost(a, o); }

/* Frees the block [head, head + 2^o), merging with its buddy while the buddy is free. */
static inline void bd_free_block(buddy_t *a, pfn_t head, int o) {
  pfn_t i = head >> o;
  while (o < BUDDY_MAX_ORDER && lb_test(&a->map[o], i ^ 1)) {
    lb_clear(&a->map[o], i ^ 1);
    bd_lost(a, o);
    i >>= 1;
    o++;
  }
  lb_set(&a->map[o], i);
  bd_gained(a, o);
}
static inline int bd_largest_at(pfn_t p, pfn_t to) {
  int o = BUDDY_MAX_ORDER;
  while (o > 0 && ((p & (((pfn_t)1 << o) - 1)) || p + ((pfn_t)1 << o) > to)) o--;
  return o;
}
/* Frees the allocated frames [from, to), cut into maximal aligned blocks, each merged. */
static inline void bd_release(buddy_t *a, pfn_t from, pfn_t to) {
  while (from < to) {
    int o = bd_largest_at(from, to);
    bd_free_block(a, from, o);
    from += (pfn_t)1 << o;
  }
}

static void bd_mark_free(buddy_t *a, pfn_t start, pfn_t count) {
  for (pfn_t p = start; p < start + count; p++) a->scratch[p >> 6] |= 1ull << (p & 63);
  a->free_frames += count;
}
/* Carves every run of marked frames into maximal aligned blocks (no merging needed). */
static void bd_build(buddy_t *a) {
  pfn_t p = 0;
  while (p < a->frames) {
    if (!((a->scratch[p >> 6] >> (p & 63)) & 1)) { p++; continue; }
    pfn_t e = p;
    while (e < a->frames && ((a->scratch[e >> 6] >> (e & 63)) & 1)) e++;
    while (p < e) {
      int o = bd_largest_at(p, e);
      bd_add(a, o, p);
      p += (pfn_t)1 << o;
    }
  }
}

/* The lowest block of the smallest order >= k whose first `count` frames lie below `below`. */
static inline pfn_t bd_take(buddy_t *a, int k, pfn_t count, pfn_t below) {
  for (uint32_t m = a->orders >> k; m; m &= m - 1) {
    int o = k + __builtin_ctz(m);
    pfn_t head = lb_first(&a->map[o]) << o;
    if (head + count > below) continue;
    bd_remove(a, o, head);
    for (int s = o - 1; s >= k; s--) bd_add(a, s, head + ((pfn_t)1 << s));
    if (count < ((pfn_t)1 << k)) bd_release(a, head + count, head + ((pfn_t)1 << k));
    a->free_frames -= count;
    return head;
  }
  return NO_FRAME;
}

static inline pfn_t bd_alloc(buddy_t *a) {
  if (!a->free_frames) return NO_FRAME;
  return bd_take(a, 0, 1, INT64_MAX);
}
/* The order-0 block of frame p: free when that bit or a larger block holding p is free. */
static inline int bd_is_free(const buddy_t *a, pfn_t p) {
  for (int o = 0; o <= BUDDY_MAX_ORDER; o++) if (lb_test(&a->map[o], p >> o)) return 1;
  return 0;
}
/* Frees frame p, or refuses a double free (as framekit throws). Its bit and its buddy's share a
 * word: when the buddy is free at order 0 no larger block can be free (it would hold the buddy
 * whole), so the merge runs unchecked; otherwise p's blocks of orders 1 … max are tested first,
 * up to the first order whose buddy block is free (as alloc-buddy's Area.freeFrame). */
static inline void bd_free(buddy_t *a, pfn_t p) {
  uint32_t w0 = a->map[0].level[0][p >> 5];
  if ((w0 >> (p & 31)) & 1) return;
  if (!((w0 >> ((p ^ 1) & 31)) & 1)) {
    for (int o = 1; o <= BUDDY_MAX_ORDER; o++) {
      pfn_t j = p >> o;
      uint32_t w = a->map[o].level[0][j >> 5];
      if ((w >> (j & 31)) & 1) return;
      if ((w >> ((j ^ 1) & 31)) & 1) break; /* a free buddy block: no block above is free */
    }
  }
  bd_free_block(a, p, 0);
  a->free_frames++;
}
static inline int bd_alloc_many(buddy_t *a, pfn_t *out, size_t n) {
  if ((pfn_t)n > a->free_frames) return 0;
  for (size_t i = 0; i < n; i++) out[i] = bd_take(a, 0, 1, INT64_MAX);
  return 1;
}
static inline void bd_free_many(buddy_t *a, const pfn_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) bd_free(a, p[i]);
}
/* Runs that fit a top-order block (the bench's runs all do). */
static inline pfn_t bd_alloc_run(buddy_t *a, pfn_t n, pfn_t align, pfn_t below) {
  if (n > a->free_frames) return NO_FRAME;
  int k = 0;
  while (((pfn_t)1 << k) < n || ((pfn_t)1 << k) < align) k++;
  if (k > BUDDY_MAX_ORDER) return NO_FRAME;
  return bd_take(a, k, n, below);
}
/* True when a frame of [from, to) is free: a span of bits per order smaller than the run, one
 * bit per order from the first whose block holds it whole (as alloc-buddy's Area.anyFreeIn). */
static inline int bd_any_free_in(buddy_t *a, pfn_t from, pfn_t to) {
  pfn_t hi = to - 1;
  /* orders below `split` see the run as two or more blocks, from it up as one */
  int split = from == hi ? 0 : 64 - __builtin_clzll((uint64_t)(from ^ hi));
  if (split > BUDDY_MAX_ORDER + 1) split = BUDDY_MAX_ORDER + 1;
  for (uint32_t m = a->orders & ((1u << split) - 1); m; m &= m - 1) { /* only orders holding a block */
    int o = __builtin_ctz(m);
    if (lb_any_in(&a->map[o], from >> o, hi >> o)) return 1;
  }
  for (uint32_t m = a->orders >> split; m; m &= m - 1) {
    int o = split + __builtin_ctz(m);
    if (lb_test(&a->map[o], from >> o)) return 1;
  }
  return 0;
}
static inline int bd_free_run(buddy_t *a, pfn_t p, pfn_t n) {
  if (n == 1) { /* one frame: as bd_free (as alloc-buddy's freeRun does) */
    pfn_t before = a->free_frames;
    bd_free(a, p);
    return a->free_frames == before;
  }
  if (bd_any_free_in(a, p, p + n)) return 1; /* a free frame in the run: refused, as framekit throws */
  bd_release(a, p, p + n);
  a->free_frames += n;
  return 0;
}
