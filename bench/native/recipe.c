#include "common.h"

void recipe_holes(const recipe_t *recipe, pfn_t frames, hole_fn visit, void *ctx) {
  prng_t rng = { recipe->seed };
  pfn_t at = 0;
  while (at < frames) {
    at += 1 + (pfn_t)(prng_next(&rng) % recipe->used_max);
    if (at >= frames) break;
    pfn_t hole;
    if (prng_next(&rng) % recipe->big_one_in == 0) {
      hole = recipe->big_min + (pfn_t)(prng_next(&rng) % (recipe->big_max - recipe->big_min + 1));
    } else {
      hole = 1 + (pfn_t)(prng_next(&rng) % recipe->hole_max);
    }
    if (hole > frames - at) hole = frames - at;
    visit(ctx, at, hole);
    at += hole;
  }
}
