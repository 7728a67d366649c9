import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execa } from "execa";
import { stringify } from "yaml";
import { resolveProgram } from "../../src/drivers/local/docker.ts";
import { docker, freePort, removeContainers } from "../helpers/docker-env.ts";
import { type CliResult, expectValidEvents } from "../helpers/run-cli.ts";

/**
 * End-to-end sandboxes: the real CLI as a child process (`node --import tsx src/cli/bin.ts`, so it runs
 * the tree as it is, no build needed), the real Docker engine, a temp dir holding cluster.yaml and .env,
 * a temp state dir and a temp TMPDIR. `docker` on the child's PATH is a recorder that logs every
 * invocation's argv (the proof that a no-op only looks, and that no secret reaches an argv) and can hold
 * or prepare a subcommand for fault tests. Every output and file is kept for the leak scan.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(root, "src", "cli", "bin.ts");
const TSX = pathToFileURL(join(root, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** Generous: two cores shared with other suites; an apply is seconds alone and much more under load. */
export const CLI_TIMEOUT_MS = 240_000;
export const E2E_TEST_TIMEOUT_MS = 600_000;

const US = "\x1f";
const RS = "\x1e";

/** The recorder: one record per call (argv joined by US, ended by RS, one write), then hooks, then docker. */
function recorderScript(real: string): string {
  return `#!/bin/sh
us=$(printf '\\037')
rec=""
for a in "$@"; do rec="$rec$a$us"; done
printf '%s\\036' "$rec" >>"$RHX_E2E_ARGV_LOG"
if [ -n "\${RHX_E2E_HOOKS:-}" ]; then
  if [ -x "$RHX_E2E_HOOKS/before-$1" ]; then "$RHX_E2E_HOOKS/before-$1" "$@"; fi
  i=0
  while [ -e "$RHX_E2E_HOOKS/hold-$1" ] && [ "$i" -lt 1200 ]; do
    : >"$RHX_E2E_HOOKS/held-$1"
    sleep 0.1
    i=$((i + 1))
  done
fi
exec ${JSON.stringify(real)} "$@"
`;
}

function startCli(args: readonly string[], cwd: string, env: Record<string, string>) {
  // `--` as the bin's shebang has: Node 20 would otherwise read rhx's own --env-file (nodejs/node#54232).
  return execa(process.execPath, ["--import", TSX, "--", CLI, ...args], {
    cwd,
    env,
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    timeout: CLI_TIMEOUT_MS,
  });
}

export type RhxChild = ReturnType<typeof startCli>;

export interface RunOptions {
  env?: Record<string, string>;
  /** Use the sandbox's hook dir (holds and before-hooks) for this process. */
  hooks?: boolean;
  cwd?: string;
}

export class Sandbox {
  /** Where cluster.yaml and .env live (the user's project). */
  readonly dir: string;
  readonly stateDir: string;
  /** TMPDIR of every rhx process: the throw-away docker configs land here and must be gone after. */
  readonly tmp: string;
  readonly hooks: string;
  readonly argvLog: string;
  readonly bin: string;
  /** Every stdout and stderr of every rhx run, for the leak scan. */
  readonly transcript: string[] = [];
  /** Docker calls already reset away, kept for the leak scan. */
  readonly allCalls: string[][] = [];
  readonly clusters = new Set<string>();
  readonly prefix: string;
  #count = 0;

  private constructor(base: string, prefix: string) {
    this.dir = join(base, "project");
    this.stateDir = join(base, "state");
    this.tmp = join(base, "tmp");
    this.hooks = join(base, "hooks");
    this.bin = join(base, "bin");
    this.argvLog = join(base, "docker-argv.log");
    this.prefix = prefix;
  }

  static async create(prefix: string): Promise<Sandbox> {
    const base = await mkdtemp(join(tmpdir(), "rhx-e2e-"));
    const box = new Sandbox(base, `${prefix}${process.pid.toString(36)}`);
    for (const d of [box.dir, box.stateDir, box.tmp, box.hooks, box.bin]) await mkdir(d, { recursive: true });
    const real = resolveProgram("docker");
    if (real === "docker") throw new Error("docker is not on PATH");
    await writeFile(join(box.bin, "docker"), recorderScript(real));
    await chmod(join(box.bin, "docker"), 0o755);
    await writeFile(box.argvLog, "");
    return box;
  }

  /** A cluster name unique to this process, swept by `cleanup`. */
  name(): string {
    const name = `${this.prefix}-${++this.#count}-${randomBytes(2).toString("hex")}`;
    this.clusters.add(name);
    return name;
  }

  env(options: RunOptions = {}): Record<string, string> {
    const env: Record<string, string> = {
      PATH: `${this.bin}${delimiter}${process.env.PATH ?? ""}`,
      HOME: process.env.HOME ?? this.tmp,
      TMPDIR: this.tmp,
      RHX_STATE_DIR: this.stateDir,
      NO_COLOR: "1",
      RHX_E2E_ARGV_LOG: this.argvLog,
      ...(options.hooks ? { RHX_E2E_HOOKS: this.hooks } : {}),
      ...options.env,
    };
    return env;
  }

  /** Starts `rhx ARGS` without waiting (for signals and races). */
  spawn(args: readonly string[], options: RunOptions = {}): RhxChild {
    return startCli(args, options.cwd ?? this.dir, this.env(options));
  }

  async settle(child: RhxChild): Promise<CliResult> {
    const result = await child;
    const out = {
      exitCode: result.exitCode ?? -1,
      stdout: String(result.stdout ?? ""),
      stderr: String(result.stderr ?? ""),
    };
    this.transcript.push(out.stdout, out.stderr);
    expectValidEvents(out.stdout, / --json(\s|$)/.test(result.command));
    return out;
  }

  async rhx(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
    return this.settle(this.spawn(args, options));
  }

  async writeConfig(docs: object | object[], file = "cluster.yaml"): Promise<string> {
    const list = Array.isArray(docs) ? docs : [docs];
    await writeFile(join(this.dir, file), list.map((d) => stringify(d)).join("---\n"));
    return file;
  }

  async writeEnv(vars: Record<string, string>): Promise<void> {
    const text = Object.entries(vars)
      .map(([k, v]) => `${k}=${v}\n`)
      .join("");
    await writeFile(join(this.dir, ".env"), text);
  }

  /** Every docker invocation since the last reset, as argv arrays. */
  async dockerCalls(): Promise<string[][]> {
    const text = await readFile(this.argvLog, "utf8");
    return text
      .split(RS)
      .filter((rec) => rec !== "")
      .map((rec) => rec.split(US).slice(0, -1));
  }

  /** Docker subcommands since the last reset (`image inspect` counts as `image`). */
  async dockerVerbs(): Promise<string[]> {
    return (await this.dockerCalls()).map((argv) => argv[0] ?? "");
  }

  async resetCalls(): Promise<void> {
    this.allCalls.push(...(await this.dockerCalls()));
    await writeFile(this.argvLog, "");
  }

  /** Holds every `docker SUB` (of processes run with hooks) until `release(SUB)`. */
  async hold(sub: string): Promise<void> {
    await rm(join(this.hooks, `held-${sub}`), { force: true });
    await writeFile(join(this.hooks, `hold-${sub}`), "");
  }

  async release(sub: string): Promise<void> {
    await rm(join(this.hooks, `hold-${sub}`), { force: true });
  }

  /** Resolves once `child` is waiting on the hold of `sub`; fails with its output if it ends first. */
  async held(sub: string, child: RhxChild, timeoutMs = CLI_TIMEOUT_MS): Promise<void> {
    let ended: CliResult | undefined;
    void child.then((r) => {
      ended = { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") };
    });
    await waitFor(`docker ${sub} to be held`, timeoutMs, async () => {
      if (ended) throw new Error(`rhx ended before docker ${sub}: exit ${ended.exitCode}\n${ended.stderr}`);
      return stat(join(this.hooks, `held-${sub}`)).then(
        () => true,
        () => false,
      );
    });
  }

  /** Runs `script` (sh) before every `docker SUB` of processes run with hooks. */
  async before(sub: string, script: string): Promise<void> {
    const path = join(this.hooks, `before-${sub}`);
    await writeFile(path, `#!/bin/sh\n${script}\n`);
    await chmod(path, 0o755);
  }

  async clearHooks(): Promise<void> {
    for (const entry of await readdir(this.hooks)) await rm(join(this.hooks, entry), { force: true });
  }

  statePath(name: string): string {
    return join(this.stateDir, "clusters", `${name}.json`);
  }

  lockPath(name: string): string {
    return join(this.stateDir, "locks", `${name}.lock`);
  }

  async state(name: string): Promise<StateFile | undefined> {
    return readFile(this.statePath(name), "utf8").then(
      (text) => JSON.parse(text) as StateFile,
      () => undefined,
    );
  }

  /** Removes the containers of this sandbox's clusters (by their rhx label). */
  async sweep(): Promise<void> {
    for (const name of this.clusters) await removeContainers({ label: `rhx.cluster=${name}` });
  }

  /** Everything a secret must never reach: outputs, argv of every docker call, state dir, TMPDIR. */
  async leakReport(secrets: readonly string[], usernames: readonly string[] = []): Promise<string[]> {
    // base64 of user:password is what a docker config.json holds.
    const needles = secrets.flatMap((s) => [
      s,
      Buffer.from(s).toString("base64"),
      encodeURIComponent(s),
      ...usernames.map((u) => Buffer.from(`${u}:${s}`).toString("base64")),
    ]);
    const hits: string[] = [];
    const check = (where: string, text: string) => {
      for (const needle of needles) if (text.includes(needle)) hits.push(where);
    };
    this.transcript.forEach((text, i) => {
      check(`output #${i}`, text);
    });
    for (const argv of [...this.allCalls, ...(await this.dockerCalls())])
      check(`argv: ${argv.slice(0, 3)}`, argv.join(" "));
    const files = [...(await listFiles(this.stateDir)), ...(await listFiles(this.tmp))];
    for (const file of files) {
      const text = await readFile(file, "latin1").catch(() => "");
      check(file, text);
    }
    return [...new Set(hits)];
  }

  async cleanup(): Promise<void> {
    await this.sweep();
    await rm(dirname(this.dir), { recursive: true, force: true });
  }
}

/** Asserts an exit code; on a mismatch the message carries the run's output, which says why. */
export function expectExit(result: CliResult, code: number): void {
  if (result.exitCode === code) return;
  throw new Error(
    `expected exit ${code}, got ${result.exitCode}\n--- stderr ---\n${result.stderr.slice(-6000)}\n--- stdout ---\n${result.stdout.slice(-3000)}`,
  );
}

export interface StateFile {
  liveId?: string;
  setup: string[];
  stages: Record<string, { status: string; error?: { code: string; message: string } }>;
  fields: Record<string, string>;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A cluster document with test defaults: the fake Runhouse image from the local engine. The fake
 * server gets 120 s instead of 20 s to come up: these machines are shared and can be very slow.
 */
export function clusterDoc(
  name: string,
  port: number,
  overrides: Record<string, unknown> & { env?: Record<string, string> } = {},
): Record<string, unknown> {
  return {
    name,
    provider: "local",
    image_id: "docker:rhx-test/runhouse:0.0.36",
    runhouse: { version: "0.0.36" },
    server: { port, health_timeout_secs: 120 },
    ...overrides,
    env: { RHX_FAKE_RUNHOUSE_WAIT: "120", ...overrides.env },
  };
}

export { freePort };

/** The container of a cluster: id, image, or undefined when there is none. */
export async function container(
  name: string,
): Promise<{ id: string; image: string; running: boolean } | undefined> {
  const out = await docker(
    [
      "ps",
      "--all",
      "--no-trunc",
      "--filter",
      `label=rhx.cluster=${name}`,
      "--format",
      "{{.ID}}\t{{.Image}}\t{{.State}}",
    ],
    {},
  );
  const lines = out.stdout.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) return undefined;
  if (lines.length > 1) throw new Error(`more than one container for ${name}: ${lines.join("; ")}`);
  const [id = "", image = "", state = ""] = (lines[0] ?? "").split("\t");
  return { id, image, running: state === "running" };
}

/** Runs a shell command in the cluster's container (test side, not through rhx). */
export async function inContainer(name: string, command: string): Promise<string> {
  const out = await docker(["exec", `rhx-${name}`, "/bin/sh", "-c", command], { allowFailure: true });
  return out.stdout;
}

/** GET http://127.0.0.1:PORT/check: the fake Runhouse server's health answer, or undefined. */
export async function health(port: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/check`, { signal: AbortSignal.timeout(5_000) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}
