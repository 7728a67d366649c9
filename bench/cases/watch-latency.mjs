/**
 * Benchmark case for `rhx apply --watch` (issue 6, Performance). It measures, it does not gate:
 *
 *  - latency: from saving a changed setup line to the first byte of that command's output, the
 *    debounce quiet period included (target ≤ 250 ms, median), with its spread over several saves;
 *  - memory: the watcher's resident set when idle, and after many change cycles (500 by default):
 *    target ≤ 80 MiB, and flat (the second half of the cycles adds no more than noise).
 *
 * Real engine, real files: a cluster on the local Docker engine from the rhx-test image (run
 * scripts/setup-machine.sh once). It runs the built CLI (dist/, as `npm run bench` builds it first) and
 * falls back to the sources through tsx when dist/ is older. Case API: bench/README.md. Standalone:
 * `node bench/cases/watch-latency.mjs` prints the result as JSON. Knobs: RHX_BENCH_WATCH_SAVES
 * (latency samples, 10), RHX_BENCH_WATCH_CYCLES (500). About 7 minutes with the defaults.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { builtIsCurrent, freePort, imageMissing, summarize } from "../run.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The watcher's quiet period today; reported beside the latency, which includes it. */
const QUIET_MS = 300;
/** RSS growth over the second half of the cycles that still counts as flat (GC timing, allocator). */
const FLAT_MIB = 4;
const IMAGE = "rhx-test/runhouse:0.0.36";

export const name = "watch";
export const description = "rhx apply --watch: save-to-output latency and watcher memory";

/** The harness skips the case, with this reason, on a machine without the engine or the test image. */
export function requires() {
  return imageMissing(IMAGE);
}

export async function run({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const saves = Number(process.env.RHX_BENCH_WATCH_SAVES ?? 10);
  const cycles = Number(process.env.RHX_BENCH_WATCH_CYCLES ?? 500);
  const dir = await mkdtemp(join(tmpdir(), "rhx-bench-watch-"));
  const cluster = `bench-watch-${process.pid.toString(36)}-${Date.now().toString(36)}`;
  const port = await freePort();
  const file = join(dir, "cluster.yaml");
  const yaml = (setup, comment = "") =>
    [
      `name: ${cluster}`,
      "provider: local",
      `image_id: docker:${IMAGE}`,
      "setup:",
      `  - ${JSON.stringify(setup)}`,
      "runhouse:",
      '  version: "0.0.36"',
      "  install: true",
      "server:",
      `  port: ${port}`,
      comment ? `# ${comment}` : "",
    ].join("\n");
  await writeFile(file, yaml("echo bench-start"));
  const watch = startWatch(dir, join(dir, "state"));
  // A bench killed from outside (a timeout, Ctrl-C) never reaches `finally`: clean up synchronously.
  const onSignal = (signal) => {
    watch.child.kill("SIGKILL");
    spawnSync("docker", ["rm", "--force", `rhx-${cluster}`], { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  try {
    await watch.next((e) => e.type === "apply-finished", 120_000);

    const latencies = [];
    for (let i = 0; i < saves; i++) {
      const marker = `bench-line-${i}`;
      const from = watch.events.length;
      const saved = performance.now();
      await writeFile(file, yaml(`echo ${marker}`));
      const output = await watch.next((e) => e.type === "step-output" && e.line === marker, 60_000, from);
      latencies.push(output.arrivedAt - saved);
      await watch.next((e) => e.type === "apply-finished", 60_000, from);
    }
    log(`watch: latency samples (ms, debounce included): ${latencies.map((l) => l.toFixed(0)).join(" ")}`);

    await sleep(3_000);
    const idleRss = rssKb(watch.child.pid);
    const rssAt = [{ cycle: 0, mib: idleRss / 1024 }];
    const started = performance.now();
    for (let i = 0; i < cycles; i++) {
      const from = watch.events.length;
      // Mostly edits that plan to no change (a comment): load, validate, plan against the engine. Every
      // 25th is a setup change that runs the whole pipeline, so its memory is in the picture too.
      const real = i % 25 === 24;
      await writeFile(
        file,
        real ? yaml(`echo cycle-${i}`) : yaml(`echo cycle-${i - (i % 25) - 1}`, `edit ${i}`),
      );
      await watch.next((e) => e.type === "apply-finished", 60_000, from);
      if (i + 1 === Math.floor(cycles / 2)) {
        await sleep(3_000);
        rssAt.push({ cycle: i + 1, mib: rssKb(watch.child.pid) / 1024 });
      }
      if (i % 100 === 99)
        log(`watch: ${i + 1}/${cycles} change cycles, rss ${(rssKb(watch.child.pid) / 1024).toFixed(1)} MiB`);
    }
    await sleep(3_000);
    const afterRss = rssKb(watch.child.pid);
    rssAt.push({ cycle: cycles, mib: afterRss / 1024 });
    const half = rssAt.length === 3 ? rssAt[1].mib : idleRss / 1024;
    const spread = summarize(latencies);
    return {
      name,
      description,
      metrics: [
        {
          name: "save → first byte of the changed step's output, debounce included",
          value: spread.median,
          unit: "ms",
          spread,
          target: { max: 250, unit: " ms" },
          note: `${latencies.length} saves: p25 ${spread.p25.toFixed(0)}, p75 ${spread.p75.toFixed(0)}, max ${spread.max.toFixed(0)} ms, of which ${QUIET_MS} ms is the quiet period`,
        },
        { name: "idle watcher, resident memory", value: idleRss / 1024, unit: "MiB" },
        {
          name: `after ${cycles} change cycles, resident memory`,
          value: afterRss / 1024,
          unit: "MiB",
          target: { max: 80, unit: " MiB" },
          note: `RSS at cycles ${rssAt.map((r) => `${r.cycle}: ${r.mib.toFixed(1)}`).join(", ")} MiB; a cycle took ${((performance.now() - started) / Math.max(1, cycles)).toFixed(0)} ms on average (mostly no-op plans, every 25th a setup change)`,
        },
        {
          name: `growth over the second half of the cycles (flat: ≤ ${FLAT_MIB} MiB)`,
          value: afterRss / 1024 - half,
          unit: "MiB",
          target: { max: FLAT_MIB, unit: " MiB" },
          note: `growth since idle: ${((afterRss - idleRss) / 1024).toFixed(1)} MiB`,
        },
      ],
      notes: watch.fromSource ? ["ran from the sources through tsx (dist/ missing or older than src/)"] : [],
      samples: { latencyMs: latencies, rssMiB: rssAt },
    };
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    watch.child.kill("SIGINT");
    await watch.exited;
    await execa("docker", ["rm", "--force", `rhx-${cluster}`], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }
}

function startWatch(cwd, stateDir) {
  // `npm run bench` builds dist/ first. Run standalone, a dist/ older than the sources would measure
  // old code, so the sources (through tsx) are used then; tsx itself adds some memory.
  const argv = builtIsCurrent()
    ? [join(ROOT, "dist/cli/bin.js")]
    : ["--import", join(ROOT, "node_modules/tsx/dist/loader.mjs"), join(ROOT, "src/cli/bin.ts")];
  const child = spawn(process.execPath, [...argv, "apply", "--watch", "--json"], {
    cwd,
    env: { ...process.env, RHX_STATE_DIR: stateDir, CI: "true", NO_COLOR: "1", RHX_EVENTS_TAP: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const events = [];
  const waiters = new Set();
  let buffered = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => {
    const arrivedAt = performance.now();
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) events.push({ ...JSON.parse(line), arrivedAt });
    for (const waiter of [...waiters]) waiter();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const next = (match, timeoutMs, from = 0) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = events.slice(from).find(match);
        if (found) finish(() => resolve(found));
        else if (child.exitCode !== null) finish(() => reject(new Error(`rhx exited:\n${stderr}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`timed out:\n${stderr}`))), timeoutMs);
      const finish = (then) => {
        clearTimeout(timer);
        waiters.delete(check);
        then();
      };
      waiters.add(check);
      check();
    });
  return { child, events, next, exited, fromSource: argv.length > 1 };
}

function rssKb(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) : Number.NaN;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
