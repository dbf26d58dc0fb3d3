/*
 * Two-layer 2 MiB / 4 KiB bitmap (the Z903 design). One entry per 2 MiB: sixteen 32-bit
 * page fields (bit = 1: free), a `has` mask (field i has a free page) and a `full` mask
 * (field i is all free). Entries with free 4 KiB pages are linked on a 4 KiB list, wholly
 * free entries on a 2 MiB list; an entry may sit on both, and `is_2m` says which use is
 * current: a stale list entry is dropped when it reaches the head (lazy cleanup).
 *
 * Where the original ignores double frees, stops at 64 GiB and may push an entry onto a
 * list it is already on, this version sizes the entries to the space, reports double frees
 * and keeps an on-list flag per list.
 */
#include <stdlib.h>
#include <string.h>
#include "common.h"

typedef struct {
  int32_t next4k, next2m;
  uint8_t is_2m, in4k, in2m, pad;
  uint16_t has, full;
  uint32_t field[16];
} h2_entry_t;

typedef struct {
  h2_entry_t *entries;
  size_t count;
  int32_t head4k, head2m;
  pfn_t total, free_frames;
} hier2m_t;

static int h2_init(hier2m_t *h, pfn_t frames) {
  h->count = (size_t)((frames + 511) / 512);
  h->entries = calloc(h->count, sizeof(h2_entry_t));
  h->head4k = h->head2m = -1;
  h->total = h->free_frames = 0;
  return h->entries ? 0 : -1;
}

static void h2_destroy(hier2m_t *h) { free(h->entries); }

static inline void h2_push4k(hier2m_t *h, int32_t i) {
  h2_entry_t *e = &h->entries[i];
  if (e->in4k) return;
  e->in4k = 1;
  e->next4k = h->head4k;
  h->head4k = i;
}

static inline void h2_push2m(hier2m_t *h, int32_t i) {
  h2_entry_t *e = &h->entries[i];
  if (e->in2m) return;
  e->in2m = 1;
  e->next2m = h->head2m;
  h->head2m = i;
}

/* Marks [start, start + count) free without touching the lists (call h2_build after). */
static void h2_mark_free(hier2m_t *h, pfn_t start, pfn_t count) {
  pfn_t end = start + count;
  while (start < end) {
    pfn_t field_end = (start | 31) + 1;
    pfn_t stop = field_end < end ? field_end : end;
    uint32_t bits = (uint32_t)((stop - start == 32) ? 0xffffffffu : (((1u << (stop - start)) - 1u) << (start & 31)));
    h->entries[start >> 9].field[(start >> 5) & 15] |= bits;
    h->free_frames += stop - start;
    start = stop;
  }
}

/* Summaries and lists from the page fields: O(entries). Lowest addresses end up at the heads. */
static void h2_build(hier2m_t *h) {
  h->head4k = h->head2m = -1;
  for (size_t k = h->count; k-- > 0;) {
    h2_entry_t *e = &h->entries[k];
    e->has = e->full = 0;
    e->in4k = e->in2m = 0;
    for (int f = 0; f < 16; f++) {
      if (e->field[f]) e->has |= (uint16_t)(1u << f);
      if (e->field[f] == 0xffffffffu) e->full |= (uint16_t)(1u << f);
    }
    e->is_2m = e->full == 0xffff;
    if (e->is_2m) h2_push2m(h, (int32_t)k);
    else if (e->has) h2_push4k(h, (int32_t)k);
  }
}

static inline int32_t h2_pop2m(hier2m_t *h) {
  while (h->head2m >= 0) {
    int32_t i = h->head2m;
    h2_entry_t *e = &h->entries[i];
    h->head2m = e->next2m;
    e->in2m = 0;
    if (e->is_2m && e->full == 0xffff) return i;
  }
  return -1;
}

static inline pfn_t h2_alloc(hier2m_t *h) {
  int32_t i;
  h2_entry_t *e;
  for (;;) {
    i = h->head4k;
    if (i < 0) {
      i = h2_pop2m(h);
      if (i < 0) return NO_FRAME;
      e = &h->entries[i];
      e->is_2m = 0; /* split a 2 MiB entry for 4 KiB pages */
      h2_push4k(h, i);
      break;
    }
    e = &h->entries[i];
    if (!e->is_2m && e->has) break;
    h->head4k = e->next4k; /* stale: the entry went back to 2 MiB use */
    e->in4k = 0;
  }
  int f = __builtin_ctz(e->has);
  int bit = __builtin_ctz(e->field[f]);
  e->field[f] &= ~(1u << bit);
  if (!e->field[f]) e->has &= (uint16_t)~(1u << f);
  e->full &= (uint16_t)~(1u << f);
  if (!e->has) { /* no page left: off the 4 KiB list */
    h->head4k = e->next4k;
    e->in4k = 0;
  }
  h->free_frames--;
  return ((pfn_t)i << 9) | (f << 5) | bit;
}

/* 0 on success, -1 on a double free or a frame of a 2 MiB allocation. */
static inline int h2_free(hier2m_t *h, pfn_t pfn) {
  int32_t i = (int32_t)(pfn >> 9);
  h2_entry_t *e = &h->entries[i];
  if (e->is_2m) return -1;
  int f = (int)((pfn >> 5) & 15);
  uint32_t bit = 1u << (pfn & 31);
  if (e->field[f] & bit) return -1;
  int was_empty = e->has == 0;
  e->field[f] |= bit;
  e->has |= (uint16_t)(1u << f);
  if (e->field[f] == 0xffffffffu) e->full |= (uint16_t)(1u << f);
  if (e->full == 0xffff) { /* merged back into a free 2 MiB entry */
    e->is_2m = 1;
    h2_push2m(h, i);
  } else if (was_empty) {
    h2_push4k(h, i);
  }
  h->free_frames++;
  return 0;
}

static inline pfn_t h2_alloc2m(hier2m_t *h) {
  int32_t i = h2_pop2m(h);
  if (i < 0) return NO_FRAME;
  h2_entry_t *e = &h->entries[i];
  e->full = 0; /* is_2m with no free field: allocated whole */
  e->has = 0;
  h->free_frames -= 512;
  return (pfn_t)i << 9;
}

static inline int h2_free2m(hier2m_t *h, pfn_t pfn) {
  if (pfn & 511) return -1;
  int32_t i = (int32_t)(pfn >> 9);
  h2_entry_t *e = &h->entries[i];
  if (!e->is_2m || e->full != 0) return -1;
  e->full = e->has = 0xffff;
  h2_push2m(h, i);
  h->free_frames += 512;
  return 0;
}

static size_t h2_metadata_bytes(const hier2m_t *h) { return h->count * sizeof(h2_entry_t); }
