import { randomBytes } from "node:crypto";
import { copyFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { requireDocker, TEST_IMAGES } from "../helpers/docker-env.ts";
import { startRegistry, type TestRegistry } from "../helpers/registry.ts";
import {
  clusterDoc,
  container,
  E2E_TEST_TIMEOUT_MS,
  expectExit,
  freePort,
  health,
  Sandbox,
} from "./helpers.ts";

/**
 * A private image behind a real registry with htpasswd auth, credentials from SKYPILOT_DOCKER_* in the
 * project's .env, as a Runhouse user has them. Every password here is distinctive so the leak scan at
 * the end can prove none of them reached an output, a file under the state dir, TMPDIR or a child's argv.
 */

const USER = "e2e-user";
const PASSWORD = `E2e-Pw-${randomBytes(12).toString("hex")}`;
const WRONG = `Wrong-Pw-${randomBytes(12).toString("hex")}`;
const ROTATED = `Rotated-Pw-${randomBytes(12).toString("hex")}`;

let registry: TestRegistry;
let box: Sandbox;

beforeAll(async () => {
  await requireDocker([TEST_IMAGES.runhouse]);
  registry = await startRegistry({ users: { [USER]: PASSWORD } });
  await registry.push(TEST_IMAGES.runhouse, "team/runhouse:0.0.36");
  box = await Sandbox.create("pr");
});

afterEach(async () => {
  await box.clearHooks();
  await box.sweep();
});

afterAll(async () => {
  // Undefined when beforeAll failed; that failure is the one worth reading.
  const sandbox = box as Sandbox | undefined;
  const leaks = sandbox ? await sandbox.leakReport([PASSWORD, WRONG, ROTATED], [USER]) : [];
  await sandbox?.cleanup();
  await (registry as TestRegistry | undefined)?.stop();
  expect(leaks).toEqual([]);
});

function credentials(password: string): Promise<void> {
  return box.writeEnv({
    SKYPILOT_DOCKER_USERNAME: USER,
    SKYPILOT_DOCKER_PASSWORD: password,
    SKYPILOT_DOCKER_SERVER: registry.host,
  });
}

async function privateCluster(overrides: Record<string, unknown> = {}) {
  const name = box.name();
  const port = await freePort();
  await box.writeConfig(clusterDoc(name, port, { image_id: "docker:team/runhouse:0.0.36", ...overrides }));
  return { name, port };
}

/** htpasswd line for `user` with `password` (bcrypt; the password goes on stdin). */
async function htpasswdLine(user: string, password: string): Promise<string> {
  const result = await execa("htpasswd", ["-niB", user], { input: password });
  return `${String(result.stdout).trim()}\n`;
}

describe.sequential("a private image", { timeout: E2E_TEST_TIMEOUT_MS }, () => {
  it("with good credentials: logs in on stdin through a throw-away config, pulls, runs", async () => {
    await credentials(PASSWORD);
    const { name, port } = await privateCluster({
      env: { REG_PW: "${SKYPILOT_DOCKER_PASSWORD}" },
      setup: ['echo "pw=$REG_PW"'],
    });
    const result = await box.rhx(["apply", "--verbose"]);
    expectExit(result, 0);
    const ref = `${registry.host}/team/runhouse:0.0.36`;
    // The command printed the password; rhx printed only the mask.
    expect(result.stderr).toContain("pw=******");
    const calls = await box.dockerCalls();
    expect(calls).toContainEqual(["login", "--username", USER, "--password-stdin", registry.host]);
    expect(calls).toContainEqual(["pull", "--platform", "linux/amd64", ref]);
    expect((await container(name))?.image).toBe(ref);
    expect(await health(port)).toContain("0.0.36");
    // The throw-away DOCKER_CONFIG (with the registry token) is gone.
    expect(await readdir(box.tmp)).not.toContainEqual(expect.stringMatching(/^rhx-docker-config-/));

    await box.resetCalls();
    const again = await box.rhx(["apply"]);
    expectExit(again, 0);
    expect(await box.dockerVerbs()).toEqual(["inspect"]);

    // A setup change pulls nothing, so it does not ask the registry: an expired token or a registry
    // outage cannot block it. Here the registry stops accepting the password first.
    const htpasswd = join(registry.dir, "htpasswd");
    await copyFile(htpasswd, join(registry.dir, "htpasswd.orig"));
    await writeFile(htpasswd, await htpasswdLine(USER, ROTATED));
    try {
      await box.writeConfig(
        clusterDoc(name, port, {
          image_id: "docker:team/runhouse:0.0.36",
          env: { REG_PW: "${SKYPILOT_DOCKER_PASSWORD}" },
          setup: ['echo "pw=$REG_PW"', "echo second"],
        }),
      );
      await box.resetCalls();
      expectExit(await box.rhx(["apply"]), 0);
      const verbs = await box.dockerVerbs();
      expect(verbs).not.toContain("login");
      expect(verbs).not.toContain("pull");
    } finally {
      await copyFile(join(registry.dir, "htpasswd.orig"), htpasswd);
    }
    expectExit(await box.rhx(["down", "-y", name]), 0);
  });

  it("with a bad password: pre-flight says so (exit 4) and nothing is started", async () => {
    await credentials(WRONG);
    const { name } = await privateCluster();
    await box.resetCalls();
    const result = await box.rhx(["apply", "--yes", "--verbose"]);
    expectExit(result, 4);
    expect(result.stderr).toContain("RHX_REGISTRY_AUTH_REJECTED");
    expect(result.stderr).toContain(`The password was rejected by ${registry.host} (user "${USER}")`);
    const verbs = await box.dockerVerbs();
    for (const mutating of ["login", "pull", "run", "exec"]) expect(verbs).not.toContain(mutating);
    expect(await container(name)).toBeUndefined();
    expect(await box.state(name)).toBeUndefined();
    const json = await box.rhx(["plan", "--json"]);
    expectExit(json, 4);
    const events = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; status?: string });
    expect(events).toContainEqual(expect.objectContaining({ type: "preflight", status: "fail" }));
  });

  it("with a missing tag: pre-flight exit 4 listing the tags that exist", async () => {
    await credentials(PASSWORD);
    const { name } = await privateCluster({ image_id: "docker:team/runhouse:9.9.9" });
    const result = await box.rhx(["apply", "--yes"]);
    expectExit(result, 4);
    expect(result.stderr).toContain("RHX_IMAGE_NOT_FOUND");
    expect(result.stderr).toMatch(/tags, nearest first: 0\.0\.36/);
    expect(await container(name)).toBeUndefined();
  });

  it("when the password is rotated between pre-flight and launch: classified, recorded, then converges", async () => {
    await credentials(PASSWORD);
    const { name, port } = await privateCluster();
    const htpasswd = join(registry.dir, "htpasswd");
    await copyFile(htpasswd, join(registry.dir, "htpasswd.orig"));
    await writeFile(join(registry.dir, "htpasswd.rotated"), await htpasswdLine(USER, ROTATED));
    // Pre-flight passes with the old password; just before `docker login` the registry rotates it.
    await box.before(
      "login",
      `cp ${JSON.stringify(join(registry.dir, "htpasswd.rotated"))} ${JSON.stringify(htpasswd)}`,
    );
    let result: Awaited<ReturnType<Sandbox["rhx"]>>;
    try {
      result = await box.rhx(["apply", "--yes"], { hooks: true });
    } finally {
      await box.clearHooks();
    }
    expectExit(result, 1);
    expect(result.stderr).toContain("RHX_LAUNCH_LOGIN_REJECTED");
    expect(result.stderr).toContain(
      `Docker login failed: the password was rejected by ${registry.host} for user "${USER}".`,
    );
    expect(result.stderr).toContain("Fix SKYPILOT_DOCKER_USERNAME / SKYPILOT_DOCKER_PASSWORD");
    expect(await container(name)).toBeUndefined();
    const state = await box.state(name);
    expect(state?.stages.launch).toMatchObject({
      status: "failed",
      error: { code: "RHX_LAUNCH_LOGIN_REJECTED" },
    });

    // The user puts the new password in .env: the plan says what happened last time, apply converges.
    await credentials(ROTATED);
    const plan = await box.rhx(["plan"]);
    expectExit(plan, 0);
    expect(plan.stderr).toContain("previous launch failed: Docker login failed: the password was rejected");
    const apply = await box.rhx(["apply", "--yes"]);
    expectExit(apply, 0);
    expect(await health(port)).toContain("0.0.36");
    expect((await box.state(name))?.stages.launch?.status).toBe("ok");
    expectExit(await box.rhx(["plan", "--detailed-exitcode"]), 0);
    await copyFile(join(registry.dir, "htpasswd.orig"), htpasswd);
    expectExit(await box.rhx(["down", "-y", name]), 0);
  });
});
