import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireDocker, TEST_IMAGES } from "../helpers/docker-env.ts";
import {
  clusterDoc,
  container,
  E2E_TEST_TIMEOUT_MS,
  expectExit,
  freePort,
  health,
  inContainer,
  Sandbox,
} from "./helpers.ts";

/**
 * One cluster from a public image on the local engine, through its whole life: create, a no-op that
 * only looks, a setup change, a server change, autostop, a refused and an approved replace, ssh, down.
 * The steps build on each other, so they run in order in one file.
 */

const SECRET = `Lifecycle-Token-${Math.random().toString(36).slice(2, 12)}`;
/** Also leaves a digest of the secret env value, to show it reached the command without printing it. */
const ONE = 'echo "one $GREETING" >> /tmp/trace; printf %s "$HF_TOKEN" | sha256sum > /tmp/token';
let box: Sandbox;
let name: string;
let port: number;
let doc: Record<string, unknown>;
let firstId: string;

beforeAll(async () => {
  await requireDocker([TEST_IMAGES.runhouse, TEST_IMAGES.runhouseNonroot]);
  box = await Sandbox.create("lc");
  name = box.name();
  port = await freePort();
  await box.writeEnv({ API_TOKEN: SECRET });
  doc = clusterDoc(name, port, {
    env: { GREETING: "hello", HF_TOKEN: "${API_TOKEN}" },
    setup: [ONE, "echo two >> /tmp/trace", "echo three >> /tmp/trace"],
  });
  await box.writeConfig(doc);
});

afterAll(async () => {
  // Undefined when beforeAll failed; that failure is the one worth reading.
  const sandbox = box as Sandbox | undefined;
  if (!sandbox) return;
  const leaks = await sandbox.leakReport([SECRET]);
  await sandbox.cleanup();
  expect(leaks).toEqual([]);
});

describe.sequential("a cluster's life on the local engine", { timeout: E2E_TEST_TIMEOUT_MS }, () => {
  it("applies a public local image: container up, setup run in order, server answering", async () => {
    const result = await box.rhx(["apply"]);
    expect(result.stderr).toContain(`# ${name} will be created`);
    expect(result.stderr).toContain(`✓ ${name} is ready: Runhouse server on 127.0.0.1:${port}/check`);
    expectExit(result, 0);
    const live = await container(name);
    expect(live).toMatchObject({ image: TEST_IMAGES.runhouse, running: true });
    firstId = live!.id;
    expect(await inContainer(name, "cat /tmp/trace")).toBe("one hello\ntwo\nthree");
    // The env reached the container, the secret as a value rhx never printed.
    const digest = createHash("sha256").update(SECRET).digest("hex");
    expect(await inContainer(name, "cat /tmp/token")).toContain(digest);
    expect(await health(port)).toContain("0.0.36");
    const state = await box.state(name);
    expect(Object.values(state!.stages).map((s) => s.status)).toEqual(["ok", "ok", "ok"]);
    expect(state!.liveId).toBe(firstId);
    // A public image already on the engine: no login, no pull.
    const verbs = await box.dockerVerbs();
    expect(verbs).not.toContain("login");
    expect(verbs).not.toContain("pull");
    expect(verbs).toContain("run");
  });

  it("re-applied with nothing changed, does nothing but look: one inspect, no login, pull or exec", async () => {
    await box.resetCalls();
    const result = await box.rhx(["apply"]);
    expectExit(result, 0);
    expect(result.stderr).toContain("No changes. The cluster matches the file.");
    expect(result.stderr).toContain(`✓ ${name} is up to date; nothing to do.`);
    expect(await box.dockerCalls()).toEqual([
      ["inspect", "--type", "container", "--format", "{{json .}}", `rhx-${name}`],
    ]);
    const plan = await box.rhx(["plan", "--detailed-exitcode"]);
    expectExit(plan, 0);
  });

  it("re-runs setup only from the changed command; the container stays the same", async () => {
    doc = { ...doc, setup: [ONE, "echo TWO >> /tmp/trace", "echo three >> /tmp/trace"] };
    await box.writeConfig(doc);
    const plan = await box.rhx(["plan", "--detailed-exitcode"]);
    expectExit(plan, 2);
    expect(plan.stderr).toContain('~ setup[1]: "echo two >> /tmp/trace" → "echo TWO >> /tmp/trace"');
    expect(plan.stderr).toContain("steps: run setup from step 3 → restart the server");
    await box.resetCalls();
    const result = await box.rhx(["apply"]);
    expectExit(result, 0);
    expect((await container(name))?.id).toBe(firstId);
    expect(await inContainer(name, "cat /tmp/trace")).toBe("one hello\ntwo\nthree\nTWO\nthree");
    const verbs = await box.dockerVerbs();
    expect(verbs.filter((v) => v === "exec")).toHaveLength(3); // two setup commands + the server start
    expect(verbs).not.toContain("run");
    expect(verbs).not.toContain("rm");
    expect(await health(port)).toContain("0.0.36");
  });

  it("refuses a server.port change to a port in use at pre-flight (exit 4); the old server keeps running", async () => {
    const busy = await freePort();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(busy, "127.0.0.1", resolve));
    try {
      await box.writeConfig({ ...doc, server: { port: busy, health_timeout_secs: 120 } });
      const result = await box.rhx(["apply"]);
      expectExit(result, 4);
      expect(result.stderr).toContain(
        `port ${busy}: 127.0.0.1:${busy} is already in use by another process.`,
      );
      expect(result.stderr).toContain("RHX_PORT_BUSY");
      expect(await health(port)).toContain("0.0.36");
    } finally {
      await new Promise((resolve) => holder.close(resolve));
      await box.writeConfig(doc);
    }
  });

  it("restarts only the server when server.port changes", async () => {
    const newPort = await freePort();
    doc = { ...doc, server: { port: newPort, health_timeout_secs: 120 } };
    await box.writeConfig(doc);
    const plan = await box.rhx(["plan"]);
    expect(plan.stderr).toContain(`~ server.port: "${port}" → "${newPort}"`);
    expect(plan.stderr).toContain(`${name} will restart its Runhouse server`);
    await box.resetCalls();
    const result = await box.rhx(["apply"]);
    expectExit(result, 0);
    expect(await health(newPort)).toContain("0.0.36");
    expect(await health(port)).toBeUndefined();
    port = newPort;
    expect((await container(name))?.id).toBe(firstId);
    expect(await inContainer(name, "cat /tmp/trace")).toBe("one hello\ntwo\nthree\nTWO\nthree");
    expect((await box.dockerVerbs()).filter((v) => v === "exec")).toHaveLength(1);
  });

  it("records an autostop change (the local engine has none) and then has nothing to do", async () => {
    doc = { ...doc, autostop_mins: 15 };
    await box.writeConfig(doc);
    await box.resetCalls();
    const result = await box.rhx(["apply"]);
    expectExit(result, 0);
    expect(result.stderr).toContain('~ autostop_mins: "60" → "15"');
    expect((await box.dockerVerbs()).filter((v) => v !== "inspect")).toEqual([]);
    const again = await box.rhx(["plan", "--detailed-exitcode"]);
    expectExit(again, 0);
  });

  it("refuses an image change (a replace) in a non-TTY without --yes: exit 64, nothing changed", async () => {
    const before = await readFile(box.statePath(name), "utf8");
    await box.writeConfig({ ...doc, image_id: `docker:${TEST_IMAGES.runhouseNonroot}` });
    await box.resetCalls();
    const result = await box.rhx(["apply"]);
    expectExit(result, 64);
    expect(result.stderr).toContain(`# ${name} will be REPLACED`);
    expect(result.stderr).toContain(
      `~ image_id: "docker:${TEST_IMAGES.runhouse}" → "docker:${TEST_IMAGES.runhouseNonroot}"  # forces replacement`,
    );
    expect(result.stderr).toContain("RHX_CONFIRMATION_REQUIRED");
    expect(result.stderr).toContain("run again with --yes");
    expect((await container(name))?.id).toBe(firstId);
    expect(await readFile(box.statePath(name), "utf8")).toBe(before);
    const verbs = await box.dockerVerbs();
    for (const mutating of ["rm", "run", "exec", "login", "pull"]) expect(verbs).not.toContain(mutating);
  });

  it("replaces it with --yes: a new container from the new image, set up from scratch", async () => {
    const result = await box.rhx(["apply", "--yes"]);
    expectExit(result, 0);
    const live = await container(name);
    expect(live?.image).toBe(TEST_IMAGES.runhouseNonroot);
    expect(live?.id).not.toBe(firstId);
    expect(await inContainer(name, "cat /tmp/trace")).toBe("one hello\nTWO\nthree");
    expect(await health(port)).toContain("0.0.36");
    expect((await box.state(name))?.liveId).toBe(live?.id);
  });

  it("runs `rhx ssh NAME -- CMD` inside the container and passes its exit code", async () => {
    const who = await box.rhx(["ssh", name, "--", "sh", "-c", "id -u; cat /etc/rhx-test-image"]);
    expectExit(who, 0);
    expect(who.stdout).toBe("1000\nrhx-test-runhouse");
    const failing = await box.rhx(["ssh", name, "--", "sh", "-c", "exit 3"]);
    expectExit(failing, 3);
  });

  it("tears down with `down` (asking first without -y), then `status` shows it absent", async () => {
    const refused = await box.rhx(["down", name]);
    expectExit(refused, 64);
    expect(await container(name)).toBeDefined();
    const down = await box.rhx(["down", "-y", name]);
    expectExit(down, 0);
    expect(down.stderr).toContain(`${name} is torn down.`);
    expect(await container(name)).toBeUndefined();
    expect(await box.state(name)).toBeUndefined();
    const status = await box.rhx(["status", name]);
    expectExit(status, 0);
    expect(status.stderr).toMatch(new RegExp(`${name}\\s+local\\s+absent\\s+-\\s+-\\s+-\\s+never applied`));
    const json = await box.rhx(["status", name, "--json"]);
    const event = JSON.parse(json.stdout.trim().split("\n")[0]!);
    expect(event).toMatchObject({ type: "status", cluster: name, live: { state: "absent" }, recorded: null });
    const ssh = await box.rhx(["ssh", name, "--", "true"]);
    expectExit(ssh, 1);
    expect(ssh.stderr).toContain("RHX_NOT_RUNNING");
  });
});
