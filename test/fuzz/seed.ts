/**
 * The seed of a file's property tests: RHX_FUZZ_SEED (or the older FUZZ_SEED) replays a run, otherwise
 * a random one is drawn. Printed either way, so "it failed once in CI" becomes a command that fails
 * every time; a seed that found a bug then stays in the file as a fixed regression case.
 */
export function fuzzSeed(label: string, env: NodeJS.ProcessEnv = process.env): number {
  const given = env.RHX_FUZZ_SEED ?? env.FUZZ_SEED;
  const seed = given === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`RHX_FUZZ_SEED must be an integer, not ${given}`);
  console.log(`${label}: RHX_FUZZ_SEED=${seed} (set it to replay this run)`);
  return seed;
}

/** Runs per property: RHX_FUZZ_RUNS overrides the file's default (more in a nightly job, fewer locally). */
export function fuzzRuns(fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.RHX_FUZZ_RUNS ?? fallback);
}
