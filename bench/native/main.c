/*
 * framekit-ref: the native reference of the bench. Built by `pnpm bench` as
 *   cc -O2 -o bench/native/build/framekit-ref bench/native/main.c
 * (a unity build: the algorithms are included below so their calls inline).
 *
 * Usage: framekit-ref ALGO SCENARIO [key=value ...]
 *   ALGO: stack | bitmap | hier2m | buddy | slab (slab.c: lifo | random, its own keys)
 *   SCENARIO: single-lifo | single-random | batch | run | init | recipe
 *   keys: frames, per_call, batch, hold, count_min, count_max, align, below, seed,
 *         time_ms, warmup_ms, min_samples, max_samples, ranges (a file of "start count" lines),
 *         populate (1: map the stack's frame memory up front),
 *         frag (1: apply the fragmentation recipe) with recipe_seed, used_max, hole_max,
 *         big_one_in, big_min, big_max.
 * Prints one JSON object: per-op median, p99 and mean in ns, and the allocator's figures.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include "common.h"
#include "recipe.c"
#include "stack.c"
#include "bitmap.c"
#include "hier2m.c"
#include "buddy.c"

typedef struct {
  void *alloc;
  long per_call, batch;
  pfn_t *out;
  pfn_t *run_count;
  pfn_t *held;
  uint32_t *picks;
  uint32_t picks_mask;
  pfn_t *sizes;
  uint32_t sizes_mask;
  uint64_t cursor;
  pfn_t align, below;
} bench_t;

/* ---- the three algorithms behind one set of macros ---- */
static inline int bm_alloc_many(bitmap_t *b, pfn_t *out, size_t n) {
  if ((pfn_t)n > b->free_frames) return 0;
  for (size_t i = 0; i < n; i++) out[i] = bm_alloc(b);
  return 1;
}
static inline void bm_free_many(bitmap_t *b, const pfn_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) bm_free(b, p[i]);
}
static inline int h2_alloc_many(hier2m_t *h, pfn_t *out, size_t n) {
  if ((pfn_t)n > h->free_frames) return 0;
  for (size_t i = 0; i < n; i++) out[i] = h2_alloc(h);
  return 1;
}
static inline void h2_free_many(hier2m_t *h, const pfn_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) h2_free(h, p[i]);
}
/* hier2m's runs are 2 MiB pages only (512 frames, 512-aligned), as in framekit. */
static inline pfn_t h2_alloc_run(hier2m_t *h, pfn_t n, pfn_t align, pfn_t below) {
  (void)align;
  if (n != 512) return NO_FRAME;
  pfn_t p = h2_alloc2m(h);
  if (p != NO_FRAME && p + 512 > below) { h2_free2m(h, p); return NO_FRAME; }
  return p;
}
static inline int h2_free_run(hier2m_t *h, pfn_t p, pfn_t n) { (void)n; return h2_free2m(h, p); }

#define ALG_PREFIX stack
#define ALG_T page_stack_t
#define ALG_ALLOC stack_alloc
#define ALG_FREE stack_free
#define ALG_ALLOC_MANY stack_alloc_many
#define ALG_FREE_MANY stack_free_many
#include "scenarios.inc"
#undef ALG_PREFIX
#undef ALG_T
#undef ALG_ALLOC
#undef ALG_FREE
#undef ALG_ALLOC_MANY
#undef ALG_FREE_MANY

#define ALG_PREFIX bitmap
#define ALG_T bitmap_t
#define ALG_ALLOC bm_alloc
#define ALG_FREE bm_free
#define ALG_ALLOC_MANY bm_alloc_many
#define ALG_FREE_MANY bm_free_many
#define ALG_ALLOC_RUN bm_alloc_run
#define ALG_FREE_RUN bm_free_run
#include "scenarios.inc"
#undef ALG_PREFIX
#undef ALG_T
#undef ALG_ALLOC
#undef ALG_FREE
#undef ALG_ALLOC_MANY
#undef ALG_FREE_MANY
#undef ALG_ALLOC_RUN
#undef ALG_FREE_RUN

#define ALG_PREFIX hier2m
#define ALG_T hier2m_t
#define ALG_ALLOC h2_alloc
#define ALG_FREE h2_free
#define ALG_ALLOC_MANY h2_alloc_many
#define ALG_FREE_MANY h2_free_many
#define ALG_ALLOC_RUN h2_alloc_run
#define ALG_FREE_RUN h2_free_run
#include "scenarios.inc"
#undef ALG_PREFIX
#undef ALG_T
#undef ALG_ALLOC
#undef ALG_FREE
#undef ALG_ALLOC_MANY
#undef ALG_FREE_MANY
#undef ALG_ALLOC_RUN
#undef ALG_FREE_RUN

#define ALG_PREFIX buddy
#define ALG_T buddy_t
#define ALG_ALLOC bd_alloc
#define ALG_FREE bd_free
#define ALG_ALLOC_MANY bd_alloc_many
#define ALG_FREE_MANY bd_free_many
#define ALG_ALLOC_RUN bd_alloc_run
#define ALG_FREE_RUN bd_free_run
#include "scenarios.inc"

/* ---- arguments ---- */
static int g_argc;
static char **g_argv;

static const char *arg_str(const char *key, const char *fallback) {
  size_t len = strlen(key);
  for (int i = 3; i < g_argc; i++) {
    if (strncmp(g_argv[i], key, len) == 0 && g_argv[i][len] == '=') return g_argv[i] + len + 1;
  }
  return fallback;
}

static double arg_num(const char *key, double fallback) {
  const char *v = arg_str(key, NULL);
  return v ? strtod(v, NULL) : fallback;
}

static void fail(const char *message) {
  printf("{\"error\":\"%s\"}\n", message);
  exit(2);
}

/* ---- timing ---- */
static inline double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Linear interpolation between closest ranks, as tinybench computes its percentiles. */
static double quantile(const double *sorted, size_t n, double q) {
  double pos = (double)(n - 1) * q;
  size_t lo = (size_t)pos;
  if (lo + 1 >= n) return sorted[n - 1];
  return sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (pos - (double)lo);
}

typedef struct { double median, p99, mean; size_t samples; } timing_t;

/* Calls `call` until both the time budget and the minimum sample count are met; per-op figures. */
static timing_t measure(void (*call)(void *), void *arg, double ops_per_call) {
  double warmup = arg_num("warmup_ms", 100) * 1e6, budget = arg_num("time_ms", 500) * 1e6;
  size_t min_samples = (size_t)arg_num("min_samples", 64), max_samples = (size_t)arg_num("max_samples", 1000000);
  double start = now_ns();
  while (now_ns() - start < warmup) call(arg);
  double *samples = malloc(sizeof(double) * max_samples);
  size_t n = 0;
  double total = 0;
  start = now_ns();
  while (n < max_samples && (n < min_samples || now_ns() - start < budget)) {
    double t0 = now_ns();
    call(arg);
    double dt = now_ns() - t0;
    samples[n++] = dt / ops_per_call;
    total += dt;
  }
  qsort(samples, n, sizeof(double), cmp_double);
  timing_t t = { quantile(samples, n, 0.5), quantile(samples, n, 0.99), total / ((double)n * ops_per_call), n };
  free(samples);
  return t;
}

/* ---- spaces ---- */
static range_t *read_ranges(const char *path, size_t *count) {
  FILE *f = fopen(path, "r");
  if (!f) fail("cannot open the ranges file");
  size_t cap = 64, n = 0;
  range_t *r = malloc(sizeof(range_t) * cap);
  long long s, c;
  while (fscanf(f, "%lld %lld", &s, &c) == 2) {
    if (n == cap) r = realloc(r, sizeof(range_t) * (cap *= 2));
    r[n].start = s;
    r[n].count = c;
    n++;
  }
  fclose(f);
  *count = n;
  return r;
}

typedef struct { void *alloc; int which; uint32_t checksum; pfn_t holes, hole_frames; } frag_ctx_t;

static void mark_hole(void *arg, pfn_t start, pfn_t count) {
  frag_ctx_t *c = arg;
  /* FNV-style mix of every hole, so the TypeScript side can check it drew the same ones. */
  c->checksum = (c->checksum ^ (uint32_t)start) * 16777619u;
  c->checksum = (c->checksum ^ (uint32_t)count) * 16777619u;
  c->holes++;
  c->hole_frames += count;
  if (c->which == 1) bm_mark_free(c->alloc, start, count);
  else if (c->which == 2) h2_mark_free(c->alloc, start, count);
  else if (c->which == 3) bd_mark_free(c->alloc, start, count);
}

static recipe_t read_recipe(void) {
  recipe_t r;
  r.seed = (uint32_t)arg_num("recipe_seed", 1);
  r.used_max = (uint32_t)arg_num("used_max", 0);
  r.hole_max = (uint32_t)arg_num("hole_max", 0);
  r.big_one_in = (uint32_t)arg_num("big_one_in", 0);
  r.big_min = (uint32_t)arg_num("big_min", 0);
  r.big_max = (uint32_t)arg_num("big_max", 0);
  if (!r.used_max || !r.hole_max || !r.big_one_in || r.big_max < r.big_min) fail("incomplete recipe");
  return r;
}

static long peak_rss_bytes(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss * 1024L;
}

#include "slab.c"

int main(int argc, char **argv) {
  g_argc = argc;
  g_argv = argv;
  if (argc < 3) fail("usage: framekit-ref ALGO SCENARIO [key=value ...]");
  const char *algo = argv[1], *scenario = argv[2];
  if (strcmp(algo, "slab") == 0) return slab_main(scenario);
  int which = strcmp(algo, "stack") == 0 ? 0 : strcmp(algo, "bitmap") == 0 ? 1 : strcmp(algo, "hier2m") == 0 ? 2 : strcmp(algo, "buddy") == 0 ? 3 : -1;
  if (which < 0) fail("unknown algorithm");
  pfn_t frames = (pfn_t)arg_num("frames", 262144);
  int frag = (int)arg_num("frag", 0);
  uint32_t seed = (uint32_t)arg_num("seed", 1);

  if (strcmp(scenario, "recipe") == 0) {
    recipe_t r = read_recipe();
    frag_ctx_t c = { NULL, -1, 2166136261u, 0, 0 };
    recipe_holes(&r, frames, mark_hole, &c);
    printf("{\"algo\":\"%s\",\"scenario\":\"recipe\",\"holes\":%lld,\"freeFrames\":%lld,\"checksum\":%u}\n", algo,
           (long long)c.holes, (long long)c.hole_frames, c.checksum);
    return 0;
  }

  size_t range_count = 1;
  range_t whole = { 0, frames };
  range_t *ranges = &whole;
  const char *ranges_path = arg_str("ranges", NULL);
  if (ranges_path) {
    ranges = read_ranges(ranges_path, &range_count);
    frames = range_count ? ranges[range_count - 1].start + ranges[range_count - 1].count : 0;
  }

  page_stack_t stack;
  bitmap_t bitmap;
  hier2m_t hier2m;
  buddy_t buddy;
  void *alloc = which == 0 ? (void *)&stack : which == 1 ? (void *)&bitmap : which == 2 ? (void *)&hier2m : (void *)&buddy;
  timing_t t;
  double ops = 1;
  frag_ctx_t fc = { alloc, which, 2166136261u, 0, 0 };

  if (strcmp(scenario, "init") == 0) {
    /* Build from the ranges, repeatedly; each sample is one whole initialisation. */
    size_t reps = (size_t)arg_num("reps", 5);
    double *samples = malloc(sizeof(double) * reps);
    double total = 0;
    size_t meta = 0;
    pfn_t free_frames = 0;
    for (size_t k = 0; k < reps; k++) {
      double t0 = now_ns();
      if (which == 0) {
        if (stack_init(&stack, frames, ranges, range_count, 0)) fail("out of memory");
      } else if (which == 1) {
        if (bm_init(&bitmap, frames)) fail("out of memory");
        for (size_t i = 0; i < range_count; i++) bm_mark_free(&bitmap, ranges[i].start, ranges[i].count);
        bm_build(&bitmap);
      } else if (which == 2) {
        if (h2_init(&hier2m, frames)) fail("out of memory");
        for (size_t i = 0; i < range_count; i++) h2_mark_free(&hier2m, ranges[i].start, ranges[i].count);
        h2_build(&hier2m);
      } else {
        if (bd_init(&buddy, frames)) fail("out of memory");
        for (size_t i = 0; i < range_count; i++) bd_mark_free(&buddy, ranges[i].start, ranges[i].count);
        bd_build(&buddy);
      }
      double dt = now_ns() - t0;
      samples[k] = dt;
      total += dt;
      if (which == 0) { meta = stack_metadata_bytes(&stack); free_frames = stack.free_frames; stack_destroy(&stack); }
      else if (which == 1) { meta = bm_metadata_bytes(&bitmap); free_frames = bitmap.free_frames; bm_destroy(&bitmap); }
      else if (which == 2) { meta = h2_metadata_bytes(&hier2m); free_frames = hier2m.free_frames; h2_destroy(&hier2m); }
      else { meta = bd_metadata_bytes(&buddy); free_frames = buddy.free_frames; bd_destroy(&buddy); }
    }
    qsort(samples, reps, sizeof(double), cmp_double);
    printf("{\"algo\":\"%s\",\"scenario\":\"init\",\"samples\":%zu,\"medianNs\":%.1f,\"p99Ns\":%.1f,\"meanNs\":%.1f,"
           "\"frames\":%lld,\"ranges\":%zu,\"freeFrames\":%lld,\"metadataBytes\":%zu,\"peakRssBytes\":%ld}\n",
           algo, reps, quantile(samples, reps, 0.5), quantile(samples, reps, 0.99), total / (double)reps,
           (long long)frames, range_count, (long long)free_frames, meta, peak_rss_bytes());
    return 0;
  }

  /* The space: every frame usable, or (frag=1) everything used except the recipe's holes. */
  if (which == 0) {
    if (frag) fail("the stack has no runs: no fragmented scenario");
    if (stack_init(&stack, frames, ranges, range_count, (int)arg_num("populate", 0))) fail("out of memory");
  } else if (which == 1) {
    if (bm_init(&bitmap, frames)) fail("out of memory");
  } else if (which == 2) {
    if (h2_init(&hier2m, frames)) fail("out of memory");
  } else {
    if (bd_init(&buddy, frames)) fail("out of memory");
  }
  if (which != 0) {
    if (frag) {
      recipe_t r = read_recipe();
      recipe_holes(&r, frames, mark_hole, &fc);
    } else {
      for (size_t i = 0; i < range_count; i++) {
        if (which == 1) bm_mark_free(&bitmap, ranges[i].start, ranges[i].count);
        else if (which == 2) h2_mark_free(&hier2m, ranges[i].start, ranges[i].count);
        else bd_mark_free(&buddy, ranges[i].start, ranges[i].count);
      }
    }
    if (which == 1) bm_build(&bitmap);
    else if (which == 2) h2_build(&hier2m);
    else bd_build(&buddy);
  }

  bench_t b;
  memset(&b, 0, sizeof b);
  b.alloc = alloc;
  b.per_call = (long)arg_num("per_call", 64);
  b.batch = (long)arg_num("batch", 64);
  b.align = (pfn_t)arg_num("align", 1);
  b.below = (pfn_t)arg_num("below", (double)frames);
  long out_len = b.per_call > b.batch ? b.per_call : b.batch;
  b.out = malloc(sizeof(pfn_t) * (size_t)out_len);
  b.run_count = malloc(sizeof(pfn_t) * (size_t)b.per_call);
  prng_t rng = { seed };

  if (strcmp(scenario, "single-lifo") == 0) {
    ops = (double)b.per_call;
    t = measure(which == 0 ? stack_lifo : which == 1 ? bitmap_lifo : which == 2 ? hier2m_lifo : buddy_lifo, &b, ops);
  } else if (strcmp(scenario, "single-random") == 0) {
    long hold = (long)arg_num("hold", 4096);
    b.held = malloc(sizeof(pfn_t) * (size_t)hold);
    for (long i = 0; i < hold; i++) {
      b.held[i] = which == 0 ? stack_alloc(&stack) : which == 1 ? bm_alloc(&bitmap) : which == 2 ? h2_alloc(&hier2m) : bd_alloc(&buddy);
      if (b.held[i] == NO_FRAME) fail("space too small for hold");
    }
    size_t picks = 65536;
    b.picks = malloc(sizeof(uint32_t) * picks);
    b.picks_mask = (uint32_t)picks - 1;
    for (size_t i = 0; i < picks; i++) b.picks[i] = prng_next(&rng) % (uint32_t)hold;
    ops = (double)b.per_call;
    t = measure(which == 0 ? stack_random : which == 1 ? bitmap_random : which == 2 ? hier2m_random : buddy_random, &b, ops);
  } else if (strcmp(scenario, "batch") == 0) {
    ops = (double)b.per_call;
    t = measure(which == 0 ? stack_batch : which == 1 ? bitmap_batch : which == 2 ? hier2m_batch : buddy_batch, &b, ops);
  } else if (strcmp(scenario, "run") == 0) {
    if (which == 0) fail("the stack has no runs");
    pfn_t lo = (pfn_t)arg_num("count_min", 1), hi = (pfn_t)arg_num("count_max", lo);
    size_t sizes = 65536;
    b.sizes = malloc(sizeof(pfn_t) * sizes);
    b.sizes_mask = (uint32_t)sizes - 1;
    for (size_t i = 0; i < sizes; i++) b.sizes[i] = lo + (pfn_t)(prng_next(&rng) % (uint32_t)(hi - lo + 1));
    ops = (double)b.per_call;
    t = measure(which == 1 ? bitmap_run : which == 2 ? hier2m_run : buddy_run, &b, ops);
  } else {
    fail("unknown scenario");
  }

  pfn_t free_frames = which == 0 ? stack.free_frames : which == 1 ? bitmap.free_frames : which == 2 ? hier2m.free_frames : buddy.free_frames;
  size_t meta = which == 0 ? stack_metadata_bytes(&stack) : which == 1 ? bm_metadata_bytes(&bitmap) : which == 2 ? h2_metadata_bytes(&hier2m) : bd_metadata_bytes(&buddy);
  printf("{\"algo\":\"%s\",\"scenario\":\"%s\",\"samples\":%zu,\"opsPerCall\":%.0f,\"medianNs\":%.3f,\"p99Ns\":%.3f,"
         "\"meanNs\":%.3f,\"frames\":%lld,\"freeFrames\":%lld,\"metadataBytes\":%zu,\"fragHoles\":%lld,"
         "\"fragChecksum\":%u,\"peakRssBytes\":%ld}\n",
         algo, scenario, t.samples, ops, t.median, t.p99, t.mean, (long long)frames, (long long)free_frames, meta,
         (long long)fc.holes, fc.checksum, peak_rss_bytes());
  return 0;
}
