import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { DockerEnvError, docker, freePort, SETUP_HINT } from "./docker-env.ts";

/**
 * A private registry per test file: `docker-registry serve` (Debian's distribution 2.8) on a free
 * loopback port, htpasswd Basic auth (bcrypt), storage in a temp dir. Serving needs no engine;
 * `push` needs one. The engine treats 127.0.0.0/8 registries as plain-HTTP insecure registries.
 *
 *   const registry = await startRegistry({ users: { alice: "s3cret" } });
 *   afterAll(() => registry.stop());
 *   await registry.push(TEST_IMAGES.runhouse, "team/runhouse:0.0.36");
 */

export interface StartRegistryOptions {
  /** user -> password. Default: one user `rhx` with a random password. */
  users?: Record<string, string>;
  /** Basic auth realm the registry announces (default `rhx-test`). */
  realm?: string;
}

export interface PushResult {
  /** `127.0.0.1:PORT/repo:tag` */
  ref: string;
  /** Manifest digest as the registry reports it (`sha256:...`). */
  digest: string;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`: what SKYPILOT_DOCKER_SERVER and image references use. */
  host: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Temp dir holding htpasswd, config and storage; removed by stop(). */
  dir: string;
  users: Readonly<Record<string, string>>;
  /** The first user and its password: the ones `push` logs in with. */
  username: string;
  password: string;
  /** `Basic ...` for `user` (default: the first user), for fetch() checks against /v2/. */
  authHeader(user?: string): string;
  /** Pushes a local image as `repoTag` (e.g. `team/app:1`), logged in through a throw-away DOCKER_CONFIG. */
  push(localImage: string, repoTag: string): Promise<PushResult>;
  /** Stops the server, removes its storage and the engine's local tags for this registry. Idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const PORT_ATTEMPTS = 5;

export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const users = options.users ?? { rhx: randomPassword() };
  const names = Object.keys(users);
  const username = names[0];
  if (username === undefined) throw new DockerEnvError("startRegistry: `users` is empty");
  const dir = await mkdtemp(join(tmpdir(), "rhx-registry-"));
  try {
    await writeFile(join(dir, "htpasswd"), await htpasswdLines(users), { mode: 0o600 });
    let lastError: unknown;
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      const port = await freePort();
      try {
        const { child } = await serve(dir, port, options.realm ?? "rhx-test");
        return makeRegistry({ dir, port, users, username, child });
      } catch (error) {
        lastError = error;
        if (!(error instanceof PortTakenError)) break;
      }
    }
    throw lastError;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Credentials of the long-running quickstart registry that scripts/setup-machine.sh starts. */
export interface QuickstartRegistry {
  host: "127.0.0.1:5055";
  username: "rhx";
  password: string;
  /** The fake Runhouse image pushed there: `127.0.0.1:5055/rhx/runhouse:0.0.36`. */
  image: string;
}

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Reads `.rhx-test/registry/password`; throws with the setup hint when setup ran without the registry. */
export async function quickstartRegistry(): Promise<QuickstartRegistry> {
  const file = join(projectRoot, ".rhx-test", "registry", "password");
  const password = (await readFile(file, "utf8").catch(() => "")).split("\n")[0]?.trim() ?? "";
  if (password === "") {
    throw new DockerEnvError(
      `The quickstart registry is not set up (no .rhx-test/registry/password). ${SETUP_HINT}`,
    );
  }
  return { host: "127.0.0.1:5055", username: "rhx", password, image: "127.0.0.1:5055/rhx/runhouse:0.0.36" };
}

export function randomPassword(): string {
  return randomBytes(18).toString("base64url");
}

class PortTakenError extends Error {}

async function htpasswdLines(users: Record<string, string>): Promise<string> {
  const lines: string[] = [];
  for (const [user, password] of Object.entries(users)) {
    if (user.includes(":") || user === "")
      throw new DockerEnvError(`startRegistry: invalid user name "${user}"`);
    // -i: the password comes on stdin, never on argv.
    const result = await execa("htpasswd", ["-niB", user], { input: password, reject: false });
    if (result.failed) {
      const why =
        result.code === "ENOENT" ? "htpasswd is not installed (apache2-utils)" : String(result.stderr);
      throw new DockerEnvError(`startRegistry: ${why}. ${SETUP_HINT}`);
    }
    lines.push(String(result.stdout).trim());
  }
  return `${lines.join("\n")}\n`;
}

const SERVE_OPTIONS = { reject: false, stdin: "ignore", all: true, cleanup: true } as const;
type RegistryChild = ResultPromise<typeof SERVE_OPTIONS>;

// Resolves to a wrapper: a ResultPromise is a thenable, returning it bare would wait for the exit.
async function serve(dir: string, port: number, realm: string): Promise<{ child: RegistryChild }> {
  const config = join(dir, `config-${port}.yml`);
  await writeFile(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${JSON.stringify(join(dir, "data"))}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${randomPassword()}`,
      "auth:",
      "  htpasswd:",
      `    realm: ${JSON.stringify(realm)}`,
      `    path: ${JSON.stringify(join(dir, "htpasswd"))}`,
      "",
    ].join("\n"),
  );
  const child = execa("docker-registry", ["serve", config], SERVE_OPTIONS);
  let exited = false;
  void child.then(() => {
    exited = true;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) {
      const result = await child;
      const log = String(result.all ?? "");
      if (result.code === "ENOENT") {
        throw new DockerEnvError(`startRegistry: docker-registry is not installed. ${SETUP_HINT}`);
      }
      if (/address already in use/i.test(log)) throw new PortTakenError(log);
      throw new DockerEnvError(`docker-registry exited at start: ${log.slice(-2000)}`);
    }
    const status = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(1_000) })
      .then((res) => res.status)
      .catch(() => 0);
    if (status === 401) return { child };
    if (status !== 0) {
      child.kill("SIGKILL");
      throw new DockerEnvError(
        `127.0.0.1:${port} answered ${status} to /v2/, expected 401 from our registry`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  await child;
  throw new DockerEnvError(
    `docker-registry did not answer on 127.0.0.1:${port} within ${READY_TIMEOUT_MS} ms`,
  );
}

function makeRegistry(init: {
  dir: string;
  port: number;
  users: Record<string, string>;
  username: string;
  child: RegistryChild;
}): TestRegistry {
  const { dir, port, users, username, child } = init;
  const host = `127.0.0.1:${port}`;
  const password = users[username] ?? "";
  let stopping: Promise<void> | undefined;

  const authHeader = (user: string = username): string => {
    const pass = users[user];
    if (pass === undefined) throw new DockerEnvError(`registry has no user "${user}"`);
    return `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
  };

  const push = async (localImage: string, repoTag: string): Promise<PushResult> => {
    const ref = `${host}/${repoTag}`;
    const config = await mkdtemp(join(tmpdir(), "rhx-docker-config-"));
    const tagged = await docker(["image", "inspect", "--format", "{{len .RepoTags}}", localImage]);
    try {
      await docker(["--config", config, "login", "--username", username, "--password-stdin", host], {
        input: password,
      });
      await docker(["tag", localImage, ref]);
      const pushed = await docker(["--config", config, "push", ref], { timeoutMs: 120_000 });
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
      if (!digest) throw new DockerEnvError(`docker push ${ref}: no digest in output: ${pushed.stdout}`);
      return { ref, digest };
    } finally {
      // Drop the registry tag again (only when the image keeps another tag), so the engine stays clean.
      if (Number(tagged.stdout.trim()) > 0) await docker(["rmi", ref], { allowFailure: true });
      await rm(config, { recursive: true, force: true });
    }
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await child;
      clearTimeout(timer);
      await removeLocalTags(host);
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    })();
    return stopping;
  };

  return { host, url: `http://${host}`, port, dir, users, username, password, authHeader, push, stop };
}

/** Untags every local image reference under `host/` (pulled or tagged during the test). */
async function removeLocalTags(host: string): Promise<void> {
  const listed = await docker(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"], {
    allowFailure: true,
  });
  const refs = listed.stdout.split("\n").filter((ref) => ref.startsWith(`${host}/`));
  if (refs.length > 0) await docker(["rmi", ...refs], { allowFailure: true });
}
