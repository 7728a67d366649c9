#!/usr/bin/env node
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
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
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CASES = join(ROOT, "bench", "cases");

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

/** A case's result, in one shape: { metrics: [{ name, value, unit, baseline?, ratio?, target?, note? }] }. */
function normalizeResult(result) {
  const metrics = Array.isArray(result) ? result : (result?.metrics ?? []);
  return { metrics, notes: result?.notes ?? [] };
}

function format(value, unit) {
  if (typeof value !== "number" || Number.isNaN(value)) return "—";
  const digits = unit === "×" || Math.abs(value) < 10 ? 2 : 0;
  return `${value.toFixed(digits)}${unit && unit !== "×" ? ` ${unit}` : unit === "×" ? "×" : ""}`;
}

function report(results) {
  const lines = ["", "rhx benchmarks", ""];
  for (const r of results) {
    lines.push(`${r.name}${r.description ? ` — ${r.description}` : ""}`);
    if (r.skipped) lines.push(`  skipped: ${r.skipped}`);
    if (r.error) lines.push(`  FAILED TO MEASURE: ${r.error}`);
    for (const m of r.metrics ?? []) {
      let line = `  ${m.name}: ${format(m.value, m.unit)}`;
      if (m.baseline !== undefined) line += ` (baseline ${format(m.baseline, m.unit)})`;
      if (m.ratio !== undefined) line += `, ratio ${format(m.ratio, "×")}`;
      if (m.target !== undefined) {
        const met = m.target.max === undefined || (m.ratio ?? m.value) <= m.target.max;
        line += ` — target ≤ ${m.target.max}${m.target.unit ?? ""}: ${met ? "met" : "NOT MET"}`;
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
  if (!existsSync(ctx.bin)) log(`note: ${ctx.bin} is missing; run \`npm run build\` (npm run bench does)`);
  const results = [];
  for (const c of cases) {
    if (only.length > 0 && !only.includes(c.name)) continue;
    log(`bench: ${c.name}…`);
    const started = performance.now();
    const entry = { name: c.name, description: c.description };
    try {
      const skip = typeof c.requires === "function" ? await c.requires(ctx) : undefined;
      if (skip) entry.skipped = skip;
      else Object.assign(entry, normalizeResult(await c.run(ctx)));
    } catch (error) {
      entry.error = error instanceof Error ? error.message.split("\n")[0] : String(error);
    }
    entry.seconds = (performance.now() - started) / 1000;
    results.push(entry);
  }
  if (json) process.stdout.write(`${JSON.stringify({ node: process.version, results }, null, 2)}\n`);
  else process.stdout.write(`${report(results)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error) => {
    // A broken harness is worth a stack; a slow number never is (see above).
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
