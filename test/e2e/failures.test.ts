import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
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
  waitFor,
} from "./helpers.ts";

/** Failures and faults: a failing setup command, Ctrl-C mid-setup, kill -9 mid-launch, damaged state. */

const SECRET = `Failures-Token-${Math.random().toString(36).slice(2, 12)}`;
let box: Sandbox;

beforeAll(async () => {
  await requireDocker([TEST_IMAGES.runhouse]);
  box = await Sandbox.create("fl");
  await box.writeEnv({ API_TOKEN: SECRET });
});

afterEach(async () => {
  await box.clearHooks();
  await box.sweep();
});

afterAll(async () => {
  // Undefined when beforeAll failed; that failure is the one worth reading.
  const sandbox = box as Sandbox | undefined;
  if (!sandbox) return;
  const leaks = await sandbox.leakReport([SECRET]);
  await sandbox.cleanup();
  expect(leaks).toEqual([]);
});

/** Host processes (other than this one) whose command line mentions `text`. */
async function hostProcesses(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid) || pid === String(process.pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.replaceAll("\0", " ").includes(text)) found.push(`${pid} ${cmdline.replaceAll("\0", " ")}`);
  }
  return found;
}

/** Processes inside the cluster's container whose command line starts with `prefix`. */
async function containerProcesses(name: string, prefix: string): Promise<number> {
  const out = await inContainer(
    name,
    `for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done | grep -c '^${prefix}' || true`,
  );
  return Number(out.trim() || "0");
}

describe("damaged state", () => {
  it.each([
    [
      "a corrupt state file",
      '{"version": 1, "name": "x", "fields": {',
      "RHX_STATE_CORRUPT",
      /is damaged: it is not valid JSON/,
    ],
    [
      "a state file from a newer rhx",
      '{"version": 7, "name": "x"}\n',
      "RHX_STATE_FUTURE",
      /written by a newer rhx/,
    ],
  ])("%s: a clear error, the file untouched, nothing done", async (_, text, code, message) => {
    const name = box.name();
    await box.writeConfig(clusterDoc(name, await freePort()));
    await mkdir(dirname(box.statePath(name)), { recursive: true });
    await writeFile(box.statePath(name), text);
    await box.resetCalls();
    for (const args of [["apply", "--yes"], ["plan"], ["status", name]]) {
      const result = await box.rhx(args);
      expectExit(result, 1);
      expect(result.stderr).toContain(code);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      if (code === "RHX_STATE_CORRUPT") expect(result.stderr).toContain(`\`rhx down ${name}\` removes it`);
    }
    expect(await readFile(box.statePath(name), "utf8")).toBe(text);
    const verbs = await box.dockerVerbs();
    for (const mutating of ["run", "rm", "exec", "login", "pull"]) expect(verbs).not.toContain(mutating);
    expect(await container(name)).toBeUndefined();
    await expect(readFile(box.lockPath(name))).rejects.toThrow();
  });
});

describe.sequential("faults on a real cluster", { timeout: E2E_TEST_TIMEOUT_MS }, () => {
  it("a failing setup command: exit code and tail shown, later stages skipped, state and log say so", async () => {
    const name = box.name();
    const port = await freePort();
    const failing =
      'for i in $(seq 1 40); do echo "out-line-$i"; done; echo "token=$HF_TOKEN"; echo "to-stderr" >&2; exit 7';
    const doc = clusterDoc(name, port, {
      env: { HF_TOKEN: "${API_TOKEN}" },
      setup: ["echo before >> /tmp/trace", failing, "echo after >> /tmp/trace"],
    });
    await box.writeConfig(doc);
    const result = await box.rhx(["apply"]);
    expectExit(result, 1);
    expect(result.stderr).toContain(`[${name}] error RHX_SETUP_FAILED`);
    expect(result.stderr).toContain(`Setup step 3 (\`${failing}\`) exited with code 7.`);
    expect(result.stderr).toContain("out-line-40");
    expect(result.stderr).toContain("to-stderr");
    expect(result.stderr).toContain("token=******");
    expect(result.stderr).not.toMatch(/out-line-5$/m); // only the tail
    const log = /full output: (\S+\.log)/.exec(result.stderr)?.[1];
    expect(log).toBeDefined();
    const logText = await readFile(log!, "utf8");
    for (const line of ["out-line-1", "out-line-40", "to-stderr", "token=******"])
      expect(logText).toContain(line);
    expect(log!.startsWith(box.stateDir)).toBe(true);
    // Later stages skipped: the next command never ran, the server never started.
    expect(await inContainer(name, "cat /tmp/trace")).toBe("before");
    expect(await health(port)).toBeUndefined();
    const state = await box.state(name);
    expect(state?.stages.setup).toMatchObject({ status: "failed", error: { code: "RHX_SETUP_FAILED" } });
    expect(state?.stages.server).toBeUndefined();
    const status = await box.rhx(["status", name]);
    expect(status.stderr).toMatch(new RegExp(`${name}\\s+local\\s+running\\s+ok\\s+failed\\s+-`));

    // Fixed in the file: setup resumes at the failed command; the one before it is not run again.
    await box.writeConfig({
      ...doc,
      setup: ["echo before >> /tmp/trace", "echo fixed >> /tmp/trace", "echo after >> /tmp/trace"],
    });
    const plan = await box.rhx(["plan"]);
    expect(plan.stderr).toContain("steps: run setup from step 3 → restart the server");
    const fixed = await box.rhx(["apply"]);
    expectExit(fixed, 0);
    expect(await inContainer(name, "cat /tmp/trace")).toBe("before\nfixed\nafter");
    expect(await health(port)).toContain("0.0.36");
  });

  it("Ctrl-C during a long setup: exit 130, the command stopped in the container, lock released, teardown hint", async () => {
    const name = box.name();
    await box.writeConfig(
      clusterDoc(name, await freePort(), {
        setup: ["echo started > /tmp/started; sleep 30; echo done > /tmp/done"],
      }),
    );
    const child = box.spawn(["apply"]);
    await waitFor("the long setup command to run", 180_000, async () => {
      if ((await container(name))?.running !== true) return false;
      return (await containerProcesses(name, "sleep 30")) > 0;
    });
    child.kill("SIGINT");
    const result = await box.settle(child);
    expectExit(result, 130);
    expect(result.stderr).toContain("Ctrl-C: stopping at the next safe point");
    expect(result.stderr).toContain(`${name} is still running. To tear it down: rhx down ${name}`);
    expect(await containerProcesses(name, "sleep 30")).toBe(0);
    expect(await inContainer(name, "cat /tmp/done 2>/dev/null || echo none")).toBe("none");
    expect(await hostProcesses(`rhx-${name}`)).toEqual([]);
    await expect(readFile(box.lockPath(name))).rejects.toThrow();
    expect((await box.state(name))?.stages.setup?.status).toBe("failed");
    expect((await container(name))?.running).toBe(true);
  });

  it("kill -9 of rhx mid-launch: the next apply takes over the stale lock and converges", async () => {
    const name = box.name();
    const port = await freePort();
    await box.writeConfig(clusterDoc(name, port, { setup: ["echo set-up >> /tmp/trace"] }));
    await box.hold("run");
    const child = box.spawn(["apply"], { hooks: true });
    await box.held("run", child);
    expect((await box.state(name))?.stages.launch?.status).toBe("running");
    child.kill("SIGKILL");
    await box.settle(child);
    expect(JSON.parse(await readFile(box.lockPath(name), "utf8")).pid).toBe(child.pid);
    // The orphaned `docker run` goes on without rhx, as it would after a real crash.
    await box.release("run");
    await waitFor(
      "the orphaned docker run to finish",
      120_000,
      async () => (await container(name))?.running === true,
    );
    const orphan = (await container(name))!.id;

    const plan = await box.rhx(["plan"]);
    expect(plan.stderr).toContain(`# ${name} will be REPLACED`);
    expect(plan.stderr).toContain("the previous launch did not finish");
    const refused = await box.rhx(["apply"]);
    expectExit(refused, 64);
    expect(refused.stderr).toContain(`took over a stale lock on ${name} (pid ${child.pid} is gone)`);
    const apply = await box.rhx(["apply", "--yes"]);
    expectExit(apply, 0);
    const live = await container(name);
    expect(live?.running).toBe(true);
    expect(live?.id).not.toBe(orphan);
    expect(await inContainer(name, "cat /tmp/trace")).toBe("set-up");
    expect(await health(port)).toContain("0.0.36");
    expectExit(await box.rhx(["plan", "--detailed-exitcode"]), 0);
  });
});
