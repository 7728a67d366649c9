import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzRuns, fuzzSeed } from "./seed.ts";

describe("fuzz seeds", () => {
  it("RHX_FUZZ_SEED (or FUZZ_SEED) replays a run", () => {
    expect(fuzzSeed("test", { RHX_FUZZ_SEED: "297424358" })).toBe(297424358);
    expect(fuzzSeed("test", { FUZZ_SEED: "42" })).toBe(42);
    expect(fuzzSeed("test", { RHX_FUZZ_SEED: "7", FUZZ_SEED: "42" })).toBe(7);
  });

  it("the same seed draws the same inputs", () => {
    const seed = fuzzSeed("test", { RHX_FUZZ_SEED: "1234" });
    const draw = () => fc.sample(fc.string({ maxLength: 20 }), { seed, numRuns: 20 });
    expect(draw()).toEqual(draw());
  });

  it("without one, draws a fresh integer seed", () => {
    const seed = fuzzSeed("test", {});
    expect(Number.isSafeInteger(seed)).toBe(true);
    expect(seed).toBeGreaterThanOrEqual(0);
  });

  it("rejects a seed that is not an integer", () => {
    expect(() => fuzzSeed("test", { RHX_FUZZ_SEED: "abc" })).toThrow("RHX_FUZZ_SEED must be an integer");
  });

  it("RHX_FUZZ_RUNS overrides the run count", () => {
    expect(fuzzRuns(200, {})).toBe(200);
    expect(fuzzRuns(200, { RHX_FUZZ_RUNS: "5" })).toBe(5);
  });
});
