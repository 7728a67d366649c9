/**
 * How much a whole `rhx validate examples/public-pytorch.yaml` process costs next to the cheapest
 * Node process there is (`node -e 0`), measured alternately in the same run. Target: a ratio of at
 * most 1.7 (what is left is Node's own start plus what validate must load).
 */
import { existsSync } from "node:fs";

export const name = "validate";
export const description = "rhx validate examples/public-pytorch.yaml vs node -e 0 (whole processes)";

export function requires(ctx) {
  return existsSync(ctx.bin) ? undefined : "dist/ is not built (npm run bench builds it)";
}

export async function run(ctx) {
  const env = { PATH: process.env.PATH ?? "", NO_COLOR: "1" };
  const node = () => ctx.timeProcess(ctx.node, ["-e", "0"], { env, expectExit: 0 });
  const rhx =
    (...args) =>
    () =>
      ctx.timeProcess(ctx.node, [ctx.bin, ...args], { env, expectExit: 0 });
  const validate = ctx.compare({
    runs: ctx.runs,
    warmup: 3,
    baseline: node,
    subject: rhx("validate", "examples/public-pytorch.yaml"),
  });
  // Where the time goes: the CLI shell alone (argument parsing, output), measured the same way.
  const shell = ctx.compare({ runs: ctx.runs, warmup: 2, baseline: node, subject: rhx("--version") });
  const spread = (s) => `p25–p75 ${s.p25.toFixed(0)}–${s.p75.toFixed(0)} ms`;
  return {
    metrics: [
      {
        name: "rhx validate, whole process",
        value: validate.subject.median,
        unit: "ms",
        baseline: validate.baseline.median,
        ratio: validate.ratio,
        spread: validate.subject,
        target: { max: 1.7, unit: "×" },
        note: `${validate.subject.n} alternating runs each; rhx ${spread(validate.subject)}, node -e 0 ${spread(validate.baseline)}`,
      },
      {
        name: "rhx --version (the CLI shell alone, for attribution)",
        value: shell.subject.median,
        unit: "ms",
        baseline: shell.baseline.median,
        ratio: shell.ratio,
        spread: shell.subject,
      },
    ],
  };
}
