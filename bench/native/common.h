/*
 * framekit bench — native reference: shared helpers.
 * Our own C implementations of the algorithms framekit's TypeScript packages implement,
 * so that every TypeScript figure can be read as a ratio measured in the same run.
 */
#ifndef FRAMEKIT_REF_COMMON_H
#define FRAMEKIT_REF_COMMON_H

#include <stdint.h>
#include <stddef.h>

#define NO_FRAME (-1LL)
#define FRAMES_PER_2MIB 512

typedef int64_t pfn_t;

/* mulberry32: the same 32-bit generator as bench/src/prng.ts, so both sides draw the same numbers. */
typedef struct { uint32_t a; } prng_t;

static inline uint32_t prng_next(prng_t *r) {
  uint32_t t;
  r->a += 0x6D2B79F5u;
  t = r->a;
  t = (t ^ (t >> 15)) * (t | 1u);
  t = (t + (t ^ (t >> 7)) * (t | 61u)) ^ t;
  return t ^ (t >> 14);
}

/* A frame range [start, start + count). */
typedef struct { pfn_t start; pfn_t count; } range_t;

/*
 * The fragmentation recipe (packages/core/src/testing/fragment.ts documents it): the space is walked from
 * frame 0 as alternating used extents and free holes, lengths drawn from one seeded
 * generator. Every integer parameter is computed on the TypeScript side and passed here.
 */
typedef struct {
  uint32_t seed;
  uint32_t used_max;     /* used extent: 1 + rand % used_max frames */
  uint32_t hole_max;     /* small hole: 1 + rand % hole_max frames */
  uint32_t big_one_in;   /* a hole is big with probability 1 / big_one_in */
  uint32_t big_min;      /* big hole: big_min + rand % (big_max - big_min + 1) frames */
  uint32_t big_max;
} recipe_t;

typedef void (*hole_fn)(void *ctx, pfn_t start, pfn_t count);

/* Calls `visit` for every free hole of the recipe over [0, frames), in ascending order. */
void recipe_holes(const recipe_t *recipe, pfn_t frames, hole_fn visit, void *ctx);

#endif
