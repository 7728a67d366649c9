import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import type { ListrRendererFactory } from "listr2";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { reportFailure } from "../../src/cli/main.ts";
import type { ClusterSpec, LoadedCluster } from "../../src/config/cluster.ts";
import { ExitCode } from "../../src/errors/exit-codes.ts";
import { RhxError } from "../../src/errors/rhx-error.ts";
import { type ApplyInput, applyClusters } from "../../src/pipeline/apply.ts";
import { planOnly } from "../../src/pipeline/plan-only.ts";
import type { CheckResult } from "../../src/preflight/types.ts";
import { Redactor } from "../../src/secrets/redactor.ts";
import { statePaths } from "../../src/state/paths.ts";
import { readState } from "../../src/state/store.ts";
import { expectValidEvents } from "../helpers/run-cli.ts";
import { FakeDriver, loaded, running, spec, testOutput } from "./fakes.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-apply-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

interface Harness {
  stderr: Sink;
  stdout: Sink;
  preflight: ReturnType<typeof vi.fn>;
  options: ApplyInput;
}

function harness(
  clusters: LoadedCluster[],
  drivers: Map<string, FakeDriver>,
  overrides: Partial<ApplyInput> & { checks?: CheckResult[] } = {},
): Harness {
  const stderr = new Sink();
  const stdout = new Sink();
  const { checks = [], ...rest } = overrides;
  const preflight = vi.fn(async () => checks);
  return {
    stderr,
    stdout,
    preflight,
    options: {
      clusters,
      output: testOutput({ json: false, stdout, stderr }),
      stateDir: dir,
      signal: new AbortController().signal,
      redactor: new Redactor(),
      driverFor: async (cluster) => drivers.get(cluster.spec.name)!,
      preflight,
      stepTimeoutMs: 60_000,
      approveReplace: false,
      interactive: false,
      concurrency: 4,
      lockTimeoutMs: 0,
      liveRenderer: false,
      ...rest,
    },
  };
}

async function apply(
  clusterSpec: ClusterSpec,
  driver: FakeDriver,
  overrides: Parameters<typeof harness>[2] = {},
) {
  const h = harness([loaded(clusterSpec)], new Map([[clusterSpec.name, driver]]), overrides);
  const outcome = await applyClusters(h.options).then(
    (result) => ({ result, error: undefined }),
    (error: unknown) => ({ result: undefined, error }),
  );
  return { ...h, ...outcome, exitCode: outcome.result?.exitCode ?? (outcome.error as RhxError).exitCode };
}

async function locks(): Promise<string[]> {
  return readdir(join(dir, "locks")).catch(() => []);
}

describe("applyClusters", () => {
  it("creates a cluster, then a re-apply only looks (one status, no pre-flight)", async () => {
    const driver = new FakeDriver();
    const first = await apply(spec(), driver);
    expect(first.exitCode).toBe(ExitCode.Ok);
    expect(first.stderr.text).toContain("dev will be created");
    expect(first.stderr.text).toContain(
      "✓ dev is ready: Runhouse server on 127.0.0.1:32300/check · shell: rhx ssh dev",
    );
    expect(first.preflight).toHaveBeenCalledTimes(1);

    driver.calls = [];
    const again = await apply(spec(), driver);
    expect(again.exitCode).toBe(ExitCode.Ok);
    expect(driver.ops()).toEqual(["status"]);
    expect(again.preflight).not.toHaveBeenCalled();
    expect(again.stderr.text).toContain("No changes. The cluster matches the file.");
    expect(again.stderr.text).toContain("✓ dev is up to date; nothing to do.");
    expect(await locks()).toEqual([]);
  });

  it("tells pre-flight the port is the running cluster's own unless it changes, and whether it launches", async () => {
    const driver = new FakeDriver();
    const first = await apply(spec(), driver);
    expect(first.preflight).toHaveBeenCalledWith(expect.anything(), driver, false, true);
    const setupOnly = await apply(spec({ setup: ["echo changed"] }), driver);
    expect(setupOnly.preflight).toHaveBeenCalledWith(expect.anything(), driver, true, false);
    const newPort = await apply(
      spec({ setup: ["echo changed"], server: { ...spec().server, port: 40001 } }),
      driver,
    );
    expect(newPort.preflight).toHaveBeenCalledWith(expect.anything(), driver, false, false);
    const replace = await apply(
      spec({ setup: ["echo changed"], server: { ...spec().server, port: 40001 }, image_id: "docker:x:2" }),
      driver,
      {
        approveReplace: true,
      },
    );
    expect(replace.preflight).toHaveBeenCalledWith(expect.anything(), driver, true, true);
  });

  it("stops with exit 4 when a pre-flight check fails, and launches nothing", async () => {
    const driver = new FakeDriver();
    const { exitCode, stderr } = await apply(spec(), driver, {
      checks: [
        {
          id: "registry",
          title: "registry login and image",
          status: "fail",
          code: "RHX_REGISTRY_AUTH_REJECTED",
          message: "rejected",
          hint: "fix it",
        },
      ],
    });
    expect(exitCode).toBe(ExitCode.PreflightFailed);
    expect(driver.ops()).toEqual(["status"]);
    expect(stderr.text).toContain("[dev] ✗ registry login and image: rejected (RHX_REGISTRY_AUTH_REJECTED)");
    expect(stderr.text).toContain("hint: fix it");
    expect(await readState(dir, "dev")).toBeUndefined();
    expect(await locks()).toEqual([]);
  });

  it("goes on after a pre-flight warning", async () => {
    const driver = new FakeDriver();
    const { exitCode, stderr } = await apply(spec(), driver, {
      checks: [{ id: "x", title: "something", status: "warn", message: "odd but fine" }],
    });
    expect(exitCode).toBe(ExitCode.Ok);
    expect(stderr.text).toContain("[dev] ! something: odd but fine");
  });

  it("refuses a replace in a non-TTY without --yes (exit 64), changes nothing, releases the lock", async () => {
    const driver = new FakeDriver();
    await apply(spec(), driver);
    const before = await readFile(statePaths(dir, "dev").state, "utf8");
    driver.calls = [];
    const { error, exitCode } = await apply(
      spec({ image_id: "docker:rhx-test/runhouse:0.0.36-nonroot" }),
      driver,
    );
    expect(error).toBeInstanceOf(RhxError);
    expect((error as RhxError).code).toBe("RHX_CONFIRMATION_REQUIRED");
    expect(exitCode).toBe(ExitCode.Usage);
    expect(driver.ops()).toEqual(["status"]);
    expect(await readFile(statePaths(dir, "dev").state, "utf8")).toBe(before);
    expect(await locks()).toEqual([]);

    const yes = await apply(spec({ image_id: "docker:rhx-test/runhouse:0.0.36-nonroot" }), driver, {
      approveReplace: true,
    });
    expect(yes.exitCode).toBe(ExitCode.Ok);
    expect(driver.ops()).toContain("teardown");
  });

  it("answers exit 5 naming the holder when another rhx holds the lock, and touches nothing", async () => {
    const path = statePaths(dir, "dev").lock;
    await mkdir(dirname(path), { recursive: true });
    const holder = {
      pid: process.ppid,
      host: hostname(),
      startedAt: "2026-01-01T00:00:00Z",
      command: "rhx apply",
    };
    await writeFile(path, JSON.stringify(holder));
    const driver = new FakeDriver();
    const { exitCode, stderr } = await apply(spec(), driver);
    expect(exitCode).toBe(ExitCode.Locked);
    expect(stderr.text).toContain("RHX_LOCKED");
    expect(stderr.text).toContain(`dev is locked by rhx apply (pid ${process.ppid} on ${hostname()}`);
    expect(driver.calls).toEqual([]);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual(holder);
  });

  it("does not lock for a plan", async () => {
    const driver = new FakeDriver();
    const h = harness([loaded(spec())], new Map([["dev", driver]]));
    const result = await planOnly(h.options);
    expect(result.planned.map((p) => p.plan.action)).toEqual(["create"]);
    expect(driver.ops()).toEqual(["status"]);
    expect(await readdir(dir)).not.toContain("locks");
  });

  it("stops on a corrupt state file with RHX_STATE_CORRUPT and leaves the file as it was", async () => {
    const path = statePaths(dir, "dev").state;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, '{"version": 1, "name": "dev", "trunc');
    const driver = new FakeDriver(running());
    const { exitCode, stderr } = await apply(spec(), driver, { approveReplace: true });
    expect(exitCode).toBe(ExitCode.StepFailed);
    expect(stderr.text).toContain("RHX_STATE_CORRUPT");
    expect(stderr.text).toContain(
      "The state of dev is damaged: it is not valid JSON. rhx will not overwrite it.",
    );
    expect(await readFile(path, "utf8")).toBe('{"version": 1, "name": "dev", "trunc');
    expect(driver.ops().filter((op) => op !== "status")).toEqual([]);
    expect(await locks()).toEqual([]);
  });

  it("refuses a container with the name that rhx did not create", async () => {
    const driver = new FakeDriver({ state: "running", id: "x", ownedByRhx: false });
    const { exitCode, stderr } = await apply(spec(), driver, { approveReplace: true });
    expect(exitCode).toBe(ExitCode.StepFailed);
    expect(stderr.text).toContain("RHX_NOT_OWNED");
    expect(driver.ops()).toEqual(["status"]);
  });

  it("shows a failed setup step's exit code and output tail, the log path, and skips the rest", async () => {
    const driver = new FakeDriver();
    driver.execResult = (command) =>
      command === "echo two"
        ? { exitCode: 7, tail: Array.from({ length: 30 }, (_, i) => `line ${i + 1}`) }
        : { exitCode: 0, tail: [] };
    const { exitCode, stderr } = await apply(spec(), driver);
    expect(exitCode).toBe(ExitCode.StepFailed);
    expect(stderr.text).toContain("[dev] setup-3: failed after");
    expect(stderr.text).toContain("Setup step 3 (`echo two`) exited with code 7.");
    expect(stderr.text).toContain("line 30");
    expect(driver.ops()).not.toContain("waitForServer");
    expect(driver.ops()).not.toContain("exec: echo three");
    const logLine = /full output: (.+\.log)/.exec(stderr.text);
    expect(logLine).not.toBeNull();
    const log = await readFile(logLine![1]!, "utf8");
    expect(log).toContain("[setup-3] line 1\n");
    expect(log).toContain("[setup-3] line 30\n");
    expect((await readState(dir, "dev"))?.stages.setup?.status).toBe("failed");
    expect(await locks()).toEqual([]);
  });

  it("applies several clusters at once; one failing does not stop the other", async () => {
    const a = spec({ name: "a" });
    const b = spec({ name: "b", server: { ...spec().server, port: 32301 } });
    const drivers = new Map([
      ["a", new FakeDriver()],
      ["b", new FakeDriver()],
    ]);
    drivers.get("a")!.launchError = new RhxError({ code: "RHX_LAUNCH_PULL_DENIED", message: "denied" });
    const h = harness([loaded(a), loaded(b)], drivers);
    const result = await applyClusters(h.options);
    expect(result.exitCode).toBe(ExitCode.StepFailed);
    expect(result.outcomes.map((o) => [o.name, o.ok])).toEqual([
      ["a", false],
      ["b", true],
    ]);
    expect(h.stderr.text).toContain("[a] error RHX_LAUNCH_PULL_DENIED");
    expect(h.stderr.text).toContain("✓ b is ready");
    expect((await readState(dir, "a"))?.stages.launch?.status).toBe("failed");
    expect((await readState(dir, "b"))?.stages.server?.status).toBe("ok");
    expect(await locks()).toEqual([]);
  });

  it("on an interrupt mid-setup: exit 130, says what is still running and how to tear it down", async () => {
    const driver = new FakeDriver();
    driver.hang = { op: "exec", match: "echo two" };
    const controller = new AbortController();
    const h = harness([loaded(spec())], new Map([["dev", driver]]), { signal: controller.signal });
    const pending = applyClusters(h.options);
    await driver.hanging;
    controller.abort();
    const result = await pending;
    expect(result.exitCode).toBe(ExitCode.Interrupted);
    expect(h.stderr.text).toContain("dev is still running. To tear it down: rhx down dev");
    expect(h.stderr.text).not.toContain("error RHX_CANCELLED");
    expect(driver.ops()).not.toContain("waitForServer");
    expect((await readState(dir, "dev"))?.stages.setup?.status).toBe("failed");
    expect(await locks()).toEqual([]);
  });

  it("writes --json events to stdout and nothing human there", async () => {
    const driver = new FakeDriver();
    const stdout = new Sink();
    const stderr = new Sink();
    const h = harness([loaded(spec())], new Map([["dev", driver]]), {
      output: testOutput({ json: true, stdout, stderr }),
    });
    await applyClusters(h.options);
    const events = stdout.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; step?: string });
    expect(events.map((e) => e.type)).toContain("plan");
    expect(events.filter((e) => e.type === "step-finished").map((e) => e.step)).toEqual([
      "launch",
      "setup-1",
      "setup-2",
      "setup-3",
      "setup-4",
      "server",
    ]);
    expect(events.at(-1)?.type).toBe("summary");
    expect(stderr.text).toBe("");
  });
});

/** A listr renderer that breaks before any task runs: an error outside every step. */
class BrokenRenderer {
  static nonTTY = true;
  static rendererOptions = {};
  static rendererTaskOptions = {};
  render(): void {
    throw new Error("the renderer broke");
  }
  end(): void {}
}

describe("outcomes are pending until proven", () => {
  it("a task-runner error outside any step is rethrown: exit 1, and no cluster is called ready", async () => {
    const driver = new FakeDriver();
    const h = harness([loaded(spec())], new Map([["dev", driver]]), {
      renderer: BrokenRenderer as unknown as ListrRendererFactory,
    });
    const exitCode = await applyClusters(h.options).then(
      (result) => result.exitCode,
      (error: unknown) => reportFailure(h.options.output, error),
    );
    expect(exitCode).toBe(ExitCode.StepFailed);
    expect(h.stderr.text).toContain("RHX_INTERNAL");
    expect(h.stderr.text).toContain("the renderer broke");
    expect(h.stderr.text).not.toContain("is ready");
    expect(driver.ops()).not.toContain("launch");
    expect(await locks()).toEqual([]);
  });

  it("an observer that throws at the end stops the run before a person is told it is ready", async () => {
    const driver = new FakeDriver();
    const h = harness([loaded(spec())], new Map([["dev", driver]]), {
      observe: (event) => {
        if (event.type === "summary") throw new Error("the reporter broke");
      },
    });
    const exitCode = await applyClusters(h.options).then(
      (result) => result.exitCode,
      (error: unknown) => reportFailure(h.options.output, error),
    );
    expect(exitCode).toBe(ExitCode.StepFailed);
    expect(h.stderr.text).toContain("the reporter broke");
    expect(h.stderr.text).not.toContain("is ready");
    expect(await locks()).toEqual([]);
  });

  it("a failure keeps one code from the step event to the error event", async () => {
    const driver = new FakeDriver();
    driver.launchError = new Error("not an RhxError");
    const stdout = new Sink();
    const h = harness([loaded(spec())], new Map([["dev", driver]]), {
      output: testOutput({ json: true, stdout, stderr: new Sink() }),
    });
    const result = await applyClusters(h.options);
    expect(result.exitCode).toBe(ExitCode.StepFailed);
    const events = stdout.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; code?: string });
    const codes = events
      .filter((e) => e.type === "step-failed" || e.type === "error")
      .map((e) => [e.type, e.code]);
    expect(codes).toEqual([
      ["step-failed", "RHX_STEP_FAILED"],
      ["error", "RHX_STEP_FAILED"],
    ]);
    expect(result.outcomes).toEqual([
      expect.objectContaining({ name: "dev", ok: false, code: "RHX_STEP_FAILED" }),
    ]);
  });

  it("hands every event to an injected observer, each valid against the published schema", async () => {
    const driver = new FakeDriver();
    const seen: string[] = [];
    const stdout = new Sink();
    const h = harness([loaded(spec())], new Map([["dev", driver]]), {
      output: testOutput({ json: true, stdout, stderr: new Sink() }),
      observe: (event) => seen.push(event.type),
    });
    await applyClusters(h.options);
    expect(seen[0]).toBe("plan");
    expect(seen.at(-1)).toBe("summary");
    expect(seen.filter((t) => t === "step-finished")).toHaveLength(6);
    expectValidEvents(stdout.text, true);
    expect(stdout.text.trim().split("\n")).toHaveLength(seen.length);
  });
});
