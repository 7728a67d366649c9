#!/usr/bin/env node
import { spawnSync } from "node:child_process";
/**
 * rhx's benchmark harness: `npm run bench` (builds, then runs this). It loads every
 * bench/cases/*.mjs, runs each, and prints one report. It measures; it does not gate: no number
 * makes it exit non-zero. The API for cases is in bench/README.md.
 *
 *   node bench/run.mjs                 every case
 *   node bench/run.mjs validate watch  only the cases with these names
 *   node bench/run.mjs --json          the report as JSON on stdout (progress stays on stderr)
 *   node bench/run.mjs --list          the cases, without running them
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execa } from "execa";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CASES = join(ROOT, "bench", "cases");
const RESULTS = join(ROOT, "bench", "results");

/** Wall-clock milliseconds of one whole process, from spawn to exit. */
export function timeProcess(command, args, options = {}) {
  const started = performance.now();
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? { PATH: process.env.PATH ?? "", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    timeout: options.timeoutMs ?? 60_000,
  });
  const ms = performance.now() - started;
  if (result.error) throw result.error;
  if (options.expectExit !== undefined && result.status !== options.expectExit) {
    throw new Error(
      `${[command, ...args].join(" ")} exited ${result.status}, expected ${options.expectExit}:\n${result.stderr.slice(-2000)}`,
    );
  }
  return ms;
}

/** Why a case cannot run here (no engine, or the test image not built), or undefined when it can. */
export async function imageMissing(image) {
  const found = await execa("docker", ["image", "inspect", "--format", "{{.Id}}", image], { reject: false });
  return found.exitCode === 0
    ? undefined
    : `needs the Docker engine and ${image} (run scripts/setup-machine.sh)`;
}

/** One timed `rhx ARGS` (argv from `cliArgv()`), with no stdin; throws with its stderr unless it exits 0. */
export async function timeRhx(cliArgvs, args, { cwd, env, timeoutMs }) {
  const started = performance.now();
  const result = await execa(process.execPath, [...cliArgvs, ...args], {
    cwd,
    env,
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    timeout: timeoutMs,
  });
  const ms = performance.now() - started;
  if (result.exitCode !== 0)
    throw new Error(
      `rhx ${args.join(" ")} exited ${result.exitCode}:\n${String(result.stderr).slice(-3000)}`,
    );
  return { ms, stderr: String(result.stderr) };
}

/** Whether dist/cli/bin.js is newer than every file under src/ (so it is what the sources say). */
export function builtIsCurrent() {
  const built = join(ROOT, "dist/cli/bin.js");
  return existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(ROOT, "src"));
}

/** Node's argv for the CLI: the built one when it is current, else the sources through tsx. */
export function cliArgv() {
  if (builtIsCurrent()) return { argv: ["--", join(ROOT, "dist/cli/bin.js")], fromSource: false };
  return {
    argv: ["--import", join(ROOT, "node_modules/tsx/dist/loader.mjs"), "--", join(ROOT, "src/cli/bin.ts")],
    fromSource: true,
  };
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A loopback port free right now, below the ephemeral range like the tests' freePort. */
export async function freePort() {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen({ host: "127.0.0.1", port, exclusive: true }, () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** Median, spread (interquartile range) and extremes of a sample. */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    n: sorted.length,
    median: median(sorted),
    p25: at(0.25),
    p75: at(0.75),
    min: sorted[0],
    max: sorted.at(-1),
  };
}

/**
 * Runs `subject` and `baseline` (each a function returning milliseconds) alternately, ABBA order so
 * slow drift of the machine hits both equally, after `warmup` unmeasured rounds. Returns both
 * samples' summaries and the ratio of the medians.
 */
export function compare({ subject, baseline, runs = 21, warmup = 2 }) {
  for (let i = 0; i < warmup; i++) {
    baseline();
    subject();
  }
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      b.push(baseline());
      a.push(subject());
    } else {
      a.push(subject());
      b.push(baseline());
    }
  }
  const s = summarize(a);
  const base = summarize(b);
  return { subject: s, baseline: base, ratio: s.median / base.median };
}

function context(log) {
  return {
    root: ROOT,
    node: process.execPath,
    /** The built CLI; `npm run bench` builds it first. */
    bin: join(ROOT, "dist", "cli", "bin.js"),
    /** How many measured runs a case should make (RHX_BENCH_RUNS, at least 15). */
    runs: Math.max(15, Number(process.env.RHX_BENCH_RUNS ?? 21)),
    log,
    timeProcess,
    compare,
    median,
    summarize,
  };
}

async function loadCases() {
  const files = readdirSync(CASES)
    .filter((f) => f.endsWith(".mjs"))
    .sort();
  const cases = [];
  for (const file of files) {
    const module = await import(pathToFileURL(join(CASES, file)).href);
    const run = module.run ?? module.default;
    if (typeof run !== "function") throw new Error(`bench/cases/${file} exports no run() function`);
    cases.push({
      file,
      name: module.name ?? file.replace(/\.mjs$/, ""),
      description: module.description ?? "",
      requires: module.requires,
      run,
    });
  }
  return cases;
}

/**
 * A case's result, in one shape: { metrics: [{ name, value, unit, baseline?, ratio?, spread?, target?,
 * met?, note? }] }. A target is judged on the ratio when the metric has one (the figure against its
 * limit), else on the value; `target.on` says which when a case wants the other.
 */
function normalizeResult(result) {
  const metrics = (Array.isArray(result) ? result : (result?.metrics ?? [])).map((m) =>
    m.target === undefined ? m : { ...m, met: targetMet(m) },
  );
  return { metrics, notes: result?.notes ?? [], ...(result?.samples ? { samples: result.samples } : {}) };
}

export function targetMet(metric) {
  const { target } = metric;
  const on = target.on ?? (metric.ratio !== undefined ? "ratio" : "value");
  const x = on === "ratio" ? metric.ratio : metric.value;
  if (typeof x !== "number" || Number.isNaN(x)) return false;
  return (target.max === undefined || x <= target.max) && (target.below === undefined || x < target.below);
}

/** What the numbers were taken on: they mean little without the machine and how busy it was. */
export function machine() {
  const cores = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cores.length,
    cpuModel: cores[0]?.model ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}

/** The 1-minute load average: what else the machine was doing while a case ran. */
export function load() {
  return Math.round(loadavg()[0] * 100) / 100;
}

function format(value, unit) {
  if (typeof value !== "number" || Number.isNaN(value)) return "—";
  const digits = unit === "×" || Math.abs(value) < 10 ? 2 : 0;
  return `${value.toFixed(digits)}${unit && unit !== "×" ? ` ${unit}` : unit === "×" ? "×" : ""}`;
}

function report(results, host) {
  const lines = [
    "",
    `rhx benchmarks — ${host.date}, ${host.cpus} × ${host.cpuModel}, ${host.memoryGiB} GiB, node ${host.node}`,
    "",
  ];
  for (const r of results) {
    lines.push(`${r.name}${r.description ? ` — ${r.description}` : ""}`);
    if (r.skipped) lines.push(`  skipped: ${r.skipped}`);
    if (r.error) lines.push(`  FAILED TO MEASURE: ${r.error}`);
    if (r.load)
      lines.push(
        `  (load average ${r.load.before} → ${r.load.after} while it ran, ${r.seconds.toFixed(0)} s)`,
      );
    for (const m of r.metrics ?? []) {
      let line = `  ${m.name}: ${format(m.value, m.unit)}`;
      if (m.baseline !== undefined) line += ` (baseline ${format(m.baseline, m.unit)})`;
      if (m.ratio !== undefined) line += `, ratio ${format(m.ratio, "×")}`;
      if (m.spread !== undefined)
        line += ` [p25–p75 ${format(m.spread.p25, m.unit)}–${format(m.spread.p75, m.unit)}]`;
      if (m.target !== undefined) {
        const bound = m.target.below === undefined ? `≤ ${m.target.max}` : `< ${m.target.below}`;
        line += ` — target ${bound}${m.target.unit ?? ""}: ${m.met ? "met" : "NOT MET"}`;
      }
      lines.push(line);
      if (m.note) lines.push(`    ${m.note}`);
    }
    for (const note of r.notes ?? []) lines.push(`  ${note}`);
    lines.push("");
  }
  lines.push("(medians; measured, not gated: this report never fails the build)");
  return lines.join("\n");
}

async function main(argv) {
  const json = argv.includes("--json");
  const only = argv.filter((a) => !a.startsWith("--"));
  const log = (line) => process.stderr.write(`${line}\n`);
  const cases = await loadCases();
  if (argv.includes("--list")) {
    for (const c of cases) process.stdout.write(`${c.name}\t${c.description}\n`);
    return;
  }
  const unknown = only.filter((name) => !cases.some((c) => c.name === name));
  if (unknown.length > 0)
    log(`no such case: ${unknown.join(", ")} (have: ${cases.map((c) => c.name).join(", ")})`);
  const ctx = context(log);
  const host = machine();
  const loadBefore = load();
  log(`bench: load average ${loadBefore} on ${host.cpus} CPU(s) at the start`);
  if (!existsSync(ctx.bin)) log(`note: ${ctx.bin} is missing; run \`npm run build\` (npm run bench does)`);
  const results = [];
  for (const c of cases) {
    if (only.length > 0 && !only.includes(c.name)) continue;
    log(`bench: ${c.name}…`);
    const started = performance.now();
    const entry = { name: c.name, description: c.description };
    const before = load();
    try {
      const skip = typeof c.requires === "function" ? await c.requires(ctx) : undefined;
      if (skip) entry.skipped = skip;
      else Object.assign(entry, normalizeResult(await c.run(ctx)));
    } catch (error) {
      entry.error = error instanceof Error ? error.message.split("\n")[0] : String(error);
    }
    entry.seconds = (performance.now() - started) / 1000;
    entry.load = { before, after: load() };
    results.push(entry);
  }
  const document = { machine: host, loadBefore, loadAfter: load(), results };
  // Every run leaves its report as JSON; the file is ignored by git (bench/results/.gitignore).
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, "latest.json"), `${JSON.stringify(document, null, 2)}\n`);
  log(`bench: report written to bench/results/latest.json`);
  if (json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  else process.stdout.write(`${report(results, host)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error) => {
    // A broken harness is worth a stack; a slow number never is (see above).
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
