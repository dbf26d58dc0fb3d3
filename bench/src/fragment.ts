import type { FragmentRecipe } from '@framekit/core/testing';

// The recipe itself is core's (`@framekit/core/testing`); the bench adds how the C side receives it.

/** The recipe as `key=value` arguments of `framekit-ref`. */
export function recipeArgs(recipe: FragmentRecipe): string[] {
  return [
    'frag=1',
    `recipe_seed=${recipe.seed}`,
    `used_max=${recipe.usedMax}`,
    `hole_max=${recipe.holeMax}`,
    `big_one_in=${recipe.bigOneIn}`,
    `big_min=${recipe.bigMin}`,
    `big_max=${recipe.bigMax}`,
  ];
}
