import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, removeContainers, requireDocker, TEST_IMAGES, uniqueName } from "../helpers/docker-env.ts";
import { randomPassword, startRegistry, type TestRegistry } from "../helpers/registry.ts";
import { BUILT_BIN, ensureBuilt, events, runBuiltCli, STACK_LINE } from "../helpers/run-cli.ts";

/**
 * The fault suite (issue 8): interrupts at each pipeline step, a registry that hangs, a setup command
 * that never ends, and the Docker engine stopping mid-apply. Each time: the right exit code, no stack
 * trace, the lock released, and a next apply that converges.
 */

let work: string;
let stateDir: string;
const names: string[] = [];

beforeAll(async () => {
  await requireDocker([TEST_IMAGES.runhouse]);
  await ensureBuilt();
  work = await mkdtemp(join(tmpdir(), "rhx-faults-"));
  stateDir = join(work, "state");
});

afterAll(async () => {
  for (const name of names) await removeContainers(`rhx-${name}`);
  await rm(work, { recursive: true, force: true });
});

const baseEnv = (extra: Record<string, string> = {}) => ({
  RHX_STATE_DIR: stateDir,
  CI: "true",
  ...extra,
});

async function clusterFile(name: string, body: string): Promise<string> {
  const path = join(work, `${name}.yaml`);
  await writeFile(path, `name: ${name}\nprovider: local\n${body}`);
  return path;
}

function spawnApply(path: string, env: Record<string, string> = {}) {
  return execa(process.execPath, ["--", BUILT_BIN, "--json", "apply", path], {
    cwd: work,
    env: { PATH: process.env.PATH, NO_COLOR: "1", ...baseEnv(env) },
    extendEnv: false,
    reject: false,
  });
}

/** Resolves once the event stream of `child` contains an event matching `match`. */
function waitForEvent(
  child: ReturnType<typeof spawnApply>,
  match: (event: Record<string, unknown>) => boolean,
): Promise<void> {
  let buffer = "";
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) if (line && match(JSON.parse(line) as Record<string, unknown>)) resolve();
    });
    child.on("exit", () => reject(new Error("rhx exited before the awaited event")));
  });
}

const lockGone = (name: string) => !existsSync(join(stateDir, "locks", `${name}.lock`));

describe("interrupts at each pipeline step", () => {
  /** A TCP server that accepts and never answers: a registry that hangs. */
  let hanging: Server;
  let hangingPort: number;
  let hangingRequests = 0;
  beforeAll(async () => {
    hanging = createServer(() => {
      hangingRequests += 1;
    });
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    hangingPort = (hanging.address() as { port: number }).port;
  });
  afterAll(() => {
    hanging.close();
  });

  it("during pre-flight (a hanging registry): exit 130 at once, nothing launched, lock released", async () => {
    const name = uniqueName("fault-pre");
    names.push(name);
    const path = await clusterFile(
      name,
      `image_id: docker:app/x:1\ndocker:\n  username: u\n  password: long-enough-pw\n  server: 127.0.0.1:${hangingPort}\nserver:\n  port: ${await freePort()}\n`,
    );
    const before = hangingRequests;
    const child = spawnApply(path);
    // Pre-flight has started once rhx is waiting on the registry: wait for its request, however long a
    // loaded machine takes to get there (a SIGINT during the load would test something else).
    for (let waited = 0; hangingRequests === before && waited < 60_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    expect(hangingRequests).toBeGreaterThan(before);
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).not.toMatch(STACK_LINE);
    expect(lockGone(name)).toBe(true);
    const ps = await execa("docker", ["ps", "-aq", "--filter", `label=rhx.cluster=${name}`]);
    expect(String(ps.stdout).trim()).toBe("");
  });

  it("during launch: exit 130, and whatever state it left, the next apply converges", async () => {
    const name = uniqueName("fault-launch");
    names.push(name);
    const path = await clusterFile(
      name,
      `image_id: docker:${TEST_IMAGES.runhouse}\nserver:\n  port: ${await freePort()}\n`,
    );
    const child = spawnApply(path);
    await waitForEvent(child, (e) => e.type === "step-started" && e.step === "launch");
    child.kill("SIGINT");
    const result = await child;
    expect([130, 0]).toContain(result.exitCode);
    expect(lockGone(name)).toBe(true);
    const again = await runBuiltCli(["apply", "--yes", path], { cwd: work, env: baseEnv() });
    expect(again.exitCode, again.stderr).toBe(0);
    const check = await runBuiltCli(["--json", "plan", path], { cwd: work, env: baseEnv() });
    expect(events(check.stdout).find((e) => e.type === "plan")).toMatchObject({ action: "no-op" });
  });

  it("while waiting for the server: exit 130, the cluster reported still running with its teardown command", async () => {
    const name = uniqueName("fault-server");
    names.push(name);
    const port = await freePort();
    // A server command that starts nothing: the health wait is what gets interrupted.
    const path = await clusterFile(
      name,
      `image_id: docker:${TEST_IMAGES.runhouse}\nserver:\n  port: ${port}\n  command: "true"\n  health_timeout_secs: 600\n`,
    );
    const child = spawnApply(path);
    await waitForEvent(child, (e) => e.type === "step-started" && e.step === "server");
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(130);
    const stillRunning = events(String(result.stdout)).find((e) => e.type === "still-running");
    expect(stillRunning).toMatchObject({ cluster: name, teardown: `rhx down ${name}` });
    expect(lockGone(name)).toBe(true);
    const state = JSON.parse(await readFile(join(stateDir, "clusters", `${name}.json`), "utf8")) as {
      stages: Partial<Record<string, { status: string }>>;
    };
    expect(state.stages.launch?.status).toBe("ok");
    expect(state.stages.server?.status).toBe("failed");
  });
});

describe("bounded time", () => {
  it("a registry that hangs is cut off by the timeout and reported (exit 4)", async () => {
    const hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const port = (hanging.address() as { port: number }).port;
    try {
      const name = uniqueName("fault-hang");
      const path = await clusterFile(
        name,
        `image_id: docker:app/x:1\ndocker:\n  username: u\n  password: long-enough-pw\n  server: 127.0.0.1:${port}\n`,
      );
      const result = await runBuiltCli(["--json", "check", path], { cwd: work, env: baseEnv() });
      expect(result.exitCode).toBe(4);
      const registry = events(result.stdout).find((e) => e.type === "preflight" && e.id === "registry");
      expect(registry).toMatchObject({ status: "fail", code: "RHX_REGISTRY_TIMEOUT" });
    } finally {
      hanging.close();
    }
  });

  it("a setup command that never ends is killed at --step-timeout (exit 1), in the container too", async () => {
    const name = uniqueName("fault-forever");
    names.push(name);
    const path = await clusterFile(
      name,
      `image_id: docker:${TEST_IMAGES.runhouse}\nsetup:\n  - sleep 1000\nserver:\n  port: ${await freePort()}\n`,
    );
    const result = await runBuiltCli(["--json", "apply", "--step-timeout", "3s", path], {
      cwd: work,
      env: baseEnv(),
    });
    expect(result.exitCode).toBe(1);
    const failed = events(result.stdout).find((e) => e.type === "step-failed");
    expect(failed).toMatchObject({ step: "setup-2", code: "RHX_STEP_TIMEOUT" });
    const top = await execa("docker", ["top", `rhx-${name}`], { reject: false });
    expect(String(top.stdout)).not.toContain("sleep 1000");
    expect(lockGone(name)).toBe(true);
  });
});

describe("the Docker engine stops mid-apply", () => {
  // A second engine of our own, so stopping it cannot disturb other tests.
  let root: string;
  let host: string;
  const start = async () => {
    const child = execa(
      "dockerd",
      [
        `--data-root=${root}/data`,
        `--exec-root=${root}/exec`,
        `--pidfile=${root}/pid`,
        `-H=${host}`,
        "--bridge=none",
        "--iptables=false",
        "--ip-masq=false",
        `--containerd-namespace=rhx-fault-${process.pid}`,
        `--containerd-plugins-namespace=rhx-fault-p-${process.pid}`,
      ],
      { detached: true, stdio: "ignore", reject: false },
    );
    child.unref();
    for (let i = 0; i < 100; i++) {
      const info = await execa("docker", ["info", "--format", "{{.ServerVersion}}"], {
        env: { DOCKER_HOST: host },
        reject: false,
      });
      if (info.exitCode === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("the second dockerd did not start");
  };
  const stop = async () => {
    const pid = Number(await readFile(`${root}/pid`, "utf8").catch(() => "0"));
    if (pid > 0) process.kill(pid, "SIGTERM");
    for (let i = 0; i < 100 && existsSync(`${root}/pid`); i++) await new Promise((r) => setTimeout(r, 200));
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "rhx-engine-"));
    await mkdir(`${root}/data`);
    host = `unix://${root}/docker.sock`;
    await start();
    await execa("sh", ["-c", `docker save ${TEST_IMAGES.runhouse} | DOCKER_HOST=${host} docker load`]);
  }, 120_000);

  afterAll(async () => {
    await execa("sh", ["-c", `docker ps -aq | xargs -r docker rm -f`], {
      env: { DOCKER_HOST: host },
      reject: false,
    });
    await stop();
    await rm(root, { recursive: true, force: true }).catch(() => {});
  }, 120_000);

  it("fails the step with a clear message, releases the lock, and converges once the engine is back", async () => {
    const name = uniqueName("fault-engine");
    const path = await clusterFile(
      name,
      `image_id: docker:${TEST_IMAGES.runhouse}\nsetup:\n  - sleep 300\nserver:\n  port: ${await freePort()}\n`,
    );
    const child = spawnApply(path, { DOCKER_HOST: host });
    await waitForEvent(child, (e) => e.type === "step-started" && e.step === "setup-2");
    await stop();
    const result = await child;
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).not.toMatch(STACK_LINE);
    const failed = events(String(result.stdout)).find((e) => e.type === "step-failed");
    expect(failed).toMatchObject({ step: "setup-2" });
    expect(lockGone(name)).toBe(true);

    await start();
    await writeFile(path, (await readFile(path, "utf8")).replace("sleep 300", "echo back"));
    const again = await runBuiltCli(["apply", "--yes", path], {
      cwd: work,
      env: baseEnv({ DOCKER_HOST: host }),
    });
    expect(again.exitCode, again.stderr).toBe(0);
  });
});

describe("exit codes agree across commands", () => {
  // A missing tool or an engine that does not answer is a pre-flight finding (exit 4) whichever
  // command meets it first: `check` in its checks, `plan` and `apply` when they ask for the live status.
  const cases = [
    { what: "an unreachable Docker engine", provider: "local", code: "RHX_ENGINE_UNREACHABLE" },
    { what: "a missing sky", provider: "aws", code: "RHX_SKY_NOT_FOUND" },
  ] as const;
  for (const { what, provider, code } of cases) {
    for (const command of ["check", "plan", "apply"]) {
      for (const json of [false, true]) {
        it(`${what}: \`${command}${json ? " --json" : ""}\` exits 4 and names ${code}`, async () => {
          const name = uniqueName("fault-exit");
          const path = join(work, `${name}.yaml`);
          await writeFile(
            path,
            `name: ${name}\nprovider: ${provider}\nimage_id: docker:${TEST_IMAGES.runhouse}\nserver:\n  port: ${await freePort()}\n`,
          );
          // An empty PATH dir: no `sky`; DOCKER_HOST at a socket nobody listens on.
          const bin = join(work, "empty-bin");
          await mkdir(bin, { recursive: true });
          const env = baseEnv(
            provider === "local" ? { DOCKER_HOST: `unix://${work}/closed-${name}.sock` } : { PATH: bin },
          );
          const argv = [
            ...(json ? ["--json"] : []),
            command,
            ...(command === "apply" ? ["--yes"] : []),
            path,
          ];
          const result = await runBuiltCli(argv, { cwd: work, env });
          expect(result.exitCode, result.stderr).toBe(4);
          expect(result.stderr).not.toMatch(STACK_LINE);
          if (json) {
            const failed = events(result.stdout).filter((e) => e.type === "preflight" && e.status === "fail");
            expect(failed.map((e) => e.code)).toContain(code);
          } else {
            expect(result.stderr).toContain(code);
          }
          expect(lockGone(name)).toBe(true);
        });
      }
    }
  }
});

/** Files under `dir` (recursively) whose content contains any of `needles`. */
async function filesContaining(dir: string, needles: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (path: string): Promise<void> => {
    const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        const text = await readFile(full, "latin1").catch(() => "");
        if (needles.some((needle) => text.includes(needle))) found.push(full);
      }
    }
  };
  await walk(dir);
  return found;
}

/** A pid that is certainly dead: a process that ran and exited. */
async function deadPid(): Promise<number> {
  const child = execa(process.execPath, ["-e", ""]);
  await child;
  return child.pid ?? 0;
}

describe("what kill -9 leaves behind is swept at the next start", () => {
  let registry: TestRegistry;
  const user = "fault-user";
  const password = `Kill9-Pw-${randomPassword()}`;
  beforeAll(async () => {
    registry = await startRegistry({ users: { [user]: password } });
    await registry.push(TEST_IMAGES.runhouse, "team/runhouse:0.0.36");
  }, 120_000);
  afterAll(() => registry.stop());

  it("the throw-away docker config (the registry login) of a launch killed with -9", async () => {
    const name = uniqueName("fault-kill9");
    names.push(name);
    const port = await freePort();
    // The server command is spelled out: what is tested here is the login, not the default start.
    const path = await clusterFile(
      name,
      `image_id: docker:team/runhouse:0.0.36\nserver:\n  port: ${port}\n  command: runhouse server restart --port ${port}\n`,
    );
    // rhx's own TMPDIR, so that "nothing left in TMPDIR" is a question about this rhx alone.
    const tmp = join(work, `tmp-${name}`);
    await mkdir(tmp);
    const env = {
      TMPDIR: tmp,
      SKYPILOT_DOCKER_USERNAME: user,
      SKYPILOT_DOCKER_PASSWORD: password,
      SKYPILOT_DOCKER_SERVER: registry.host,
    };
    // What `docker login` writes: "auth": base64(user:password).
    const needles = [password, Buffer.from(`${user}:${password}`).toString("base64")];
    const stranded = () =>
      Promise.all([filesContaining(tmp, needles), filesContaining(stateDir, needles)]).then((l) => l.flat());

    const child = spawnApply(path, env);
    let seen: string[] = [];
    for (let i = 0; i < 3000 && child.exitCode === null && seen.length === 0; i++) {
      seen = await stranded();
      if (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    }
    child.kill("SIGKILL");
    await child;
    // The kill landed while the login was on disk: the case a crash leaves behind.
    expect(seen.length, "rhx never wrote its docker login (or finished first)").toBeGreaterThan(0);
    expect(await stranded()).not.toEqual([]);

    const again = await runBuiltCli(["apply", "--yes", path], { cwd: work, env: baseEnv(env) });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).not.toContain(password);
    expect(await stranded()).toEqual([]);
    expect(lockGone(name)).toBe(true);
  });

  it("atomic-write temp files of dead processes on this host, and only those", async () => {
    const clusters = join(stateDir, "clusters");
    await mkdir(clusters, { recursive: true });
    const host = hostname().replace(/[^A-Za-z0-9._-]/g, "_");
    const dead = await deadPid();
    const files = {
      dead: join(clusters, `x.json.${dead}@${host}.0123abcd.tmp`),
      deadKey: join(stateDir, `fingerprint.key.${dead}@${host}.0123abcd.tmp`),
      live: join(clusters, `x.json.${process.pid}@${host}.0123abcd.tmp`),
      otherHost: join(clusters, `x.json.${dead}@not-${host}.0123abcd.tmp`),
    };
    for (const file of Object.values(files)) await writeFile(file, "{");
    const result = await runBuiltCli(["status", "nothing-here"], { cwd: work, env: baseEnv() });
    expect(result.stderr).not.toMatch(STACK_LINE);
    const exists = (file: string) =>
      stat(file).then(
        () => true,
        () => false,
      );
    expect(await exists(files.dead)).toBe(false);
    expect(await exists(files.deadKey)).toBe(false);
    expect(await exists(files.live)).toBe(true);
    expect(await exists(files.otherHost)).toBe(true);
    for (const file of [files.live, files.otherHost]) await rm(file);
  });
});

describe("a sink that cannot be written is a clear error, never a crash", () => {
  /** A fresh state dir, so what stands in the way there does not disturb the other tests. */
  async function isolated(name: string) {
    const dir = await mkdtemp(join(tmpdir(), "rhx-sink-"));
    const path = join(dir, `${name}.yaml`);
    await writeFile(
      path,
      `name: ${name}\nprovider: local\nimage_id: docker:${TEST_IMAGES.runhouse}\nserver:\n  port: ${await freePort()}\n`,
    );
    const state = join(dir, "state");
    const env = { RHX_STATE_DIR: state, CI: "true" };
    return { dir, path, state, env };
  }

  it("a run log that cannot be created: RHX_RUN_LOG_UNWRITABLE before anything launches, lock released", async () => {
    const name = uniqueName("fault-log");
    names.push(name);
    const { dir, path, state, env } = await isolated(name);
    // A file where the cluster's log directory should be (root ignores permission bits, not this).
    await mkdir(join(state, "logs"), { recursive: true });
    await writeFile(join(state, "logs", name), "in the way\n");
    for (const json of [true, false]) {
      const result = await runBuiltCli([...(json ? ["--json"] : []), "apply", "--yes", path], {
        cwd: dir,
        env,
      });
      expect(result.exitCode, result.stderr).toBe(1);
      expect(result.stderr).not.toMatch(STACK_LINE);
      if (json)
        expect(events(result.stdout).at(-1)).toMatchObject({ type: "error", code: "RHX_RUN_LOG_UNWRITABLE" });
      else
        expect(result.stderr).toMatch(
          /error RHX_RUN_LOG_UNWRITABLE\n.*run log.*\n {2}hint: A file stands where/,
        );
    }
    expect(existsSync(join(state, "locks", `${name}.lock`))).toBe(false);
    const ps = await execa("docker", ["ps", "-aq", "--filter", `label=rhx.cluster=${name}`]);
    expect(String(ps.stdout).trim()).toBe("");
    // Nothing ran, so nothing is recorded as running.
    expect(existsSync(join(state, "clusters", `${name}.json`))).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });

  // Checked up front (src/cli/state-dir.ts) once the config is valid, before any key, lock or state write.
  it("a state dir this user may not write (run as nobody): RHX_STATE_DIR_UNUSABLE", async () => {
    const name = uniqueName("fault-state");
    const { dir, path, state, env } = await isolated(name);
    await mkdir(state);
    for (const p of [dir, state]) await chmod(p, 0o755);
    await chmod(path, 0o644);
    const result = await runBuiltCli(["--json", "apply", "--yes", path], {
      cwd: dir,
      env,
      uid: 65534,
      gid: 65534,
    });
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(events(result.stdout).at(-1)).toMatchObject({ type: "error", code: "RHX_STATE_DIR_UNUSABLE" });
    await rm(dir, { recursive: true, force: true });
  });

  it("a lock dir that cannot be made: RHX_LOCK_UNWRITABLE", async () => {
    const name = uniqueName("fault-lockdir");
    const { dir, path, state, env } = await isolated(name);
    await mkdir(state);
    await writeFile(join(state, "locks"), "in the way\n");
    const result = await runBuiltCli(["apply", "--yes", path], { cwd: dir, env });
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stderr).toContain("RHX_LOCK_UNWRITABLE");
    await rm(dir, { recursive: true, force: true });
  });

  it("--json events whose reader went away (EPIPE): said on stderr, exit 1, no stack trace", async () => {
    const name = uniqueName("fault-epipe");
    const { dir, path, env } = await isolated(name);
    // `| true` closes the pipe at once; the exit code of rhx itself goes to stderr.
    const script = `{ "${process.execPath}" -- "${BUILT_BIN}" --json plan "${path}"; echo "rhx-exit=$?" >&2; } | true`;
    const result = await execa("sh", ["-c", script], {
      cwd: dir,
      env: { PATH: process.env.PATH, NO_COLOR: "1", ...env },
      extendEnv: false,
      reject: false,
    });
    const stderr = String(result.stderr);
    expect(stderr).not.toMatch(STACK_LINE);
    expect(stderr).toContain("error RHX_EVENTS_OUTPUT_FAILED");
    expect(stderr).toContain("rhx-exit=1");
    await rm(dir, { recursive: true, force: true });
  });
});
