/**
 * Issue 12, size: `rhx validate` on 1 MiB files of every adversarial shape (bench/large-files.mjs),
 * whole processes, against the same process on a small example file measured alternately in the
 * same run. Target: under 2 s each (files over the entry limit are refused before parsing, which
 * is their answer). RHX_BENCH_SHAPES=a,b limits the run to those shapes.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LARGE_SHAPES, MIB } from "../large-files.mjs";

export const name = "validate-large";
export const description = "rhx validate on 1 MiB files of adversarial shapes (whole processes)";

export function requires(ctx) {
  return existsSync(ctx.bin) ? undefined : "dist/ is not built (npm run bench builds it)";
}

export async function run(ctx) {
  const dir = mkdtempSync(join(tmpdir(), "rhx-bench-large-"));
  const env = { PATH: process.env.PATH ?? "", NO_COLOR: "1" };
  // Each run takes seconds: fewer than the harness's default, still alternating with the baseline.
  const runs = Math.max(5, Math.floor(ctx.runs / 4));
  const small = join(ctx.root, "examples/public-pytorch.yaml");
  const validate = (file) => () =>
    ctx.timeProcess(ctx.node, [ctx.bin, "validate", file], { env, timeoutMs: 120_000 });
  const metrics = [];
  try {
    // RHX_BENCH_SHAPES=unknown-keys,huge-string measures only those.
    const only = process.env.RHX_BENCH_SHAPES?.split(",");
    for (const [shape, make] of Object.entries(LARGE_SHAPES)) {
      if (only && !only.includes(shape)) continue;
      const file = join(dir, `${shape}.yaml`);
      writeFileSync(file, make(MIB));
      ctx.log(`validate-large: ${shape}`);
      const r = ctx.compare({ runs, warmup: 1, baseline: validate(small), subject: validate(file) });
      metrics.push({
        name: `1 MiB ${shape}`,
        value: r.subject.median,
        unit: "ms",
        target: { max: 2000, unit: " ms" },
        note: `${r.subject.n} runs; p25–p75 ${r.subject.p25.toFixed(0)}–${r.subject.p75.toFixed(0)} ms; validate of a small example in the same runs: ${r.baseline.median.toFixed(0)} ms`,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { metrics };
}
