/**
 * Numeric flags: a value outside its range is a usage error (exit 64) that names the range, before
 * anything is read or done — including negative numbers, which the argv parser would otherwise take
 * for unknown options.
 */
import { describe, expect, it } from "vitest";
import { joinNegativeValues, parseDuration } from "../../src/cli/flags.ts";
import { runCli, STACK_LINE } from "../helpers/run-cli.ts";

// Each names a file that does not exist: the flag must be refused before the file is looked for.
const BAD: [string[], string][] = [
  [["apply", "--step-timeout", "0"], "--step-timeout takes a duration from 1s to 24h, not `0`."],
  [["apply", "--step-timeout", "500ms"], "--step-timeout takes a duration from 1s to 24h, not `500ms`."],
  [["apply", "--step-timeout", "99999999m"], "from 1s to 24h, not `99999999m`."],
  [["apply", "--step-timeout", "25h"], "from 1s to 24h, not `25h`."],
  [["apply", "--step-timeout", "-1s"], "from 1s to 24h, not `-1s`."],
  [["apply", "--step-timeout", "soon"], "from 1s to 24h, not `soon`."],
  // The argv parser reads number-like values as numbers: the message shows the number it saw.
  [["apply", "--step-timeout", "1e9"], "from 1s to 24h, not `1000000000`."],
  [["apply", "--step-timeout", "Infinity"], "from 1s to 24h, not `Infinity`."],
  [["apply", "--concurrency", "-1"], "--concurrency takes a whole number from 1 to 64, not `-1`."],
  [["apply", "--concurrency", "0"], "from 1 to 64, not `0`."],
  [["apply", "--concurrency", "65"], "from 1 to 64, not `65`."],
  [["apply", "--concurrency", "1e9"], "from 1 to 64, not `1000000000`."],
  [["apply", "--concurrency", "2.5"], "from 1 to 64, not `2.5`."],
  [["apply", "--concurrency", "four"], "from 1 to 64, not `four`."],
  [["apply", "--concurrency=-3"], "from 1 to 64, not `-3`."],
  [["plan", "--concurrency", "-1"], "from 1 to 64, not `-1`."],
  [["apply", "--lock-timeout", "-5"], "--lock-timeout takes a duration from 0s to 24h, not `-5`."],
  [["apply", "--lock-timeout", "-.5"], "from 0s to 24h, not `-0.5`."],
  [["apply", "--lock-timeout", "2d"], "from 0s to 24h, not `2d`."],
  [["apply", "--lock-timeout", "48h"], "from 0s to 24h, not `48h`."],
  [["down", "--yes", "--lock-timeout", "-5"], "--lock-timeout takes a duration from 0s to 24h, not `-5`."],
];

describe("numeric flags", () => {
  it.each(BAD)("rhx %j → exit 64 naming the range", async (argv, message) => {
    const result = await runCli([...argv, "missing-dir/none.yaml"], { env: { CI: "1" } });
    expect(result.exitCode, result.stderr).toBe(64);
    expect(result.stderr).toContain("RHX_USAGE");
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain("Unknown option");
    expect(result.stderr).not.toContain("RHX_CONFIG_NOT_FOUND");
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it.each([
    ["30", 30_000],
    ["30s", 30_000],
    ["1.5m", 90_000],
    ["2h", 7_200_000],
    ["1000ms", 1000],
    ["24h", 86_400_000],
  ])("a step timeout of %s is %i ms", (text, ms) => {
    expect(parseDuration(text, "--step-timeout", { min: 1000, max: 86_400_000 }, 0)).toBe(ms);
  });

  it("a negative number after a value flag is its value; after `--` it is left alone", () => {
    const flags = new Set(["--concurrency", "--lock-timeout"]);
    expect(joinNegativeValues(["apply", "--concurrency", "-1", "a.yaml"], flags)).toEqual([
      "apply",
      "--concurrency=-1",
      "a.yaml",
    ]);
    expect(joinNegativeValues(["ssh", "x", "--", "--concurrency", "-1"], flags)).toEqual([
      "ssh",
      "x",
      "--",
      "--concurrency",
      "-1",
    ]);
    expect(joinNegativeValues(["apply", "-y", "--concurrency", "2"], flags)).toEqual([
      "apply",
      "-y",
      "--concurrency",
      "2",
    ]);
  });
});
