/*
 * Bitmap allocator with a run-search summary. One bit per frame (1 = free) in 64-bit
 * words; above it, a segment tree over 512-frame leaves whose nodes hold the longest free
 * prefix, suffix and run inside them. The leftmost run of n free frames is found by
 * descending into the first node whose longest run (or whose join with its left
 * neighbour) reaches n: O(log frames) node visits, never a scan of the whole bitmap.
 * Alignment and `below` are checked on each candidate; a candidate that cannot be aligned
 * moves the search past its free stretch.
 */
#include <stdlib.h>
#include <string.h>
#include "common.h"

#define LEAF_FRAMES 512u
#define LEAF_WORDS (LEAF_FRAMES / 64u)

typedef struct {
  pfn_t frames;
  uint64_t *words; /* bit = 1: free; bits past `frames` stay 0 */
  size_t word_count;
  size_t leaves;   /* a power of two */
  size_t real_leaves; /* leaves holding frames; the rest pad the tree */
  uint32_t *pre, *suf, *mx; /* heap-ordered: node 1 is the root, leaves at [leaves, 2 * leaves) */
  pfn_t total, free_frames;
} bitmap_t;

static inline int bit_ctz(uint64_t x) { return __builtin_ctzll(x); }

/* First frame in [pos, end) whose bit equals `want_free`, or `end`. */
static inline pfn_t bm_next(const bitmap_t *b, pfn_t pos, pfn_t end, int want_free) {
  while (pos < end) {
    size_t w = (size_t)(pos >> 6);
    uint64_t word = want_free ? b->words[w] : ~b->words[w];
    word &= ~0ULL << (pos & 63);
    if (word) {
      pfn_t at = (pfn_t)(w << 6) + bit_ctz(word);
      return at < end ? at : end;
    }
    pos = (pfn_t)(w + 1) << 6;
  }
  return end;
}

static void bm_leaf_summary(bitmap_t *b, size_t leaf) {
  const uint64_t *w = b->words + leaf * LEAF_WORDS;
  size_t node = b->leaves + leaf;
  uint32_t pre = 0, suf = 0, best = 0;
  size_t i = 0;
  while (i < LEAF_WORDS && w[i] == ~0ULL) { pre += 64; i++; }
  if (i == LEAF_WORDS) {
    b->pre[node] = b->suf[node] = b->mx[node] = LEAF_FRAMES;
    return;
  }
  pre += (uint32_t)bit_ctz(~w[i]);
  size_t j = LEAF_WORDS;
  while (j > 0 && w[j - 1] == ~0ULL) { suf += 64; j--; }
  suf += (uint32_t)__builtin_clzll(~w[j - 1]);
  best = pre > suf ? pre : suf;
  /* Interior runs: walk free/used edges between the prefix and the suffix. */
  pfn_t base = (pfn_t)leaf * LEAF_FRAMES;
  pfn_t pos = base + pre, end = base + LEAF_FRAMES - suf;
  while (pos < end) {
    pfn_t f = bm_next(b, pos, end, 1);
    if (f >= end) break;
    pfn_t u = bm_next(b, f, end, 0);
    if ((uint32_t)(u - f) > best) best = (uint32_t)(u - f);
    pos = u;
  }
  b->pre[node] = pre;
  b->suf[node] = suf;
  b->mx[node] = best;
}

static inline void bm_combine(bitmap_t *b, size_t node, uint64_t child_len) {
  size_t l = node * 2, r = l + 1;
  uint64_t pre = b->pre[l] == child_len ? child_len + b->pre[r] : b->pre[l];
  uint64_t suf = b->suf[r] == child_len ? child_len + b->suf[l] : b->suf[r];
  uint64_t mx = b->mx[l] > b->mx[r] ? b->mx[l] : b->mx[r];
  uint64_t join = (uint64_t)b->suf[l] + b->pre[r];
  if (join > mx) mx = join;
  b->pre[node] = (uint32_t)pre;
  b->suf[node] = (uint32_t)suf;
  b->mx[node] = (uint32_t)mx;
}

/* Recomputes leaves [first, last] and every node above them. */
static void bm_update(bitmap_t *b, size_t first, size_t last) {
  if (first == last) {
    /* One leaf: walk up only while a node's figures change. */
    size_t node = b->leaves + first;
    bm_leaf_summary(b, first);
    uint64_t child_len = LEAF_FRAMES;
    while (node > 1) {
      node >>= 1;
      uint32_t pre = b->pre[node], suf = b->suf[node], mx = b->mx[node];
      bm_combine(b, node, child_len);
      if (pre == b->pre[node] && suf == b->suf[node] && mx == b->mx[node]) return;
      child_len <<= 1;
    }
    return;
  }
  for (size_t leaf = first; leaf <= last; leaf++) bm_leaf_summary(b, leaf);
  size_t lo = first + b->leaves, hi = last + b->leaves;
  uint64_t child_len = LEAF_FRAMES;
  while (lo > 1) {
    lo >>= 1;
    hi >>= 1;
    for (size_t n = lo; n <= hi; n++) bm_combine(b, n, child_len);
    child_len <<= 1;
  }
}

/* Everything used; `bm_mark_free` and `bm_build` then describe the usable frames. */
static int bm_init(bitmap_t *b, pfn_t frames) {
  b->frames = frames;
  size_t leaves_needed = (size_t)((frames + LEAF_FRAMES - 1) / LEAF_FRAMES);
  b->leaves = 1;
  while (b->leaves < leaves_needed) b->leaves <<= 1;
  /* Words only for real leaves; the padding leaves exist in the tree alone, as all used. */
  b->real_leaves = leaves_needed;
  b->word_count = leaves_needed * LEAF_WORDS;
  b->words = calloc(b->word_count, sizeof(uint64_t));
  b->pre = calloc(b->leaves * 2, sizeof(uint32_t));
  b->suf = calloc(b->leaves * 2, sizeof(uint32_t));
  b->mx = calloc(b->leaves * 2, sizeof(uint32_t));
  b->total = b->free_frames = 0;
  return b->words && b->pre && b->suf && b->mx ? 0 : -1;
}

static void bm_destroy(bitmap_t *b) {
  free(b->words);
  free(b->pre);
  free(b->suf);
  free(b->mx);
}

static void bm_set_bits(bitmap_t *b, pfn_t start, pfn_t count, int set) {
  pfn_t end = start + count;
  size_t w0 = (size_t)(start >> 6), w1 = (size_t)((end - 1) >> 6);
  uint64_t head = ~0ULL << (start & 63);
  uint64_t tail = ~0ULL >> (63 - ((end - 1) & 63));
  if (w0 == w1) {
    uint64_t m = head & tail;
    b->words[w0] = set ? b->words[w0] | m : b->words[w0] & ~m;
    return;
  }
  b->words[w0] = set ? b->words[w0] | head : b->words[w0] & ~head;
  if (w1 > w0 + 1) memset(b->words + w0 + 1, set ? 0xff : 0, (w1 - w0 - 1) * sizeof(uint64_t));
  b->words[w1] = set ? b->words[w1] | tail : b->words[w1] & ~tail;
}

/* Marks [start, start + count) free without updating the summary (call bm_build after). */
static void bm_mark_free(bitmap_t *b, pfn_t start, pfn_t count) {
  bm_set_bits(b, start, count, 1);
  b->free_frames += count;
}

/* Builds the whole summary bottom-up: O(words + leaves). */
static void bm_build(bitmap_t *b) {
  for (size_t leaf = 0; leaf < b->real_leaves; leaf++) bm_leaf_summary(b, leaf);
  uint64_t child_len = LEAF_FRAMES;
  for (size_t level = b->leaves >> 1; level >= 1; level >>= 1) {
    for (size_t n = level; n < level * 2; n++) bm_combine(b, n, child_len);
    child_len <<= 1;
  }
}

static pfn_t bm_tree_find(const bitmap_t *b, size_t node, size_t lo, size_t hi, size_t first_leaf, pfn_t n,
                          pfn_t *run) {
  if (hi <= first_leaf) return NO_FRAME;
  if (lo >= first_leaf) {
    uint64_t len = (uint64_t)(hi - lo) * LEAF_FRAMES;
    if (*run + (pfn_t)b->pre[node] >= n) return (pfn_t)lo * LEAF_FRAMES - *run;
    if ((pfn_t)b->mx[node] < n) {
      *run = b->pre[node] == len ? *run + (pfn_t)len : (pfn_t)b->suf[node];
      return NO_FRAME;
    }
    if (hi - lo == 1) {
      /* A run of n lies inside this leaf, past its (too short) prefix. */
      pfn_t base = (pfn_t)lo * LEAF_FRAMES, end = base + LEAF_FRAMES, pos = base;
      while (pos < end) {
        pfn_t f = bm_next(b, pos, end, 1);
        pfn_t u = bm_next(b, f, end, 0);
        if (u - f >= n) return f;
        pos = u;
      }
      return NO_FRAME; /* unreachable while the summary is exact */
    }
  }
  size_t mid = (lo + hi) / 2;
  pfn_t found = bm_tree_find(b, node * 2, lo, mid, first_leaf, n, run);
  if (found != NO_FRAME) return found;
  return bm_tree_find(b, node * 2 + 1, mid, hi, first_leaf, n, run);
}

/* The leftmost s >= from with [s, s + n) free, or NO_FRAME. */
static pfn_t bm_find(const bitmap_t *b, pfn_t n, pfn_t from) {
  if (from >= b->frames) return NO_FRAME;
  pfn_t run = 0;
  size_t leaf = (size_t)(from / LEAF_FRAMES);
  if (from % LEAF_FRAMES != 0) {
    pfn_t end = (pfn_t)(leaf + 1) * LEAF_FRAMES, pos = from;
    while (pos < end) {
      pfn_t f = bm_next(b, pos, end, 1);
      if (f >= end) { run = 0; break; }
      pfn_t u = bm_next(b, f, end, 0);
      if (u - f >= n) return f;
      run = u == end ? u - f : 0;
      pos = u;
    }
    leaf++;
  }
  return bm_tree_find(b, 1, 0, b->leaves, leaf, n, &run);
}

static inline void bm_take(bitmap_t *b, pfn_t start, pfn_t n) {
  if (n == 1) b->words[start >> 6] &= ~(1ULL << (start & 63));
  else bm_set_bits(b, start, n, 0);
  b->free_frames -= n;
  bm_update(b, (size_t)(start / LEAF_FRAMES), (size_t)((start + n - 1) / LEAF_FRAMES));
}

/* align: a power of two in frames; below: every frame < below. */
static pfn_t bm_alloc_run(bitmap_t *b, pfn_t n, pfn_t align, pfn_t below) {
  if (below > b->frames) below = b->frames;
  pfn_t pos = 0;
  for (;;) {
    pfn_t s = bm_find(b, n, pos);
    if (s == NO_FRAME || s + n > below) return NO_FRAME;
    pfn_t a = (s + align - 1) & ~(align - 1);
    if (a + n > below) return NO_FRAME;
    pfn_t used = a == s ? a + n : bm_next(b, s, a + n, 0);
    if (used >= a + n) {
      bm_take(b, a, n);
      return a;
    }
    pos = used; /* this free stretch cannot hold an aligned run: look past it */
  }
}

/* One frame: descend to the leftmost leaf with any free frame. */
static inline pfn_t bm_alloc(bitmap_t *b) {
  if (b->free_frames == 0) return NO_FRAME;
  size_t node = 1;
  while (node < b->leaves) node = b->mx[node * 2] ? node * 2 : node * 2 + 1;
  pfn_t base = (pfn_t)(node - b->leaves) * LEAF_FRAMES;
  pfn_t pfn = bm_next(b, base, base + LEAF_FRAMES, 1);
  bm_take(b, pfn, 1);
  return pfn;
}

/* 0 on success, -1 when a frame of the run is already free (double free). */
static int bm_free_run(bitmap_t *b, pfn_t start, pfn_t n) {
  if (bm_next(b, start, start + n, 1) < start + n) return -1;
  bm_set_bits(b, start, n, 1);
  b->free_frames += n;
  bm_update(b, (size_t)(start / LEAF_FRAMES), (size_t)((start + n - 1) / LEAF_FRAMES));
  return 0;
}

static inline int bm_free(bitmap_t *b, pfn_t pfn) {
  uint64_t bit = 1ULL << (pfn & 63);
  uint64_t *word = &b->words[pfn >> 6];
  if (*word & bit) return -1;
  *word |= bit;
  b->free_frames++;
  bm_update(b, (size_t)(pfn / LEAF_FRAMES), (size_t)(pfn / LEAF_FRAMES));
  return 0;
}

static size_t bm_metadata_bytes(const bitmap_t *b) {
  return b->word_count * sizeof(uint64_t) + b->leaves * 2 * 3 * sizeof(uint32_t);
}
