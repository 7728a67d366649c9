import { describe, expect, it } from "vitest";
import type { ClusterSpec } from "../../src/config/cluster.ts";
import { RhxError } from "../../src/errors/rhx-error.ts";
import { createPlan } from "../../src/plan/create-plan.ts";
import { setupSteps } from "../../src/plan/fields.ts";
import type { ClusterState } from "../../src/state/schema.ts";
import { appliedCluster, FakeDriver, fingerprint, planAndApply, running, spec, startApply } from "./fakes.ts";

const install = /^if runhouse --version/;
const serverStart = "runhouse server restart --restart-ray --port 32300"; // 0.0.36, the default

/** Driver ops with the install command shortened, for readable expectations. */
function ops(driver: FakeDriver): string[] {
  return driver.ops().map((op) => (install.test(op.replace("exec: ", "")) ? "exec: <install>" : op));
}

function nextPlan(driver: FakeDriver, clusterSpec: ClusterSpec, state: ClusterState | undefined) {
  return createPlan({ spec: clusterSpec, state, live: driver.live, fingerprint });
}

/** Runs until the driver hangs, then returns the state on disk at that moment: what kill -9 leaves. */
async function crashAt(
  driver: FakeDriver,
  clusterSpec: ClusterSpec,
  state: ClusterState | undefined,
  hang: FakeDriver["hang"],
): Promise<ClusterState> {
  driver.hang = hang;
  const run = await startApply(driver, clusterSpec, state);
  await driver.hanging;
  return structuredClone(run.saved.at(-1)!);
}

describe("applySteps: a first apply", () => {
  it("launches, sets up in order, starts the server, and the next plan is a no-op", async () => {
    const driver = new FakeDriver();
    const result = await planAndApply(driver, spec(), undefined);
    expect(result.error).toBeUndefined();
    expect(result.steps.map((s) => s.id)).toEqual([
      "launch",
      "setup-1",
      "setup-2",
      "setup-3",
      "setup-4",
      "server",
    ]);
    expect(ops(driver)).toEqual([
      "status",
      "launch",
      "exec: <install>",
      "exec: echo one",
      "exec: echo two",
      "exec: echo three",
      `exec: ${serverStart}`,
      "waitForServer",
    ]);
    const state = result.state!;
    expect(state.stages).toEqual({
      launch: { status: "ok", at: expect.any(String) },
      setup: { status: "ok", at: expect.any(String) },
      server: { status: "ok", at: expect.any(String) },
    });
    expect(state.liveId).toBe(driver.live.id);
    expect(state.setup).toEqual(setupSteps(spec(), fingerprint).map((s) => s.fingerprint));
    expect(nextPlan(driver, spec(), state).action).toBe("no-op");
  });

  it("records state around every step, before the driver is called", async () => {
    const driver = new FakeDriver();
    const result = await planAndApply(driver, spec(), undefined);
    const trail = result.saved.map((s) =>
      [
        `launch=${s.stages.launch?.status ?? "-"}`,
        `setup=${s.stages.setup?.status ?? "-"}`,
        `server=${s.stages.server?.status ?? "-"}`,
        `done=${s.setup.length}`,
        s.liveId ? "id" : "",
      ]
        .join(" ")
        .trim(),
    );
    expect(trail).toEqual([
      "launch=- setup=- server=- done=0",
      "launch=running setup=- server=- done=0",
      "launch=running setup=- server=- done=0 id",
      "launch=ok setup=- server=- done=0 id",
      "launch=ok setup=running server=- done=0 id",
      "launch=ok setup=running server=- done=1 id",
      "launch=ok setup=running server=- done=2 id",
      "launch=ok setup=running server=- done=3 id",
      "launch=ok setup=running server=- done=4 id",
      "launch=ok setup=running server=- done=4 id",
      "launch=ok setup=ok server=- done=4 id",
      "launch=ok setup=ok server=running done=4 id",
      "launch=ok setup=ok server=running done=4 id",
      "launch=ok setup=ok server=ok done=4 id",
    ]);
    // Fields are recorded before the launch, so a failed launch is known by what it tried.
    expect(result.saved[0]?.fields.image_id).toBe(fingerprint(spec().image_id));
  });

  it("marks an empty setup as done", async () => {
    const bare = spec({ setup: [], runhouse: { version: "0.0.36", install: false } });
    const driver = new FakeDriver();
    const result = await planAndApply(driver, bare, undefined);
    expect(result.steps.map((s) => s.id)).toEqual(["launch", "setup", "server"]);
    expect(result.state?.stages.setup?.status).toBe("ok");
    expect(nextPlan(driver, bare, result.state).action).toBe("no-op");
  });

  it("never writes a secret into state, only its fingerprint", async () => {
    const withCreds = spec({
      docker: { username: "alice", password: "Very-Distinct-Pw-42", server: "r:5000", source: "environment" },
      env: { API_TOKEN: "Token-Value-Distinct-77" },
    });
    const result = await planAndApply(new FakeDriver(), withCreds, undefined);
    const all = JSON.stringify(result.saved);
    expect(all).not.toContain("Very-Distinct-Pw-42");
    expect(all).not.toContain("Token-Value-Distinct-77");
    expect(result.state?.fields["docker.password"]).toBe(fingerprint("Very-Distinct-Pw-42"));
    expect(result.state?.shown).not.toHaveProperty("docker.password");
    expect(result.state?.shown).not.toHaveProperty("env.API_TOKEN");
  });
});

describe("applySteps: failures", () => {
  it("records a failed setup step, its exit code and output tail, and runs nothing after it", async () => {
    const driver = new FakeDriver();
    driver.execResult = (command) =>
      command === "echo two"
        ? { exitCode: 3, tail: ["compiling", "error: no such thing"] }
        : { exitCode: 0, tail: [] };
    const result = await planAndApply(driver, spec(), undefined);
    expect(result.error).toBeInstanceOf(RhxError);
    const error = result.error as RhxError;
    expect(error.code).toBe("RHX_SETUP_FAILED");
    expect(error.message).toBe(
      "Setup step 3 (`echo two`) exited with code 3.\n    compiling\n    error: no such thing",
    );
    expect(ops(driver)).not.toContain("exec: echo three");
    expect(ops(driver)).not.toContain("waitForServer");
    const state = result.state!;
    expect(state.stages.setup).toEqual({
      status: "failed",
      at: expect.any(String),
      error: { code: "RHX_SETUP_FAILED", message: "Setup step 3 (`echo two`) exited with code 3." },
    });
    expect(state.stages.server).toBeUndefined();
    expect(state.setup).toHaveLength(2);

    // Fixed: the next apply starts at the failed step, not from the beginning.
    driver.execResult = () => ({ exitCode: 0, tail: [] });
    driver.calls = [];
    const again = await planAndApply(driver, spec(), state);
    expect(again.plan.action).toBe("setup");
    expect(ops(driver)).toEqual([
      "status",
      "exec: echo two",
      "exec: echo three",
      `exec: ${serverStart}`,
      "waitForServer",
    ]);
    expect(nextPlan(driver, spec(), again.state).action).toBe("no-op");
  });

  it("records a setup step whose exec itself failed (engine gone)", async () => {
    const driver = new FakeDriver();
    const engine = new RhxError({
      code: "RHX_ENGINE_UNREACHABLE",
      message: "The Docker engine is not reachable",
    });
    driver.execResult = (command) => {
      if (command === "echo one") throw engine;
      return { exitCode: 0, tail: [] };
    };
    const result = await planAndApply(driver, spec(), undefined);
    expect(result.error).toBe(engine);
    expect(result.state?.stages.setup).toMatchObject({
      status: "failed",
      error: { code: "RHX_ENGINE_UNREACHABLE" },
    });
  });

  it("records a failed launch; the next plan says why and launches again", async () => {
    const driver = new FakeDriver();
    driver.launchError = new RhxError({
      code: "RHX_LAUNCH_LOGIN_REJECTED",
      message: 'Docker login failed: the password was rejected by r:5000 for user "alice".\nmore',
    });
    const result = await planAndApply(driver, spec(), undefined);
    expect(result.state?.stages).toEqual({
      launch: {
        status: "failed",
        at: expect.any(String),
        error: {
          code: "RHX_LAUNCH_LOGIN_REJECTED",
          message: 'Docker login failed: the password was rejected by r:5000 for user "alice".',
        },
      },
    });
    expect(ops(driver)).toEqual(["status", "launch"]);
    // The local driver removes what a failed launch started: nothing to tear down, a fresh launch.
    const gone = nextPlan(driver, spec(), result.state);
    expect(gone.action).toBe("create");
    expect(gone.changes[0]?.note).toMatch(/^previous launch failed: Docker login failed/);
    // A driver that leaves the machine behind (SkyPilot's INIT): a replace, saying why.
    const left = createPlan({ spec: spec(), state: result.state, live: running("half"), fingerprint });
    expect(left.action).toBe("replace");
    expect(left.changes[0]?.note).toMatch(/^previous launch failed: Docker login failed/);

    driver.launchError = undefined;
    driver.calls = [];
    const again = await planAndApply(driver, spec(), result.state);
    expect(again.error).toBeUndefined();
    expect(nextPlan(driver, spec(), again.state).action).toBe("no-op");
  });

  it("records a server that never became healthy; the next plan restarts only the server", async () => {
    const driver = new FakeDriver();
    driver.serverError = new RhxError({ code: "RHX_SERVER_UNHEALTHY", message: "no answer" });
    const result = await planAndApply(driver, spec(), undefined);
    expect(result.state?.stages.server).toMatchObject({
      status: "failed",
      error: { code: "RHX_SERVER_UNHEALTHY" },
    });
    driver.serverError = undefined;
    driver.calls = [];
    const again = await planAndApply(driver, spec(), result.state);
    expect(again.plan.action).toBe("server-restart");
    expect(ops(driver)).toEqual(["status", `exec: ${serverStart}`, "waitForServer"]);
  });

  it("reports a server start command that exits non-zero", async () => {
    const driver = new FakeDriver();
    driver.execResult = (command) =>
      command === serverStart
        ? { exitCode: 1, tail: ["Failed to restart server"] }
        : { exitCode: 0, tail: [] };
    const result = await planAndApply(driver, spec(), undefined);
    expect((result.error as RhxError).code).toBe("RHX_SERVER_START_FAILED");
    expect((result.error as RhxError).message).toContain("Failed to restart server");
    expect(ops(driver)).not.toContain("waitForServer");
  });
});

describe("applySteps: a crash (kill -9) leaves state the next plan acts on", () => {
  it("mid-launch, container not made yet → create", async () => {
    const driver = new FakeDriver();
    const left = await crashAt(driver, spec(), undefined, { op: "launch" });
    expect(left.stages.launch?.status).toBe("running");
    expect(nextPlan(driver, spec(), left).action).toBe("create");
  });

  it("mid-launch, container already made → replace (the launch did not finish)", async () => {
    const driver = new FakeDriver();
    const left = await crashAt(driver, spec(), undefined, { op: "launch" });
    const plan = createPlan({ spec: spec(), state: left, live: running("orphan"), fingerprint });
    expect(plan.action).toBe("replace");
    expect(plan.changes[0]?.note).toBe("the previous launch did not finish");
  });

  it("between the launch and the first setup step → setup from the start", async () => {
    const { driver, state } = await appliedCluster();
    const left: ClusterState = { ...state, setup: [], stages: { launch: state.stages.launch! } };
    const plan = nextPlan(driver, spec(), left);
    expect(plan.action).toBe("setup");
    expect(plan.changes.map((c) => c.note)).toEqual([
      "setup has not run yet",
      "the server was not started successfully",
    ]);
    expect(plan.steps.setupFrom).toBe(0);
    expect(plan.steps.server).toBe(true);
  });

  it("mid-setup → setup resumes at the interrupted step", async () => {
    const driver = new FakeDriver();
    const left = await crashAt(driver, spec(), undefined, { op: "exec", match: "echo two" });
    expect(left.stages.setup?.status).toBe("running");
    expect(left.setup).toHaveLength(2);
    const plan = nextPlan(driver, spec(), left);
    expect(plan.action).toBe("setup");
    expect(plan.steps.setupFrom).toBe(2);
  });

  it("mid-server-start → the server is started again", async () => {
    const driver = new FakeDriver();
    const left = await crashAt(driver, spec(), undefined, { op: "waitForServer" });
    expect(left.stages.server?.status).toBe("running");
    const plan = nextPlan(driver, spec(), left);
    expect(plan.action).toBe("server-restart");
  });

  it("after autostop was recorded but before the server change ran → the server change is still pending", async () => {
    const base = spec();
    const { driver, state } = await appliedCluster(base);
    const next = { ...base, autostop_mins: 5, server: { ...base.server, port: 40000 } };
    const left = await crashAt(driver, next, state, { op: "exec", match: "runhouse server restart" });
    const plan = nextPlan(driver, next, left);
    expect(plan.changes.map((c) => c.field)).toEqual(["server.port", "server"]);
    expect(plan.steps).toMatchObject({ autostop: false, server: true });
  });

  it("an interrupted (SIGINT) step records failed with the cancel, and the next plan resumes", async () => {
    const driver = new FakeDriver();
    driver.hang = { op: "exec", match: "echo one" };
    const controller = new AbortController();
    const run = await startApply(driver, spec(), undefined, { signal: controller.signal });
    await driver.hanging;
    controller.abort();
    const result = await run.done;
    expect((result.error as RhxError).code).toBe("RHX_CANCELLED");
    expect(result.state?.stages.setup?.status).toBe("failed");
    driver.hang = undefined;
    expect(nextPlan(driver, spec(), result.state).steps.setupFrom).toBe(1);
  });
});

describe("applySteps: changes to a running cluster", () => {
  it("a setup change runs from the changed step and restarts the server; the container stays", async () => {
    const base = spec();
    const { driver, state } = await appliedCluster(base);
    const next = { ...base, setup: ["echo one", "echo TWO", "echo three"] };
    const result = await planAndApply(driver, next, state);
    expect(ops(driver)).toEqual([
      "status",
      "exec: echo TWO",
      "exec: echo three",
      `exec: ${serverStart}`,
      "waitForServer",
    ]);
    expect(result.state?.liveId).toBe(state.liveId);
    expect(nextPlan(driver, next, result.state).action).toBe("no-op");
  });

  it("an env change re-runs setup from step 1", async () => {
    const base = spec();
    const { driver, state } = await appliedCluster(base);
    const next = { ...base, env: { GREETING: "bonjour" } };
    await planAndApply(driver, next, state);
    expect(ops(driver).filter((op) => op.startsWith("exec"))).toEqual([
      "exec: <install>",
      "exec: echo one",
      "exec: echo two",
      "exec: echo three",
      `exec: ${serverStart}`,
    ]);
  });

  it("a server change restarts the server only", async () => {
    const base = spec();
    const { driver, state } = await appliedCluster(base);
    const next = { ...base, server: { ...base.server, port: 40000 } };
    const result = await planAndApply(driver, next, state);
    expect(ops(driver)).toEqual([
      "status",
      "exec: runhouse server restart --restart-ray --port 40000",
      "waitForServer",
    ]);
    expect(nextPlan(driver, next, result.state).action).toBe("no-op");
  });

  it("an autostop change on the local driver records it, calls nothing, and converges", async () => {
    const base = spec();
    const { driver, state } = await appliedCluster(base);
    const next = { ...base, autostop_mins: 15 };
    const result = await planAndApply(driver, next, state);
    expect(result.steps.map((s) => s.title)).toEqual([
      "record autostop_mins 15 (the local driver has no autostop)",
    ]);
    expect(ops(driver)).toEqual(["status"]);
    expect(nextPlan(driver, next, result.state).action).toBe("no-op");
  });

  it("an autostop change on a driver that has autostop sets it in place", async () => {
    const base = spec();
    const { driver, state } = await appliedCluster(base);
    driver.withAutostop();
    const next = { ...base, autostop_mins: 15 };
    const result = await planAndApply(driver, next, state);
    expect(ops(driver)).toEqual(["status", "setAutostop"]);
    expect(nextPlan(driver, next, result.state).action).toBe("no-op");
  });

  it("a replace tears down, forgets the old cluster's record, then launches", async () => {
    const base = spec();
    const { driver, state } = await appliedCluster(base);
    const next = { ...base, image_id: "docker:rhx-test/runhouse:0.0.36-nonroot" };
    const result = await planAndApply(driver, next, state);
    expect(ops(driver).slice(0, 3)).toEqual(["status", "teardown", "launch"]);
    expect(result.saved[0]).toMatchObject({ stages: {}, setup: [], fields: {} });
    expect(result.saved[0]?.liveId).toBeUndefined();
    expect(result.state?.liveId).toBe(driver.live.id);
    expect(result.state?.liveId).not.toBe(state.liveId);
    expect(nextPlan(driver, next, result.state).action).toBe("no-op");
  });

  it("removing the last command runs nothing of setup and records the shorter list", async () => {
    const base = spec();
    const { driver, state } = await appliedCluster(base);
    const next = { ...base, setup: base.setup.slice(0, 2) };
    const result = await planAndApply(driver, next, state);
    expect(ops(driver)).toEqual(["status", `exec: ${serverStart}`, "waitForServer"]);
    expect(result.state?.setup).toHaveLength(3);
    expect(nextPlan(driver, next, result.state).action).toBe("no-op");
  });
});
