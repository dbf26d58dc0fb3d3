/*
 * slab-ref: the native reference of @framekit/heap's slab, from the same description
 * (packages/heap/src/slab.ts): 14 size classes 16 B … 2 KiB, slabs of 1–4 frames holding at
 * least 8 objects, partial / full / empty lists per class, a free bitmap of 8 words and a
 * 16-bit requested size per object slot, objects found through a frame → slab table, empty
 * slabs beyond one per class given back to the frame pool (a stack of frame numbers standing
 * in for the frame allocator).
 *
 * Built by `pnpm bench` as  cc -O2 -o bench/native/build/slab-ref bench/native/slab/slab-ref.c
 * Usage: slab-ref seed=S count=64 size_min=16 size_max=2048 time_ms=T min_samples=N
 * Runs the heap-slab scenario (count mallocs of drawn sizes, then the frees in reverse) and
 * prints one JSON object: per-op (one malloc + one free) median, p99 and mean in ns.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../common.h"

#define CLASSES 14
#define WORDS 8
#define MAX_OBJECTS 256
#define FRAMES 65536
#define NONE (-1)
enum { PARTIAL, FULL, EMPTY };

static const uint32_t SIZE[CLASSES] = {16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048};
static uint32_t slab_frames[CLASSES], objects[CLASSES];
static uint8_t class_of_16[2048 / 16 + 1];

typedef struct {
  int64_t pfn;
  int8_t cls, list;
  int32_t in_use, next, prev;
  uint32_t free[WORDS];
  uint16_t sizes[MAX_OBJECTS];
} slab_t;

static slab_t *slabs;
static int32_t slab_count, spare_head = NONE, *spare_next;
static int32_t heads[CLASSES * 3], empty_count[CLASSES];
static int32_t *table; /* frame → slab */
static int64_t *pool;  /* free frames of the stand-in frame allocator (runs of 4 aligned frames) */
static int64_t pool_top;

static void push(int32_t s, int list) {
  int32_t h = slabs[s].cls * 3 + list, first = heads[h];
  slabs[s].list = (int8_t)list; slabs[s].prev = NONE; slabs[s].next = first;
  if (first != NONE) slabs[first].prev = s;
  heads[h] = s;
}
static void unlink_slab(int32_t s) {
  int32_t n = slabs[s].next, p = slabs[s].prev;
  if (p != NONE) slabs[p].next = n; else heads[slabs[s].cls * 3 + slabs[s].list] = n;
  if (n != NONE) slabs[n].prev = p;
}
static int32_t new_slab(int k) {
  if (pool_top == 0) return NONE;
  int32_t s = spare_head != NONE ? spare_head : slab_count++;
  if (s == spare_head) spare_head = spare_next[s];
  int64_t pfn = pool[--pool_top];
  for (uint32_t f = 0; f < slab_frames[k]; f++) table[pfn + f] = s;
  slab_t *sl = &slabs[s];
  sl->pfn = pfn; sl->cls = (int8_t)k; sl->in_use = 0;
  for (int w = 0; w < WORDS; w++) {
    int left = (int)objects[k] - w * 32;
    sl->free[w] = left >= 32 ? 0xffffffffu : left > 0 ? (1u << left) - 1 : 0;
  }
  push(s, PARTIAL);
  return s;
}
static void drop_slab(int32_t s) {
  pool[pool_top++] = slabs[s].pfn;
  slabs[s].cls = -1;
  spare_next[s] = spare_head; spare_head = s;
}

static int64_t slab_malloc(uint32_t size) {
  int k = class_of_16[(size + 15) >> 4];
  int32_t s = heads[k * 3 + PARTIAL];
  if (s == NONE) {
    s = heads[k * 3 + EMPTY];
    if (s != NONE) { unlink_slab(s); empty_count[k]--; push(s, PARTIAL); }
    else if ((s = new_slab(k)) == NONE) return -1;
  }
  slab_t *sl = &slabs[s];
  int w = 0;
  while (sl->free[w] == 0) w++;
  int bit = __builtin_ctz(sl->free[w]);
  sl->free[w] &= ~(1u << bit);
  int slot = w * 32 + bit;
  sl->sizes[slot] = (uint16_t)size;
  if (++sl->in_use == (int32_t)objects[k]) { unlink_slab(s); push(s, FULL); }
  return sl->pfn * 4096 + (int64_t)slot * SIZE[k];
}

/* Returns 0 on a bad address (foreign, interior or free), as framekit's checks do before freeing. */
static int slab_free(int64_t addr) {
  int64_t pfn = addr / 4096;
  if (pfn < 0 || pfn >= FRAMES) return 0;
  int32_t s = table[pfn];
  if (s == NONE || slabs[s].cls < 0) return 0;
  slab_t *sl = &slabs[s];
  int k = sl->cls;
  int64_t off = addr - sl->pfn * 4096;
  if (off % SIZE[k] != 0) return 0;
  int slot = (int)(off / SIZE[k]);
  if (slot >= (int)objects[k] || (sl->free[slot >> 5] & (1u << (slot & 31)))) return 0;
  sl->free[slot >> 5] |= 1u << (slot & 31);
  int was_full = sl->list == FULL;
  if (--sl->in_use == 0) {
    unlink_slab(s);
    if (empty_count[k] < 1) { push(s, EMPTY); empty_count[k]++; }
    else drop_slab(s);
  } else if (was_full) { unlink_slab(s); push(s, PARTIAL); }
  return 1;
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}
static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static long arg(int argc, char **argv, const char *key, long fallback) {
  size_t n = strlen(key);
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], key, n) == 0 && argv[i][n] == '=') return atol(argv[i] + n + 1);
  return fallback;
}

int main(int argc, char **argv) {
  uint32_t seed = (uint32_t)arg(argc, argv, "seed", 1);
  long count = arg(argc, argv, "count", 64), lo = arg(argc, argv, "size_min", 16), hi = arg(argc, argv, "size_max", 2048);
  long time_ms = arg(argc, argv, "time_ms", 400), min_samples = arg(argc, argv, "min_samples", 32);
  for (int k = 0; k < CLASSES; k++) {
    uint32_t f = 1;
    while ((f * 4096) / SIZE[k] < 8) f *= 2;
    slab_frames[k] = f;
    objects[k] = (f * 4096) / SIZE[k] < MAX_OBJECTS ? (f * 4096) / SIZE[k] : MAX_OBJECTS;
  }
  for (int u = 0, k = 0; u <= 2048 / 16; u++) { while (SIZE[k] < (uint32_t)u * 16) k++; class_of_16[u] = (uint8_t)k; }
  slabs = calloc(FRAMES, sizeof(slab_t));
  spare_next = calloc(FRAMES, sizeof(int32_t));
  table = malloc(FRAMES * sizeof(int32_t));
  pool = malloc(FRAMES / 4 * sizeof(int64_t));
  for (long i = 0; i < FRAMES; i++) table[i] = NONE;
  for (long i = FRAMES / 4 - 1; i >= 0; i--) pool[pool_top++] = i * 4;
  for (int i = 0; i < CLASSES * 3; i++) heads[i] = NONE;

  prng_t r = {seed};
  uint32_t *sizes = malloc(count * sizeof(uint32_t));
  for (long i = 0; i < count; i++) sizes[i] = (uint32_t)(lo + prng_next(&r) % (uint32_t)(hi - lo + 1));
  int64_t *addrs = malloc(count * sizeof(int64_t));
  long cap = 1 << 20, n = 0;
  double *samples = malloc(cap * sizeof(double)), start = now_ns(), sink = 0;
  for (long w = 0; w < 1000; w++) { /* warm-up */
    for (long i = 0; i < count; i++) addrs[i] = slab_malloc(sizes[i]);
    for (long i = count - 1; i >= 0; i--) sink += slab_free(addrs[i]);
  }
  start = now_ns();
  while ((n < min_samples || now_ns() - start < time_ms * 1e6) && n < cap) {
    double t0 = now_ns();
    for (long i = 0; i < count; i++) addrs[i] = slab_malloc(sizes[i]);
    for (long i = count - 1; i >= 0; i--) sink += slab_free(addrs[i]);
    samples[n++] = (now_ns() - t0) / count;
  }
  qsort(samples, n, sizeof(double), cmp);
  double mean = 0;
  for (long i = 0; i < n; i++) mean += samples[i];
  mean /= n;
  printf("{\"medianNs\":%.3f,\"p99Ns\":%.3f,\"meanNs\":%.3f,\"samples\":%ld,\"check\":%.0f}\n", samples[n / 2],
         samples[(long)((n - 1) * 0.99)], mean, n, sink);
  return 0;
}
