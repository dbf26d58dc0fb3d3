/** Float64 words each worker of `runOnWorkers` writes: ops, ms, failed. */
export const RESULT_WORDS = 3;
