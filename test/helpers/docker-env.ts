import { mkdir, open, readdir, stat, unlink } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

/**
 * Helpers for tests that need the real Docker engine. scripts/setup-machine.sh prepares the machine
 * (engine started with --bridge=none, so containers run with --net=host and talk over loopback).
 * Tests call `await requireDocker()` in `beforeAll`: a machine without the engine or the images
 * fails loudly with the command to run, it never skips.
 */

/** Images built by scripts/test-image/build.sh from the host's static busybox. */
export const TEST_IMAGES = {
  /** Plain busybox rootfs, every applet linked, CMD ["/bin/sh"]. */
  busybox: "rhx-test/busybox:1",
  /** Busybox + the fake Runhouse CLI at /usr/local/bin/runhouse, playing 0.0.36 (`runhouse server restart`). */
  runhouse: "rhx-test/runhouse:0.0.36",
  /** The fake Runhouse playing 0.0.30: the top-level `runhouse restart` of 0.0.30–0.0.35. */
  runhouse030: "rhx-test/runhouse:0.0.30",
  /** The fake Runhouse playing 0.0.42: `runhouse server restart`, the `[server]` extra era (≥ 0.0.39). */
  runhouse042: "rhx-test/runhouse:0.0.42",
  /** Same, with ENTRYPOINT ["/bin/false"]: exits at once unless rhx overrides the entrypoint. */
  runhouseEntrypoint: "rhx-test/runhouse:0.0.36-entrypoint",
  /** Same, with USER 1000 (name rhx, HOME /home/rhx). */
  runhouseNonroot: "rhx-test/runhouse:0.0.36-nonroot",
} as const;

/** What the fake `runhouse --version` prints and `GET /check` reports as `rh_version`. */
export const FAKE_RUNHOUSE_VERSION = "0.0.36";
/** The fake server's port when the restart command gets no `--port` (the real default). */
export const FAKE_RUNHOUSE_DEFAULT_PORT = 32300;
/** Put this label on every container a test starts, so `removeContainers` can find leftovers. */
export const TEST_CONTAINER_LABEL = "rhx.test";

export const SETUP_HINT =
  "Run `scripts/setup-machine.sh` as root (it installs Docker and the registry, starts dockerd and builds the rhx-test images), then re-run the tests.";

export class DockerEnvError extends Error {
  override name = "DockerEnvError";
}

export interface DockerResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Runs the docker CLI and resolves with its output; throws a readable error when it fails, unless
 * `allowFailure`. Secrets go through `input` (stdin), never through `args`.
 */
export async function docker(
  args: readonly string[],
  options: { input?: string; timeoutMs?: number; allowFailure?: boolean; env?: Record<string, string> } = {},
): Promise<DockerResult> {
  const result = await execa("docker", args, {
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
    ...(options.env ? { env: options.env } : {}),
  });
  const out = {
    stdout: String(result.stdout ?? ""),
    stderr: String(result.stderr ?? ""),
    exitCode: result.exitCode ?? -1,
  };
  if (result.failed && !options.allowFailure) {
    const why = result.timedOut
      ? "timed out"
      : (out.stderr.trim() || (result.shortMessage ?? "")).slice(0, 2000);
    throw new DockerEnvError(`docker ${args[0] ?? ""} failed: ${why}`);
  }
  return out;
}

const checked = new Map<string, Promise<void>>();

/**
 * Resolves when the engine answers and every image in `images` (default: all TEST_IMAGES) exists.
 * Otherwise rejects with a DockerEnvError naming what is missing and how to fix it. Cached per process.
 */
export function requireDocker(images: readonly string[] = Object.values(TEST_IMAGES)): Promise<void> {
  const key = [...images].sort((a, b) => a.localeCompare(b)).join(" ");
  let pending = checked.get(key);
  if (!pending) {
    pending = checkDocker(images);
    checked.set(key, pending);
    pending.catch(() => checked.delete(key));
  }
  return pending;
}

async function checkDocker(images: readonly string[]): Promise<void> {
  const info = await execa("docker", ["info", "--format", "{{.ServerVersion}}"], {
    reject: false,
    timeout: 20_000,
    stdin: "ignore",
  });
  if (info.failed) {
    const detail = info.code === "ENOENT" ? "the docker CLI is not installed" : String(info.stderr).trim();
    throw new DockerEnvError(`The Docker engine is not answering (${detail}). ${SETUP_HINT}`);
  }
  const missing: string[] = [];
  for (const image of images) {
    const found = await docker(["image", "inspect", "--format", "{{.Id}}", image], { allowFailure: true });
    if (found.exitCode !== 0) missing.push(image);
  }
  if (missing.length > 0) {
    throw new DockerEnvError(
      `Test image(s) missing from the Docker engine: ${missing.join(", ")}. ${SETUP_HINT}`,
    );
  }
}

export interface ContainerSelector {
  /** `key` or `key=value`, as in `docker ps --filter label=...`. */
  label?: string;
  /** Container names starting with this prefix (no leading slash). */
  namePrefix?: string;
}

/**
 * Force-removes (with volumes) every container, running or not, that matches the label or the name
 * prefix (both must match when both are given). Resolves to the ids removed. Safe to call twice and
 * in parallel with other workers removing their own containers.
 */
export async function removeContainers(selector: ContainerSelector | string): Promise<string[]> {
  const sel: ContainerSelector = typeof selector === "string" ? { namePrefix: selector } : selector;
  if (!sel.label && !sel.namePrefix) {
    throw new DockerEnvError(
      "removeContainers needs a label or a name prefix (refusing to remove everything)",
    );
  }
  const args = ["ps", "--all", "--no-trunc", "--format", "{{.ID}}\t{{.Names}}"];
  if (sel.label) args.push("--filter", `label=${sel.label}`);
  const listed = await docker(args);
  const ids = listed.stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [id = "", names = ""] = line.split("\t");
      return { id, names: names.split(",") };
    })
    .filter(
      (c) => !sel.namePrefix || c.names.some((n) => n.replace(/^\//, "").startsWith(sel.namePrefix ?? "")),
    )
    .map((c) => c.id);
  if (ids.length === 0) return [];
  const removed = await docker(["rm", "--force", "--volumes", ...ids], { allowFailure: true });
  const stillThere = removed.stderr
    .split("\n")
    .filter((line) => line.trim() !== "" && !/no such container/i.test(line));
  if (removed.exitCode !== 0 && stillThere.length > 0) {
    throw new DockerEnvError(`docker rm failed: ${stillThere.join("; ")}`);
  }
  return ids;
}

// Ports are handed out below the kernel's ephemeral range (32768+), so an outgoing connection never
// takes a port between reservation and use, and away from the fixed ones (5055 registry, 32300 Runhouse).
const PORT_MIN = 20_000;
const PORT_MAX = 32_000;
/** A reservation file older than this is stale: its test is long gone. */
const RESERVATION_TTL_MS = 10 * 60_000;
const reservationDir = join(tmpdir(), "rhx-test-ports");
let pruned = false;

/**
 * A TCP port on 127.0.0.1 that is free now and that no other test process on this machine will be
 * given for the next ten minutes (reservation files in the OS temp dir, created with O_EXCL, shared by
 * all vitest workers). Bind it soon: nothing stops an unrelated program from taking it.
 */
export async function freePort(): Promise<number> {
  await mkdir(reservationDir, { recursive: true });
  if (!pruned) {
    pruned = true;
    await pruneReservations();
  }
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN));
    if (!(await reserve(port))) continue;
    if (await canBind(port)) return port;
  }
  throw new DockerEnvError(`freePort: no free port found in ${PORT_MIN}-${PORT_MAX} on 127.0.0.1`);
}

async function reserve(port: number): Promise<boolean> {
  const file = join(reservationDir, String(port));
  try {
    const handle = await open(file, "wx");
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return false;
  }
}

async function pruneReservations(): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(reservationDir).catch(() => [])) {
    const file = join(reservationDir, name);
    const info = await stat(file).catch(() => undefined);
    if (info && now - info.mtimeMs > RESERVATION_TTL_MS) await unlink(file).catch(() => undefined);
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** A name unique to this process and moment, for containers, repos and labels (`rhx-test-<...>`). */
export function uniqueName(prefix = "rhx-test"): string {
  return `${prefix}-${process.pid.toString(36)}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}
