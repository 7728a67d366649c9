import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { docker, removeContainers, uniqueName } from "../helpers/docker-env.ts";
import { expectValidEvents } from "../helpers/run-cli.ts";

/**
 * Runs `rhx apply --watch --json` as a child process on real files, the way a person's terminal would
 * (but without one: stdin is closed, so it is a non-TTY session). Tests drive it by editing files and
 * read what it did from its `--json` events on stdout and its human text on stderr.
 */

const BIN = fileURLToPath(new URL("../../src/cli/bin.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export type WatchEvent = Record<string, unknown> & { type: string; cluster?: string };

export interface WatchRun {
  readonly child: ChildProcess;
  readonly events: WatchEvent[];
  stderr(): string;
  /** Resolves with the first event (at index `from` or later) that matches. */
  waitFor(
    match: (event: WatchEvent) => boolean,
    options?: { from?: number; timeoutMs?: number },
  ): Promise<WatchEvent>;
  /** Resolves with the next `apply-finished` after index `from`. */
  nextApply(from: number, timeoutMs?: number): Promise<WatchEvent>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startWatch(options: { cwd: string; stateDir: string; args?: string[] }): WatchRun {
  const child = spawn(
    process.execPath,
    ["--import", TSX, BIN, "apply", "--watch", "--json", ...(options.args ?? [])],
    {
      cwd: options.cwd,
      env: { ...process.env, RHX_STATE_DIR: options.stateDir, CI: "true", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const events: WatchEvent[] = [];
  /** Lines that broke the published event schema: `stop()` fails the test with them. */
  const invalid: string[] = [];
  let stderr = "";
  let buffered = "";
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      try {
        expectValidEvents(`${line}\n`, true);
      } catch (error) {
        invalid.push((error as Error).message);
      }
      events.push(JSON.parse(line) as WatchEvent);
    }
    notify();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    notify();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => {
      resolve({ code, signal });
      notify();
    });
  });

  const waitFor: WatchRun["waitFor"] = (match, { from = 0, timeoutMs = 60_000 } = {}) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = events.slice(from).find(match);
        if (found) {
          done();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`rhx exited before the awaited event.\n${describe()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for an event.\n${describe()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const describe = () =>
    `events: ${events.map((e) => `${e.type}${e.step ? `:${String(e.step)}` : ""}`).join(" ")}\nstderr:\n${stderr.slice(-4000)}`;

  return {
    child,
    events,
    stderr: () => stderr,
    waitFor,
    nextApply: (from, timeoutMs) =>
      waitFor((e) => e.type === "apply-finished", { from, ...(timeoutMs ? { timeoutMs } : {}) }),
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const result = await exited;
      clearTimeout(timer);
      if (invalid.length > 0) throw new Error(invalid.join("\n"));
      return result;
    },
  };
}

export interface Project {
  dir: string;
  stateDir: string;
  name: string;
  port: number;
  file: string;
  write(text: string): Promise<void>;
  cleanup(): Promise<void>;
}

export async function makeProject(port: number): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), "rhx-watch-"));
  const name = uniqueName("w");
  const file = join(dir, "cluster.yaml");
  return {
    dir,
    stateDir: join(dir, "state"),
    name,
    port,
    file,
    write: (text) => writeFile(file, text),
    async cleanup() {
      await removeContainers({ namePrefix: `rhx-${name}` });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A cluster file for the fake-Runhouse image, setup lines and extra top-level YAML as given. */
export function clusterYaml(
  project: Pick<Project, "name" | "port">,
  options: { setup: string[]; image?: string; env?: Record<string, string>; extra?: string },
): string {
  const env = Object.entries(options.env ?? {}).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  return [
    `name: ${project.name}`,
    "provider: local",
    `image_id: docker:${options.image ?? "rhx-test/runhouse:0.0.36"}`,
    ...(env.length > 0 ? ["env:", ...env] : []),
    "setup:",
    ...options.setup.map((line) => `  - ${JSON.stringify(line)}`),
    "runhouse:",
    '  version: "0.0.36"',
    "  install: true",
    "server:",
    `  port: ${project.port}`,
    options.extra ?? "",
  ].join("\n");
}

export async function containerId(name: string): Promise<string> {
  const result = await docker(["inspect", "--format", "{{.Id}}", `rhx-${name}`], { allowFailure: true });
  return result.exitCode === 0 ? result.stdout.trim() : "";
}

export async function inContainer(name: string, command: string): Promise<string> {
  const result = await docker(["exec", `rhx-${name}`, "/bin/sh", "-c", command], { allowFailure: true });
  return result.stdout.trim();
}

/** Step ids the pipeline started between two event indexes. */
export function stepsBetween(events: readonly WatchEvent[], from: number, to = events.length): string[] {
  return events
    .slice(from, to)
    .filter((e) => e.type === "step-started")
    .map((e) => String(e.step));
}
