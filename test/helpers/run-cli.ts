/**
 * Two ways to run rhx in tests (wrangler's run-wrangler, np's verify-cli):
 * - `runCli` calls `main(argv, env)` in this process and captures what it writes, fast enough for
 *   hundreds of cases;
 * - `runBuiltCli` spawns the built `dist/cli/bin.js` with execa (`reject: false`), for the few
 *   end-to-end checks that must see a real process: exit code, streams, startup.
 * Both start from an environment the test controls: nothing leaks in from the machine running them.
 */
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 as Ajv, type ValidateFunction } from "ajv/dist/2020.js";
import { execa } from "execa";
import { main } from "../../src/cli/main.ts";
import { eventSchema } from "../../src/ui/event-schema.ts";
import { buildCli } from "./cli-entry.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BUILT_BIN = join(ROOT, "dist/cli/bin.js");

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Working directory of the run (default: the repository root). */
  cwd?: string;
  /** The whole environment rhx sees; `NO_COLOR` is added (unless it sets FORCE_COLOR). */
  env?: Record<string, string | undefined>;
}

export interface SpawnOptions extends RunOptions {
  /** Run as this user and group (only root can): lets a root test see what a normal user sees. */
  uid?: number;
  gid?: number;
}

/** Runs `rhx ...argv` in-process (each run makes its own redactor: no secret carries over). */
export async function runCli(argv: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const capture =
    (into: string[]) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      into.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      callback?.();
      return true;
    };
  const originalOut = process.stdout.write;
  const originalErr = process.stderr.write;
  const originalCwd = process.cwd();
  process.stdout.write = capture(stdout) as typeof process.stdout.write;
  process.stderr.write = capture(stderr) as typeof process.stderr.write;
  try {
    if (options.cwd) process.chdir(options.cwd);
    else process.chdir(ROOT);
    const exitCode = await main([...argv], plainEnv(options.env));
    const result = { exitCode, stdout: stdout.join(""), stderr: stderr.join("") };
    expectValidEvents(result.stdout, argv.includes("--json"));
    return result;
  } finally {
    process.stdout.write = originalOut;
    process.stderr.write = originalErr;
    process.chdir(originalCwd);
  }
}

/** `NO_COLOR` unless the test asks for colour with FORCE_COLOR. */
function plainEnv(env: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return "FORCE_COLOR" in env ? { ...env } : { NO_COLOR: "1", ...env };
}

/** Spawns the built CLI (`node dist/cli/bin.js`); call `ensureBuilt()` once before. */
export async function runBuiltCli(argv: readonly string[], options: SpawnOptions = {}): Promise<CliResult> {
  // `--`, as the bin's shebang has: Node 20 would otherwise read rhx's own --env-file (nodejs/node#54232).
  const result = await execa(process.execPath, ["--", BUILT_BIN, ...argv], {
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH, ...plainEnv(options.env) },
    extendEnv: false,
    reject: false,
    // Generous: an apply on a loaded 2-core machine can take a while; a hang still ends.
    timeout: 180_000,
    stripFinalNewline: false,
  });
  const out = {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
  expectValidEvents(out.stdout, argv.includes("--json"));
  return out;
}

let validator: ValidateFunction | undefined;

/**
 * Every `--json` event a test sees must match the published schema (schemas/events.schema.json),
 * so the stream cannot drift from what scripts rely on. `strict` (the run had `--json`): every
 * complete stdout line is an event. Otherwise only lines that look like one (`{"v":`) are checked: a
 * command's own data (`rhx schema`, `rhx ssh -- cmd`) may share stdout. A line cut off by a closed
 * stdout (no newline yet) is not judged.
 */
export function expectValidEvents(stdout: string, strict: boolean): void {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(eventSchema());
  const validate = validator;
  const complete = stdout.slice(0, stdout.lastIndexOf("\n") + 1).split("\n");
  const bad: string[] = [];
  for (const line of complete) {
    if (line.trim() === "" || (!strict && !line.startsWith('{"v":'))) continue;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      bad.push(`not JSON: ${line.slice(0, 200)}`);
      continue;
    }
    if (!validate(event))
      bad.push(`${line.slice(0, 300)}\n    ${JSON.stringify(validate.errors?.slice(0, 3))}`);
  }
  if (bad.length > 0)
    throw new Error(
      `--json events that do not match schemas/events.schema.json:\n${bad.slice(0, 20).join("\n")}`,
    );
}

/**
 * Builds `dist/` when it is missing or older than `src/` (a plain `vitest run` does not build).
 * Test files run in parallel, so the build is guarded by a lock directory.
 */
export async function ensureBuilt(): Promise<void> {
  const lock = join(ROOT, ".rhx-test", "build.lock");
  await mkdir(dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      await mkdir(lock);
      break;
    } catch {
      // A lock older than two minutes belongs to a run that died.
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 120_000) await rm(lock, { recursive: true, force: true });
      if (waited > 180_000) throw new Error("timed out waiting for another test to build dist/");
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    const built = await stat(BUILT_BIN).then(
      (s) => s.mtimeMs,
      () => 0,
    );
    if (built >= (await newestMtime(join(ROOT, "src")))) return;
    buildCli();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

/** A stack frame line, as Node prints them: what must never reach a user. */
export const STACK_LINE = /^\s+at\s/m;

/**
 * Stable text for snapshots: temp dirs and the repository root become placeholders, timestamps in
 * `--json` events become `<time>`.
 */
export function normalize(text: string, ...dirs: string[]): string {
  let out = text;
  for (const dir of [...dirs, ROOT].filter(Boolean))
    out = out.split(dir).join(dir === ROOT ? "<root>" : "<tmp>");
  return out.replace(/"time":"[^"]+"/g, '"time":"<time>"');
}

/** The `--json` events of a run, parsed. */
export function events(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
