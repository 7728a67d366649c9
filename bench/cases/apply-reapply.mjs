/**
 * Benchmark case for `rhx apply` (issue 3, Performance). It measures, it does not gate:
 *
 *  - a cold first apply of a cluster (nothing running, no state): launch, setup, server;
 *  - a no-op re-apply of the same cluster, as a ratio of the cold apply, and against its floor: `node -e 0`
 *    plus one `docker inspect` of the container, back to back (the least a no-op can do), alternating;
 *  - a setup-only change (the last setup command edited) of the same cluster, as a ratio of the cold apply;
 *  - what a no-op asks of Docker: the docker commands it ran (through a recording `docker` on PATH),
 *    which must be one `inspect` and never login, pull or exec.
 *
 * Medians over several rounds; each round starts from a torn-down cluster and a fresh state dir and
 * measures cold → no-ops → setup changes, so a drifting machine hits all three alike. Real engine: the
 * quickstart registry of scripts/setup-machine.sh when it is up (so the cold apply logs in and pulls, as
 * a user's first apply does), else the local rhx-test image. Runs the built CLI (dist/, as
 * `npm run bench` builds it first) and falls back to the sources through tsx when dist/ is older.
 * Case API: bench/README.md. Standalone: `node bench/cases/apply-reapply.mjs` prints the result as
 * JSON. Knobs: RHX_BENCH_APPLY_ROUNDS (cold applies, 3), RHX_BENCH_APPLY_REPEATS (no-op and
 * setup-change applies per round, 3), RHX_BENCH_RUNS (no-op against the floor, 21). About 3 minutes
 * with the defaults on a quiet machine.
 */
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { cliArgv, compare, freePort, imageMissing, summarize, timeProcess, timeRhx } from "../run.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const LOCAL_IMAGE = "rhx-test/runhouse:0.0.36";

export const name = "apply";
export const description = "rhx apply: a no-op re-apply and a setup-only change, against a cold first apply";

/** The harness skips the case, with this reason, on a machine without the engine or the test image. */
export function requires() {
  return imageMissing(LOCAL_IMAGE);
}

export async function run({ log = (line) => process.stderr.write(`${line}\n`), runs = 21 } = {}) {
  const rounds = Number(process.env.RHX_BENCH_APPLY_ROUNDS ?? 3);
  const repeats = Number(process.env.RHX_BENCH_APPLY_REPEATS ?? 3);
  const dir = await mkdtemp(join(tmpdir(), "rhx-bench-apply-"));
  const cluster = `bench-apply-${process.pid.toString(36)}-${Date.now().toString(36)}`;
  const registry = await quickstartRegistry();
  const cli = cliArgv();
  const port = await freePort();
  const recorder = await recordingDocker(dir);
  const yaml = (last) =>
    [
      `name: ${cluster}`,
      "provider: local",
      `image_id: docker:${registry ? "rhx/runhouse:0.0.36" : LOCAL_IMAGE}`,
      "env:",
      "  GREETING: hello",
      "setup:",
      '  - echo "$GREETING" > /tmp/greeting',
      `  - ${JSON.stringify(last)}`,
      "runhouse:",
      '  version: "0.0.36"',
      "server:",
      `  port: ${port}`,
    ].join("\n");
  const file = join(dir, "cluster.yaml");
  if (registry)
    await writeFile(
      join(dir, ".env"),
      `SKYPILOT_DOCKER_USERNAME=${registry.username}\nSKYPILOT_DOCKER_PASSWORD=${registry.password}\nSKYPILOT_DOCKER_SERVER=${registry.host}\n`,
    );
  const rhx = (args, stateDir, extraEnv = {}) =>
    timeRhx(cli.argv, args, {
      cwd: dir,
      env: { ...process.env, RHX_STATE_DIR: stateDir, CI: "true", NO_COLOR: "1", ...extraEnv },
      timeoutMs: 600_000,
    });

  const cold = [];
  const noop = [];
  const setupChange = [];
  let noopDocker = [];
  let floor;
  try {
    for (let round = 0; round < rounds; round++) {
      const stateDir = join(dir, `state-${round}`);
      await execa("docker", ["rm", "--force", `rhx-${cluster}`], { reject: false });
      await writeFile(file, yaml("echo v0 > /tmp/last"));
      cold.push((await rhx(["apply"], stateDir)).ms);
      for (let i = 0; i < repeats; i++) {
        const result = await rhx(["apply"], stateDir);
        if (!result.stderr.includes("nothing to do")) throw new Error(`not a no-op:\n${result.stderr}`);
        noop.push(result.ms);
      }
      for (let i = 0; i < repeats; i++) {
        await writeFile(file, yaml(`echo v${round}-${i + 1} > /tmp/last`));
        const result = await rhx(["apply"], stateDir);
        if (!result.stderr.includes("run setup from step 3"))
          throw new Error(`not a setup-only change:\n${result.stderr}`);
        setupChange.push(result.ms);
      }
      if (round === 0) {
        await writeFile(recorder.log, "");
        await rhx(["apply"], stateDir, {
          PATH: `${recorder.bin}${delimiter}${process.env.PATH ?? ""}`,
          RHX_BENCH_ARGV_LOG: recorder.log,
        });
        noopDocker = (await readFile(recorder.log, "utf8")).split("\n").filter(Boolean);
      }
      log(
        `apply: round ${round + 1}/${rounds}: cold ${cold.at(-1).toFixed(0)} ms, no-op ${noop
          .slice(-repeats)
          .map((v) => v.toFixed(0))
          .join("/")} ms, setup change ${setupChange
          .slice(-repeats)
          .map((v) => v.toFixed(0))
          .join("/")} ms`,
      );
    }
    log(`apply: no-op re-apply against the floor, ${runs} alternating runs`);
    floor = noopAgainstFloor(cli, dir, join(dir, `state-${rounds - 1}`), `rhx-${cluster}`, runs);
  } finally {
    await execa("docker", ["rm", "--force", `rhx-${cluster}`], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }

  const coldS = summarize(cold);
  const noopS = summarize(noop);
  const setupS = summarize(setupChange);
  const spread = (x) =>
    `${x.n} runs: p25 ${x.p25.toFixed(0)}, p75 ${x.p75.toFixed(0)}, max ${x.max.toFixed(0)} ms`;
  const forbidden = noopDocker.filter((line) => /^(login|pull|exec|run|rm|start)\b/.test(line));
  return {
    name,
    description,
    metrics: [
      {
        name: "cold first apply (launch, setup, server ready)",
        value: coldS.median,
        unit: "ms",
        note: spread(coldS),
      },
      {
        name: "no-op re-apply, against the cold apply",
        value: noopS.median,
        unit: "ms",
        baseline: coldS.median,
        ratio: noopS.median / coldS.median,
        note: spread(noopS),
      },
      {
        name: "setup-only change (last command edited), against the cold apply",
        value: setupS.median,
        unit: "ms",
        baseline: coldS.median,
        ratio: setupS.median / coldS.median,
        note: spread(setupS),
      },
      {
        name: "no-op re-apply, against the floor (node -e 0, then one docker inspect of the container)",
        value: floor.subject.median,
        unit: "ms",
        baseline: floor.baseline.median,
        ratio: floor.ratio,
        spread: floor.subject,
        target: { max: 1.5, unit: "×" },
        note: `${floor.subject.n} alternating runs each; floor p25–p75 ${floor.baseline.p25.toFixed(0)}–${floor.baseline.p75.toFixed(0)} ms`,
      },
      {
        name: "docker login/pull/exec/run/rm in a no-op re-apply",
        value: forbidden.length,
        unit: "",
        target: { max: 0, unit: "" },
        note: `a no-op ran ${noopDocker.length} docker command(s): ${noopDocker.map((l) => l.split(" ")[0]).join(", ")}`,
      },
    ],
    notes: [
      registry
        ? `the cold apply logs in to and pulls from the quickstart registry ${registry.host}`
        : `quickstart registry not up: the local image ${LOCAL_IMAGE}, no login or pull in the cold apply`,
      ...(cli.fromSource ? ["ran from the sources through tsx (dist/ missing or older than src/)"] : []),
    ],
    samples: { coldMs: cold, noopMs: noop, setupChangeMs: setupChange, noopDocker },
  };
}

export default run;

/**
 * The least a no-op apply can cost: start Node, and ask the engine about the one container. Both run
 * back to back as the floor, alternating with a whole `rhx apply` of the running cluster.
 */
function noopAgainstFloor(cli, cwd, stateDir, container, runs) {
  const env = { PATH: process.env.PATH ?? "", RHX_STATE_DIR: stateDir, CI: "true", NO_COLOR: "1" };
  return compare({
    runs,
    warmup: 2,
    baseline: () =>
      timeProcess(process.execPath, ["-e", "0"], { cwd, env, expectExit: 0 }) +
      timeProcess("docker", ["inspect", container], { cwd, env, expectExit: 0 }),
    subject: () => timeProcess(process.execPath, [...cli.argv, "apply"], { cwd, env, expectExit: 0 }),
  });
}

/** A `docker` that logs each call's argv (one line, space-joined) and runs the real one. */
async function recordingDocker(dir) {
  const real = (await execa("sh", ["-c", "command -v docker"])).stdout.trim();
  const bin = join(dir, "bin");
  const log = join(dir, "docker-argv.log");
  await execa("mkdir", ["-p", bin]);
  await writeFile(
    join(bin, "docker"),
    `#!/bin/sh\necho "$*" >>"$RHX_BENCH_ARGV_LOG"\nexec ${JSON.stringify(real)} "$@"\n`,
  );
  await chmod(join(bin, "docker"), 0o755);
  return { bin, log };
}

async function quickstartRegistry() {
  const file = join(ROOT, ".rhx-test", "registry", "password");
  const password = existsSync(file) ? readFileSync(file, "utf8").split("\n")[0].trim() : "";
  if (password === "") return undefined;
  const up = await fetch("http://127.0.0.1:5055/v2/", { signal: AbortSignal.timeout(3_000) }).then(
    (res) => res.status === 401 || res.ok,
    () => false,
  );
  return up ? { host: "127.0.0.1:5055", username: "rhx", password } : undefined;
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
