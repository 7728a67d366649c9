/**
 * Many clusters in one file, on the local Docker engine. It measures, it does not gate:
 *
 *  - 64 clusters applied cold at `--concurrency 8`, against waves × one cluster's cold apply
 *    (8 waves; the one-cluster cold apply is measured in the same run, median of a few): target ≤ 1.2 ×;
 *  - a no-op `rhx plan` of 100 clusters (all running, nothing changed): target < 2 s, and the same
 *    plan of 25 and 50 of them beside it, to show how it grows.
 *
 * Every cluster runs the rhx-test/runhouse image (static busybox plus a fake Runhouse CLI, built by
 * scripts/setup-machine.sh): a few MB, so the engine's own work is what is measured, not a pull. Every
 * container the case starts carries rhx's labels and is removed at the end, by label, even when a
 * step fails or the bench is interrupted. Knobs: RHX_BENCH_MANY_CLUSTERS (64), RHX_BENCH_MANY_CONCURRENCY
 * (8), RHX_BENCH_PLAN_CLUSTERS (100), RHX_BENCH_MANY_COLD (one-cluster cold applies, 3),
 * RHX_BENCH_PLAN_RUNS (plans per size, 5). Several minutes with the defaults.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cliArgv, freePort, imageMissing, summarize, timeRhx } from "../run.mjs";

const IMAGE = "rhx-test/runhouse:0.0.36";

export const name = "many";
export const description = "64 clusters at --concurrency 8 against waves × one cold apply; no-op plan of 100";

export function requires() {
  return imageMissing(IMAGE);
}

export async function run({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const count = Number(process.env.RHX_BENCH_MANY_CLUSTERS ?? 64);
  const concurrency = Number(process.env.RHX_BENCH_MANY_CONCURRENCY ?? 8);
  const planCount = Math.max(count, Number(process.env.RHX_BENCH_PLAN_CLUSTERS ?? 100));
  const coldRuns = Number(process.env.RHX_BENCH_MANY_COLD ?? 3);
  const planRuns = Number(process.env.RHX_BENCH_PLAN_RUNS ?? 5);
  const dir = await mkdtemp(join(tmpdir(), "rhx-bench-many-"));
  const prefix = `bm-${process.pid.toString(36)}-${Date.now().toString(36)}`;
  const names = Array.from({ length: planCount }, (_, i) => `${prefix}-${i}`);
  const ports = [];
  for (let i = 0; i < planCount; i++) ports.push(await freeDistinctPort(ports));
  const cli = cliArgv();
  const stateDir = join(dir, "state");
  const file = async (n, fileName) => {
    const path = join(dir, fileName);
    await writeFile(
      path,
      names
        .slice(0, n)
        .map((name, i) => clusterDoc(name, ports[i]))
        .join("---\n"),
    );
    return path;
  };
  const rhx = (args, state = stateDir) =>
    timeRhx(cli.argv, args, {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", RHX_STATE_DIR: state, CI: "true", NO_COLOR: "1" },
      timeoutMs: 1_800_000,
    });
  // A bench killed from outside never reaches `finally`: remove what it started, synchronously.
  const onSignal = (signal) => {
    removeContainersSync(prefix);
    process.kill(process.pid, signal);
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  try {
    const cold = [];
    const one = await file(1, "one.yaml");
    for (let i = 0; i < coldRuns; i++) {
      removeContainersSync(prefix);
      cold.push((await rhx(["apply", one], join(dir, `cold-${i}`))).ms);
      log(`many: one cluster, cold apply ${cold.at(-1).toFixed(0)} ms`);
    }
    removeContainersSync(prefix);

    const waves = Math.ceil(count / concurrency);
    const many = await file(count, "many.yaml");
    log(`many: applying ${count} clusters at --concurrency ${concurrency}…`);
    const manyMs = (await rhx(["apply", many, "--concurrency", String(concurrency)])).ms;
    log(`many: ${count} clusters in ${manyMs.toFixed(0)} ms`);

    const all = await file(planCount, "all.yaml");
    if (planCount > count) await rhx(["apply", all, "--concurrency", String(concurrency)]);
    const plans = [];
    for (const n of [Math.round(planCount / 4), Math.round(planCount / 2), planCount]) {
      const path = n === planCount ? all : await file(n, `plan-${n}.yaml`);
      const times = [];
      for (let i = 0; i < planRuns; i++) {
        const result = await rhx(["plan", path]);
        if (!/No changes/.test(result.stderr)) throw new Error(`not a no-op plan:\n${result.stderr}`);
        times.push(result.ms);
      }
      plans.push({ clusters: n, ...summarize(times) });
      log(`many: no-op plan of ${n} clusters, median ${plans.at(-1).median.toFixed(0)} ms`);
    }

    const coldS = summarize(cold);
    const floor = waves * coldS.median;
    const biggest = plans.at(-1);
    const perCluster = plans.map((p) => `${p.clusters}: ${p.median.toFixed(0)} ms`).join(", ");
    return {
      metrics: [
        { name: "one cluster, cold apply", value: coldS.median, unit: "ms", spread: coldS },
        {
          name: `${count} clusters at --concurrency ${concurrency}, against ${waves} waves × one cold apply`,
          value: manyMs,
          unit: "ms",
          baseline: floor,
          ratio: manyMs / floor,
          target: { max: 1.2, unit: "×" },
          note: `one run of ${count} (a single sample); the one-cluster cold apply: ${cold.map((c) => c.toFixed(0)).join(", ")} ms`,
        },
        {
          name: `no-op plan of ${planCount} clusters`,
          value: biggest.median,
          unit: "ms",
          spread: biggest,
          target: { below: 2000, unit: " ms" },
          note: `${planRuns} runs per size; medians by size: ${perCluster}`,
        },
      ],
      notes: [`image ${IMAGE}; every container removed by its rhx.cluster label afterwards`],
      samples: { coldMs: cold, manyMs, plans },
    };
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    removeContainersSync(prefix);
    await rm(dir, { recursive: true, force: true });
  }
}

export default run;

function clusterDoc(name, port) {
  return [
    `name: ${name}`,
    "provider: local",
    `image_id: docker:${IMAGE}`,
    "setup:",
    `  - echo ${name} > /tmp/who`,
    "runhouse:",
    '  version: "0.0.36"',
    "server:",
    `  port: ${port}`,
    "",
  ].join("\n");
}

/** Containers rhx started for this run's clusters: found by rhx's label, never by name alone. */
function removeContainersSync(prefix) {
  const listed = spawnSync(
    "docker",
    ["ps", "--all", "--filter", "label=rhx.managed-by=rhx", "--format", '{{.ID}} {{.Label "rhx.cluster"}}'],
    { encoding: "utf8" },
  );
  const ids = String(listed.stdout ?? "")
    .split("\n")
    .map((line) => line.split(" "))
    .filter(([id, cluster]) => id && cluster?.startsWith(`${prefix}-`))
    .map(([id]) => id);
  if (ids.length > 0) spawnSync("docker", ["rm", "--force", ...ids], { stdio: "ignore" });
}

async function freeDistinctPort(taken) {
  for (;;) {
    const port = await freePort();
    if (!taken.includes(port)) return port;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  run().then(
    (result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
    (error) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
