/** The sim's seeded generator is core's one `Rng` (mulberry32), so workloads draw what tests and the bench draw. */
export { Rng } from '@framekit/core/plugin';
