import { describe, expect, it } from "vitest";
import type { ClusterSpec } from "../../src/config/cluster.ts";
import type { LiveCluster } from "../../src/drivers/types.ts";
import { type ClusterPlan, createPlan } from "../../src/plan/create-plan.ts";
import type { ClusterState } from "../../src/state/schema.ts";
import { absent, appliedCluster, fingerprint, running, spec } from "../tasks/fakes.ts";

const creds = (password: string, username = "alice", server = "127.0.0.1:5000") => ({
  username,
  password,
  server,
  source: "environment" as const,
});

/** The state a successful apply of `base` leaves, then a plan for `next` against `live`. */
async function planAfter(
  base: ClusterSpec,
  next: ClusterSpec,
  options: { live?: LiveCluster; edit?: (state: ClusterState) => void } = {},
): Promise<ClusterPlan> {
  const { state } = await appliedCluster(base);
  options.edit?.(state);
  return createPlan({ spec: next, state, live: options.live ?? running(state.liveId), fingerprint });
}

const whole = { teardown: true, launch: true, setupFrom: 0, server: true, autostop: false };

describe("createPlan: create", () => {
  it("creates a cluster rhx never applied", () => {
    const plan = createPlan({ spec: spec(), state: undefined, live: absent, fingerprint });
    expect(plan).toEqual({
      cluster: "dev",
      action: "create",
      changes: [{ field: "cluster", class: "create", kind: "condition", note: "not yet created" }],
      steps: { ...whole, teardown: false },
    });
  });

  it("creates it again when the recorded cluster is gone", async () => {
    const plan = await planAfter(spec(), spec(), { live: absent });
    expect(plan.action).toBe("create");
    expect(plan.changes[0]?.note).toMatch(/recorded in state is gone/);
    expect(plan.steps).toEqual({ ...whole, teardown: false });
  });

  it("says why when the previous launch failed and left nothing behind", async () => {
    const plan = await planAfter(spec(), spec(), {
      live: absent,
      edit: (state) => {
        state.stages = {
          launch: { status: "failed", at: "x", error: { code: "RHX_LAUNCH_LOGIN_REJECTED", message: "bad" } },
        };
      },
    });
    expect(plan.action).toBe("create");
    expect(plan.changes[0]?.note).toMatch(/previous launch failed: bad/);
  });

  it("has no setup steps to run when there is nothing to install or set up", () => {
    const bare = spec({ setup: [], runhouse: { version: "0.0.36", install: false } });
    const plan = createPlan({ spec: bare, state: undefined, live: absent, fingerprint });
    expect(plan.steps.setupFrom).toBeUndefined();
  });
});

describe("createPlan: replace", () => {
  const launchFields: [string, (s: ClusterSpec) => Partial<ClusterSpec>][] = [
    ["provider", () => ({ provider: "aws" })],
    ["instance_type", () => ({ instance_type: "CPU:4+" })],
    ["num_nodes", () => ({ num_nodes: 2 })],
    ["region", () => ({ region: "us-east-1" })],
    ["zone", () => ({ zone: "us-east-1a" })],
    ["use_spot", () => ({ use_spot: true })],
    ["memory", () => ({ memory: "16+" })],
    ["disk_size", () => ({ disk_size: "200" })],
    ["open_ports", () => ({ open_ports: ["8080"] })],
    ["image_id", () => ({ image_id: "docker:rhx-test/runhouse:0.0.36-nonroot" })],
    ["platform", () => ({ platform: "linux/arm64" })],
    ["sky.resources", () => ({ sky: { resources: { accelerators: "A10G:1" }, launch: {} } })],
    ["sky.launch", () => ({ sky: { resources: {}, launch: { retry_until_up: true } } })],
  ];

  it.each(launchFields)("replaces when %s changes, naming the field", async (field, change) => {
    const base = spec();
    const plan = await planAfter(base, { ...base, ...change(base) });
    expect(plan.action).toBe("replace");
    expect(plan.steps).toEqual(whole);
    expect(plan.changes.map((c) => [c.field, c.class])).toEqual([[field, "replace"]]);
  });

  it("shows old and new values of a launch field", async () => {
    const plan = await planAfter(spec(), spec({ image_id: "docker:team/app:2" }));
    expect(plan.changes).toEqual([
      {
        field: "image_id",
        class: "replace",
        kind: "change",
        from: "docker:rhx-test/runhouse:0.0.36",
        to: "docker:team/app:2",
      },
    ]);
  });

  it("replaces on a docker password change and never carries the value", async () => {
    const plan = await planAfter(
      spec({ docker: creds("old-password-1") }),
      spec({ docker: creds("new-password-2") }),
    );
    expect(plan.action).toBe("replace");
    expect(plan.changes).toEqual([
      { field: "docker.password", class: "replace", kind: "change", secret: true },
    ]);
    expect(JSON.stringify(plan)).not.toMatch(/password-[12]/);
  });

  it("replaces on a new docker user or server, showing those (they are not secret)", async () => {
    const plan = await planAfter(
      spec({ docker: creds("same-password") }),
      spec({ docker: creds("same-password", "bob", "127.0.0.1:6000") }),
    );
    expect(plan.changes.map((c) => [c.field, c.from, c.to])).toEqual([
      ["docker.username", "alice", "bob"],
      ["docker.server", "127.0.0.1:5000", "127.0.0.1:6000"],
    ]);
  });

  it("replaces when credentials are added or removed; the password only as a secret", async () => {
    const added = await planAfter(spec(), spec({ docker: creds("brand-new-pass") }));
    expect(added.changes.map((c) => [c.field, c.kind, c.secret ?? false])).toEqual([
      ["docker.username", "add", false],
      ["docker.password", "add", true],
      ["docker.server", "add", false],
    ]);
    const removed = await planAfter(spec({ docker: creds("brand-new-pass") }), spec());
    expect(removed.changes.find((c) => c.field === "docker.password")).toEqual({
      field: "docker.password",
      class: "replace",
      kind: "remove",
      secret: true,
    });
  });

  it("lists every launch field that changed, and the cheaper changes riding along", async () => {
    const plan = await planAfter(spec(), spec({ image_id: "docker:x:1", num_nodes: 3, setup: ["echo new"] }));
    expect(plan.action).toBe("replace");
    expect(plan.changes.map((c) => c.field)).toEqual(["num_nodes", "image_id"]);
    expect(plan.steps).toEqual(whole);
  });

  const conditions: [string, (s: ClusterState) => void, LiveCluster | undefined, RegExp][] = [
    [
      "the previous launch failed",
      (s) => {
        s.stages.launch = {
          status: "failed",
          at: "x",
          error: { code: "RHX_LAUNCH_PULL_DENIED", message: "denied" },
        };
      },
      undefined,
      /^previous launch failed: denied$/,
    ],
    [
      "the previous launch did not finish (rhx was killed)",
      (s) => {
        s.stages = { launch: { status: "running", at: "x" } };
      },
      undefined,
      /did not finish/,
    ],
    ["the container was recreated outside rhx", () => {}, running("someone-else"), /recreated outside rhx/],
    ["the container is stopped", () => {}, { state: "stopped", id: "c2", ownedByRhx: true }, /is stopped/],
    ["the container is still starting", () => {}, { state: "init", id: "c2", ownedByRhx: true }, /is init/],
  ];

  it.each(conditions)("replaces when %s", async (_, edit, live, note) => {
    const plan = await planAfter(spec(), spec(), { edit, ...(live ? { live } : {}) });
    expect(plan.action).toBe("replace");
    expect(plan.steps).toEqual(whole);
    expect(plan.changes[0]).toMatchObject({ field: "cluster", class: "replace", kind: "condition" });
    expect(plan.changes[0]?.note).toMatch(note);
  });

  it("replaces a running cluster rhx has no record of", () => {
    const plan = createPlan({ spec: spec(), state: undefined, live: running(), fingerprint });
    expect(plan.action).toBe("replace");
    expect(plan.changes[0]?.note).toMatch(/no record/);
  });
});

describe("createPlan: setup", () => {
  // Steps: 0 = install runhouse, 1..3 = the user's three commands.
  it.each([
    [0, 1],
    [1, 2],
    [2, 3],
  ])("re-runs setup from the first changed step (setup[%i] → step %i)", async (index, from) => {
    const base = spec();
    const setup = [...base.setup];
    setup[index] = `echo changed ${index}`;
    const plan = await planAfter(base, { ...base, setup });
    expect(plan.action).toBe("setup");
    expect(plan.changes.map((c) => c.field)).toEqual([`setup[${index}]`]);
    expect(plan.steps).toEqual({
      teardown: false,
      launch: false,
      setupFrom: from,
      server: true,
      autostop: false,
    });
  });

  it("runs only a command appended at the end", async () => {
    const base = spec();
    const plan = await planAfter(base, { ...base, setup: [...base.setup, "echo four"] });
    expect(plan.changes).toEqual([{ field: "setup[3]", class: "setup", kind: "add", to: "echo four" }]);
    expect(plan.steps.setupFrom).toBe(4);
  });

  it("re-runs every step when env changes (every command sees it)", async () => {
    const plan = await planAfter(spec(), spec({ env: { GREETING: "bonjour" } }));
    expect(plan.action).toBe("setup");
    expect(plan.changes).toEqual([
      { field: "env.GREETING", class: "setup", kind: "change", from: "hello", to: "bonjour" },
    ]);
    expect(plan.steps.setupFrom).toBe(0);
  });

  it("hides the values of secret-looking env variables", async () => {
    const plan = await planAfter(
      spec({ env: { HF_TOKEN: "token-value-1" } }),
      spec({ env: { HF_TOKEN: "token-value-2" } }),
    );
    expect(plan.changes).toEqual([{ field: "env.HF_TOKEN", class: "setup", kind: "change", secret: true }]);
  });

  it("re-runs every step when runhouse.version changes", async () => {
    const plan = await planAfter(spec(), spec({ runhouse: { version: "0.0.35", install: true } }));
    expect(plan.changes.map((c) => c.field)).toEqual(["runhouse.version"]);
    expect(plan.steps.setupFrom).toBe(0);
  });

  it("starts from the step that failed last time, saying so", async () => {
    const plan = await planAfter(spec(), spec(), {
      edit: (s) => {
        s.setup = s.setup.slice(0, 2);
        s.stages.setup = {
          status: "failed",
          at: "x",
          error: { code: "RHX_SETUP_FAILED", message: "exit 1" },
        };
      },
    });
    expect(plan.action).toBe("setup");
    expect(plan.changes).toEqual([
      { field: "setup", class: "setup", kind: "condition", note: "the last setup failed" },
    ]);
    expect(plan.steps).toEqual({
      teardown: false,
      launch: false,
      setupFrom: 2,
      server: true,
      autostop: false,
    });
  });

  it("resumes a setup that was interrupted (state left `running`)", async () => {
    const plan = await planAfter(spec(), spec(), {
      edit: (s) => {
        s.setup = s.setup.slice(0, 3);
        s.stages.setup = { status: "running", at: "x" };
      },
    });
    expect(plan.changes[0]?.note).toBe("the last setup did not finish");
    expect(plan.steps.setupFrom).toBe(3);
  });

  it("runs a command again that was removed and then put back", async () => {
    const base = spec();
    const { driver, state } = await appliedCluster(base);
    const shorter = { ...base, setup: base.setup.slice(0, 2) };
    const { planAndApply } = await import("../tasks/fakes.ts");
    const removed = await planAndApply(driver, shorter, state);
    expect(removed.plan.action).toBe("setup");
    expect(removed.plan.steps.setupFrom).toBeUndefined();
    const back = createPlan({ spec: base, state: removed.state, live: driver.live, fingerprint });
    expect(back.action).toBe("setup");
    expect(back.steps.setupFrom).toBe(3);
  });
});

describe("createPlan: server, autostop, no-op", () => {
  it.each([
    ["server.port", { port: 40000 }],
    ["server.den_auth", { den_auth: true }],
    ["server.command", { command: "runhouse start --port 32300" }],
    ["server.health_path", { health_path: "/status" }],
    ["server.health_timeout_secs", { health_timeout_secs: 99 }],
  ])("restarts only the server when %s changes", async (field, server) => {
    const base = spec();
    const plan = await planAfter(base, { ...base, server: { ...base.server, ...server } });
    expect(plan.action).toBe("server-restart");
    expect(plan.changes.map((c) => c.field)).toEqual([field]);
    expect(plan.steps).toEqual({
      teardown: false,
      launch: false,
      setupFrom: undefined,
      server: true,
      autostop: false,
    });
  });

  it("restarts a server whose last start failed", async () => {
    const plan = await planAfter(spec(), spec(), {
      edit: (s) => {
        s.stages.server = {
          status: "failed",
          at: "x",
          error: { code: "RHX_SERVER_UNHEALTHY", message: "no" },
        };
      },
    });
    expect(plan.action).toBe("server-restart");
    expect(plan.changes[0]?.note).toMatch(/not started successfully/);
  });

  it("updates autostop in place and touches nothing else", async () => {
    const plan = await planAfter(spec(), spec({ autostop_mins: 10 }));
    expect(plan.action).toBe("update-in-place");
    expect(plan.changes).toEqual([
      { field: "autostop_mins", class: "update-in-place", kind: "change", from: "60", to: "10" },
    ]);
    expect(plan.steps).toEqual({
      teardown: false,
      launch: false,
      setupFrom: undefined,
      server: false,
      autostop: true,
    });
  });

  it("is a no-op when nothing changed", async () => {
    const plan = await planAfter(spec(), spec());
    expect(plan).toEqual({
      cluster: "dev",
      action: "no-op",
      changes: [],
      steps: { teardown: false, launch: false, setupFrom: undefined, server: false, autostop: false },
    });
  });

  it("is a no-op regardless of key order in env and sky blocks", async () => {
    const base = spec({ env: { A: "1", B: "2" }, sky: { resources: { a: 1, b: 2 }, launch: {} } });
    const plan = await planAfter(base, {
      ...base,
      env: { B: "2", A: "1" },
      sky: { resources: { b: 2, a: 1 }, launch: {} },
    });
    expect(plan.action).toBe("no-op");
  });
});
