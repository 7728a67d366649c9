import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  docker,
  FAKE_RUNHOUSE_VERSION,
  freePort,
  removeContainers,
  requireDocker,
  TEST_CONTAINER_LABEL,
  TEST_IMAGES,
  uniqueName,
} from "./docker-env.ts";
import { startRegistry, type TestRegistry } from "./registry.ts";

const MANIFEST_ACCEPT = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
].join(", ");

const runId = uniqueName("rhx-helpers");

beforeAll(async () => {
  await requireDocker();
});

afterAll(async () => {
  await removeContainers({ label: `${TEST_CONTAINER_LABEL}=${runId}` });
});

describe("requireDocker", () => {
  it("rejects loudly, naming the image and the setup script, when an image is missing", async () => {
    await expect(requireDocker(["rhx-test/does-not-exist:0"])).rejects.toThrow(
      /rhx-test\/does-not-exist:0.*scripts\/setup-machine\.sh/,
    );
  });
});

describe("freePort", () => {
  it("hands out distinct loopback ports that can be bound", async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(32_768);
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: "127.0.0.1", port: ports[0] }, resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe("removeContainers", () => {
  it("removes containers by label and by name prefix, and only those", async () => {
    const prefix = `${runId}-rm`;
    const start = (name: string, label: string) =>
      docker([
        "run",
        "--detach",
        "--net=none",
        "--name",
        name,
        "--label",
        `${TEST_CONTAINER_LABEL}=${runId}`,
        "--label",
        label,
        TEST_IMAGES.busybox,
        "sleep",
        "300",
      ]);
    await start(`${prefix}-a`, "rhx.test.group=a");
    await start(`${prefix}-b`, "rhx.test.group=b");
    await start(`${runId}-keep`, "rhx.test.group=a");

    const byBoth = await removeContainers({ label: "rhx.test.group=a", namePrefix: prefix });
    expect(byBoth).toHaveLength(1);
    const byPrefix = await removeContainers(prefix);
    expect(byPrefix).toHaveLength(1);
    expect(await removeContainers(prefix)).toEqual([]);

    const left = await docker([
      "ps",
      "--all",
      "--format",
      "{{.Names}}",
      "--filter",
      `label=${TEST_CONTAINER_LABEL}=${runId}`,
    ]);
    expect(left.stdout.trim()).toBe(`${runId}-keep`);
    expect(await removeContainers({ label: `${TEST_CONTAINER_LABEL}=${runId}` })).toHaveLength(1);
  });

  it("refuses an empty selector", async () => {
    await expect(removeContainers({})).rejects.toThrow(/label or a name prefix/);
  });
});

describe("fake Runhouse image", () => {
  it("reports its version and serves /check on the requested loopback port", async () => {
    const port = await freePort();
    const name = `${runId}-rh`;
    await docker([
      "run",
      "--detach",
      "--net=host",
      "--name",
      name,
      "--label",
      `${TEST_CONTAINER_LABEL}=${runId}`,
      TEST_IMAGES.runhouse,
      "sleep",
      "300",
    ]);
    const version = await docker(["exec", name, "runhouse", "--version"]);
    expect(version.stdout.trim()).toBe(FAKE_RUNHOUSE_VERSION);

    const restart = await docker([
      "exec",
      name,
      "sh",
      "-c",
      `runhouse server restart --restart-ray --port ${port}`,
    ]);
    expect(restart.stdout).toContain(`Uvicorn running on http://127.0.0.1:${port}`);
    const check = await fetch(`http://127.0.0.1:${port}/check`);
    expect(await check.json()).toEqual({ rh_version: FAKE_RUNHOUSE_VERSION });

    const log = await docker(["exec", name, "cat", "/root/.rh/server.log"]);
    expect(log.stdout).toContain("Uvicorn running on");

    await docker(["exec", name, "runhouse", "server", "stop"]);
    await expect(fetch(`http://127.0.0.1:${port}/check`)).rejects.toThrow();
    await removeContainers(name);
  });

  it("fails restart with exit 1 when asked to", async () => {
    const run = await docker(
      [
        "run",
        "--rm",
        "--net=none",
        "-e",
        "RHX_FAKE_RUNHOUSE_FAIL=restart",
        TEST_IMAGES.runhouse,
        "runhouse",
        "server",
        "restart",
      ],
      { allowFailure: true },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("Failed to restart server");
  });

  it("has an entrypoint variant that exits at once and a non-root variant", async () => {
    const entry = await docker([
      "image",
      "inspect",
      "--format",
      "{{json .Config.Entrypoint}}",
      TEST_IMAGES.runhouseEntrypoint,
    ]);
    expect(JSON.parse(entry.stdout)).toEqual(["/bin/false"]);
    const id = await docker([
      "run",
      "--rm",
      "--net=none",
      TEST_IMAGES.runhouseNonroot,
      "sh",
      "-c",
      "id -u; echo $HOME",
    ]);
    expect(id.stdout.trim().split("\n")).toEqual(["1000", "/home/rhx"]);
  });
});

describe("startRegistry", () => {
  let started: TestRegistry | undefined;
  const reg = (): TestRegistry => {
    if (!started) throw new Error("registry not started");
    return started;
  };

  beforeAll(async () => {
    started = await startRegistry({ users: { alice: "alice-pass", bob: "bob-pass" } });
  });

  afterAll(async () => {
    await started?.stop();
  });

  it("answers 401 with a Basic challenge without credentials, 200 with them", async () => {
    const registry = reg();
    expect(registry.host).toBe(`127.0.0.1:${registry.port}`);
    const anonymous = await fetch(`${registry.url}/v2/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic realm="rhx-test"/);

    const wrong = await fetch(`${registry.url}/v2/`, {
      headers: { authorization: `Basic ${Buffer.from("alice:nope").toString("base64")}` },
    });
    expect(wrong.status).toBe(401);

    for (const user of ["alice", "bob"]) {
      const ok = await fetch(`${registry.url}/v2/`, {
        headers: { authorization: registry.authHeader(user) },
      });
      expect(ok.status).toBe(200);
    }
  });

  it("pushes a local image that can then be found by manifest HEAD and pulled", async () => {
    const registry = reg();
    const pushed = await registry.push(TEST_IMAGES.runhouse, "team/runhouse:0.0.36");
    expect(pushed.ref).toBe(`${registry.host}/team/runhouse:0.0.36`);
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const head = await fetch(`${registry.url}/v2/team/runhouse/manifests/0.0.36`, {
      method: "HEAD",
      headers: { authorization: registry.authHeader(), accept: MANIFEST_ACCEPT },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get("docker-content-digest")).toBe(pushed.digest);

    const anonymous = await fetch(`${registry.url}/v2/team/runhouse/manifests/0.0.36`, { method: "HEAD" });
    expect(anonymous.status).toBe(401);

    const tags = await fetch(`${registry.url}/v2/team/runhouse/tags/list`, {
      headers: { authorization: registry.authHeader("bob") },
    });
    expect(await tags.json()).toEqual({ name: "team/runhouse", tags: ["0.0.36"] });

    // push() leaves no registry tag in the engine, so pulls below really go to the registry.
    expect(await localRefs(registry.host)).toEqual([]);
    const config = await mkdtemp(join(tmpdir(), "rhx-helpers-config-"));
    try {
      const denied = await docker(["--config", config, "pull", pushed.ref], { allowFailure: true });
      expect(denied.exitCode).not.toBe(0);
      expect(denied.stderr).toMatch(/no basic auth credentials|unauthorized/i);
      await docker(["--config", config, "login", "--username", "bob", "--password-stdin", registry.host], {
        input: "bob-pass",
      });
      await docker(["--config", config, "pull", pushed.ref]);
      expect(await localRefs(registry.host)).toEqual([pushed.ref]);
    } finally {
      await rm(config, { recursive: true, force: true });
    }
  });

  it("stop() frees the port and removes the temp storage", async () => {
    const other = await startRegistry();
    expect(other.username).toBe("rhx");
    const before = await fetch(`${other.url}/v2/`, { headers: { authorization: other.authHeader() } });
    expect(before.status).toBe(200);
    expect(existsSync(other.dir)).toBe(true);
    await other.stop();
    await other.stop();
    await expect(fetch(`${other.url}/v2/`)).rejects.toThrow();
    expect(existsSync(other.dir)).toBe(false);
  });

  it("stop() also drops the engine's tags for the registry", async () => {
    const registry = reg();
    const pushed = await registry.push(TEST_IMAGES.busybox, "team/busybox:1");
    const config = await mkdtemp(join(tmpdir(), "rhx-helpers-config-"));
    try {
      await docker(["--config", config, "login", "--username", "alice", "--password-stdin", registry.host], {
        input: "alice-pass",
      });
      await docker(["--config", config, "pull", pushed.ref]);
    } finally {
      await rm(config, { recursive: true, force: true });
    }
    expect(await localRefs(registry.host)).toContain(pushed.ref);
    await registry.stop();
    expect(await localRefs(registry.host)).toEqual([]);
  });
});

async function localRefs(host: string): Promise<string[]> {
  const listed = await docker(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"]);
  return listed.stdout.split("\n").filter((ref) => ref.startsWith(`${host}/`));
}
