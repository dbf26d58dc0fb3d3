/*
 * The slab allocator of @framekit/heap, in C, from the same description (our own code):
 * size classes 16 B ... 2 KiB (four per doubling above 128 B), one cache per class, slabs of
 * 1 to 8 frames (the fewest that waste at most 1/64 in the tail, at most 256 objects), each
 * slab on a partial, full or empty list, an 8-word allocation bitmap per slab with a hint at the
 * first word with a free object, objects found through a frame -> slab table as SLUB does,
 * empty slabs beyond one per class given back. A free checks that the address is an object
 * start and that the object is allocated (as framekit does), so both sides do the same work.
 *
 * Frames come from a small run source: per run size (1 to 8 frames) a stack of freed runs, and
 * a bump pointer over the rest (what a buddy allocator's fast path does for these sizes).
 *
 * Included by main.c after its helpers (measure, arg_num): `framekit-ref slab lifo|random ...`.
 */

#define SLAB_CLASSES 24
#define SLAB_WORDS 8
#define SLAB_MAX_OBJECTS 256
#define SLAB_PAGE 4096u
enum { SL_PARTIAL = 0, SL_FULL = 1, SL_EMPTY = 2 };

static const uint32_t slab_size[SLAB_CLASSES] = {16,  32,  48,  64,  80,  96,   112,  128,  160,  192,  224,  256,
                                                 320, 384, 448, 512, 640, 768,  896,  1024, 1280, 1536, 1792, 2048};

typedef struct {
  /* run source */
  uint32_t frames, bump;
  uint32_t *run_free[8]; /* stacks of freed runs of 1 … 8 frames */
  uint32_t run_count[8];
  /* frame -> slab id + 1 */
  int32_t *table;
  /* caches */
  uint8_t class_frames[SLAB_CLASSES];
  uint16_t class_objects[SLAB_CLASSES];
  uint8_t by_granule[2048 / 16 + 1];
  int32_t head[SLAB_CLASSES][3];
  int32_t list_size[SLAB_CLASSES][3];
  /* slabs */
  uint32_t cap, used, free_count;
  uint64_t *base;
  uint8_t *cls, *list, *hint;
  uint16_t *in_use;
  int32_t *next, *prev, *free_ids;
  uint32_t *bits;
} slab_t;

static int slab_init(slab_t *h, uint32_t frames) {
  memset(h, 0, sizeof *h);
  h->frames = frames;
  for (int o = 0; o < 8; o++) h->run_free[o] = malloc(sizeof(uint32_t) * (frames + 1));
  h->table = calloc(frames, sizeof(int32_t));
  for (int c = 0; c < SLAB_CLASSES; c++) {
    uint32_t best = 1;
    double best_tail = 1;
    for (uint32_t f = 1; f <= 8; f++) {
      uint32_t bytes = f * SLAB_PAGE;
      if (bytes / slab_size[c] > SLAB_MAX_OBJECTS) break;
      double tail = (double)(bytes % slab_size[c]) / bytes;
      if (tail * 64 <= 1) {
        best = f;
        break;
      }
      if (tail < best_tail) {
        best = f;
        best_tail = tail;
      }
    }
    h->class_frames[c] = (uint8_t)best;
    uint32_t n = best * SLAB_PAGE / slab_size[c];
    h->class_objects[c] = (uint16_t)(n > SLAB_MAX_OBJECTS ? SLAB_MAX_OBJECTS : n);
    for (int l = 0; l < 3; l++) h->head[c][l] = -1;
  }
  for (uint32_t g = 0, c = 0; g <= 2048 / 16; g++) {
    while (slab_size[c] < g * 16) c++;
    h->by_granule[g] = (uint8_t)c;
  }
  h->cap = 1024;
  h->base = malloc(sizeof(uint64_t) * h->cap);
  h->cls = malloc(h->cap);
  h->list = malloc(h->cap);
  h->hint = malloc(h->cap);
  h->in_use = malloc(sizeof(uint16_t) * h->cap);
  h->next = malloc(sizeof(int32_t) * h->cap);
  h->prev = malloc(sizeof(int32_t) * h->cap);
  h->free_ids = malloc(sizeof(int32_t) * h->cap);
  h->bits = malloc(sizeof(uint32_t) * SLAB_WORDS * h->cap);
  return h->table == NULL;
}

static int64_t slab_take_frames(slab_t *h, uint32_t n) {
  int o = (int)n - 1;
  if (h->run_count[o] > 0) return h->run_free[o][--h->run_count[o]];
  uint32_t start = h->bump;
  if (start + n > h->frames) return -1;
  h->bump = start + n;
  return start;
}

static void slab_give_frames(slab_t *h, uint32_t pfn, uint32_t n) {
  int o = (int)n - 1;
  h->run_free[o][h->run_count[o]++] = pfn;
}

static inline void slab_push(slab_t *h, int32_t s, int c, int l) {
  int32_t head = h->head[c][l];
  h->next[s] = head;
  h->prev[s] = -1;
  if (head >= 0) h->prev[head] = s;
  h->head[c][l] = s;
  h->list[s] = (uint8_t)l;
  h->list_size[c][l]++;
}

static inline void slab_unlink(slab_t *h, int32_t s, int c, int l) {
  int32_t next = h->next[s], prev = h->prev[s];
  if (prev >= 0) h->next[prev] = next;
  else h->head[c][l] = next;
  if (next >= 0) h->prev[next] = prev;
  h->list_size[c][l]--;
}

static int32_t slab_refill(slab_t *h, int c) {
  int32_t s = h->head[c][SL_EMPTY];
  if (s >= 0) {
    slab_unlink(h, s, c, SL_EMPTY);
    slab_push(h, s, c, SL_PARTIAL);
    return s;
  }
  int64_t pfn = slab_take_frames(h, h->class_frames[c]);
  if (pfn < 0) return -1;
  if (h->free_count > 0) s = h->free_ids[--h->free_count];
  else {
    if (h->used == h->cap) {
      h->cap *= 2;
      h->base = realloc(h->base, sizeof(uint64_t) * h->cap);
      h->cls = realloc(h->cls, h->cap);
      h->list = realloc(h->list, h->cap);
      h->hint = realloc(h->hint, h->cap);
      h->in_use = realloc(h->in_use, sizeof(uint16_t) * h->cap);
      h->next = realloc(h->next, sizeof(int32_t) * h->cap);
      h->prev = realloc(h->prev, sizeof(int32_t) * h->cap);
      h->free_ids = realloc(h->free_ids, sizeof(int32_t) * h->cap);
      h->bits = realloc(h->bits, sizeof(uint32_t) * SLAB_WORDS * h->cap);
    }
    s = (int32_t)h->used++;
  }
  h->base[s] = (uint64_t)pfn * SLAB_PAGE;
  h->cls[s] = (uint8_t)c;
  h->in_use[s] = 0;
  h->hint[s] = 0;
  uint32_t objects = h->class_objects[c];
  for (uint32_t w = 0; w < SLAB_WORDS; w++) {
    uint32_t first = w * 32;
    h->bits[s * SLAB_WORDS + w] =
        first + 32 <= objects ? 0u : first >= objects ? 0xffffffffu : (0xffffffffu << (objects - first));
  }
  for (uint32_t f = 0; f < h->class_frames[c]; f++) h->table[pfn + f] = s + 1;
  slab_push(h, s, c, SL_PARTIAL);
  return s;
}

/* A byte address (offset in the region), or -1 when out of frames. */
static inline int64_t slab_alloc(slab_t *h, uint32_t size) {
  int c = h->by_granule[(size + 15) >> 4];
  int32_t s = h->head[c][SL_PARTIAL];
  if (s < 0 && (s = slab_refill(h, c)) < 0) return -1;
  uint32_t *bits = h->bits + s * SLAB_WORDS;
  uint32_t w = h->hint[s];
  while (bits[w] == 0xffffffffu) w++;
  uint32_t bit = (uint32_t)__builtin_ctz(~bits[w]);
  bits[w] |= 1u << bit;
  h->hint[s] = (uint8_t)w;
  if (++h->in_use[s] == h->class_objects[c]) {
    slab_unlink(h, s, c, SL_PARTIAL);
    slab_push(h, s, c, SL_FULL);
  }
  return (int64_t)(h->base[s] + (uint64_t)(w * 32 + bit) * slab_size[c]);
}

/* Frees `addr`; returns 0, or -1 (nothing changed) when no live object starts there. */
static inline int slab_free(slab_t *h, uint64_t addr) {
  uint64_t pfn = addr / SLAB_PAGE;
  if (pfn >= h->frames) return -1;
  int32_t s = h->table[pfn] - 1;
  if (s < 0) return -1;
  int c = h->cls[s];
  uint64_t offset = addr - h->base[s];
  uint32_t index = (uint32_t)(offset / slab_size[c]);
  if ((uint64_t)index * slab_size[c] != offset || index >= h->class_objects[c]) return -1;
  uint32_t *word = h->bits + s * SLAB_WORDS + (index >> 5);
  uint32_t mask = 1u << (index & 31);
  if (!(*word & mask)) return -1;
  *word &= ~mask;
  if ((index >> 5) < h->hint[s]) h->hint[s] = (uint8_t)(index >> 5);
  uint16_t in_use = h->in_use[s]--;
  if (in_use == 1) {
    slab_unlink(h, s, c, h->list[s]);
    slab_push(h, s, c, SL_EMPTY);
    if (h->list_size[c][SL_EMPTY] > 1) {
      slab_unlink(h, s, c, SL_EMPTY);
      for (uint32_t f = 0; f < h->class_frames[c]; f++) h->table[h->base[s] / SLAB_PAGE + f] = 0;
      slab_give_frames(h, (uint32_t)(h->base[s] / SLAB_PAGE), h->class_frames[c]);
      h->free_ids[h->free_count++] = s;
    }
  } else if (in_use == h->class_objects[c]) {
    slab_unlink(h, s, c, SL_FULL);
    slab_push(h, s, c, SL_PARTIAL);
  }
  return 0;
}

typedef struct {
  slab_t *h;
  long per_call;
  int64_t *out;
  int64_t *held;
  uint32_t *sizes, *picks;
  uint32_t mask;
  uint64_t cursor;
} slab_bench_t;

/* lifo: `per_call` allocations of drawn sizes, then their frees in reverse. */
static void slab_lifo(void *arg) {
  slab_bench_t *b = arg;
  for (long k = 0; k < b->per_call; k++) b->out[k] = slab_alloc(b->h, b->sizes[b->cursor++ & b->mask]);
  for (long k = b->per_call; k-- > 0;) slab_free(b->h, (uint64_t)b->out[k]);
}

/* random: free a random held object, allocate a replacement of the next drawn size; `per_call` times. */
static void slab_random(void *arg) {
  slab_bench_t *b = arg;
  for (long k = 0; k < b->per_call; k++) {
    uint32_t i = b->picks[b->cursor & b->mask];
    slab_free(b->h, (uint64_t)b->held[i]);
    b->held[i] = slab_alloc(b->h, b->sizes[b->cursor++ & b->mask]);
  }
}

/* `framekit-ref slab lifo|random frames=.. per_call=.. size_min=.. size_max=.. hold=.. seed=..` */
static int slab_main(const char *scenario) {
  slab_t h;
  uint32_t frames = (uint32_t)arg_num("frames", 32768);
  if (slab_init(&h, frames)) fail("out of memory");
  slab_bench_t b;
  memset(&b, 0, sizeof b);
  b.h = &h;
  b.per_call = (long)arg_num("per_call", 64);
  uint32_t lo = (uint32_t)arg_num("size_min", 16), hi = (uint32_t)arg_num("size_max", 2048);
  size_t draws = 65536;
  b.mask = (uint32_t)draws - 1;
  b.sizes = malloc(sizeof(uint32_t) * draws);
  prng_t rng = { (uint32_t)arg_num("seed", 1) };
  for (size_t i = 0; i < draws; i++) b.sizes[i] = lo + prng_next(&rng) % (hi - lo + 1);
  b.out = malloc(sizeof(int64_t) * (size_t)b.per_call);
  timing_t t;
  if (strcmp(scenario, "lifo") == 0) {
    t = measure(slab_lifo, &b, (double)b.per_call);
  } else if (strcmp(scenario, "random") == 0) {
    long hold = (long)arg_num("hold", 10000);
    b.held = malloc(sizeof(int64_t) * (size_t)hold);
    for (long i = 0; i < hold; i++) {
      b.held[i] = slab_alloc(&h, b.sizes[b.cursor++ & b.mask]);
      if (b.held[i] < 0) fail("space too small for hold");
    }
    b.picks = malloc(sizeof(uint32_t) * draws);
    prng_t picks = { (uint32_t)arg_num("seed", 1) + 1 };
    for (size_t i = 0; i < draws; i++) b.picks[i] = prng_next(&picks) % (uint32_t)hold;
    t = measure(slab_random, &b, (double)b.per_call);
  } else {
    fail("unknown slab scenario");
  }
  printf("{\"algo\":\"slab\",\"scenario\":\"%s\",\"samples\":%zu,\"opsPerCall\":%ld,\"medianNs\":%.3f,\"p99Ns\":%.3f,"
         "\"meanNs\":%.3f,\"frames\":%u,\"peakRssBytes\":%ld}\n",
         scenario, t.samples, b.per_call, t.median, t.p99, t.mean, frames, peak_rss_bytes());
  return 0;
}
