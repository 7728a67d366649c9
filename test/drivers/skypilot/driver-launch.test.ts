// The SkyPilot driver's launch and status against the fake `sky`, in both eras (0.9.3: table and
// --env; 0.12.1: -o json and --secret): flags, what reaches argv and the task file, every launch
// failure class with its message, and Ctrl-C cancelling SkyPilot's request.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isRhxError, type RhxError } from "../../../src/errors/rhx-error.ts";
import { CREDENTIALS, clusterSpec, SkyBox, step, VERSIONS } from "./support.ts";

const boxes: SkyBox[] = [];
afterEach(async () => {
  // Newest first: a box that shares another's fake state must not outlive it.
  for (const box of boxes.splice(0).reverse()) await box.cleanup();
});

function box(version: string, extra: Record<string, string> = {}): SkyBox {
  const b = new SkyBox(version, extra);
  boxes.push(b);
  return b;
}

async function failure(promise: Promise<unknown>): Promise<RhxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isRhxError(error)) throw new Error(`expected an RhxError, got ${String(error)}`);
  return error;
}

describe.each(VERSIONS)("SkyPilot %s", { timeout: 180_000 }, (version) => {
  const modern = version === "0.12.1";

  it("status: absent, then a launched cluster is running and rhx's; sky --version runs once", async () => {
    const b = box(version);
    const driver = b.driver();
    const spec = clusterSpec({ region: "us-east-1", env: { HF_HOME: "/data/hf" } }, CREDENTIALS);
    expect(await driver.status(spec, step())).toEqual({ state: "absent", ownedByRhx: false });
    b.own("demo");
    const lines: string[] = [];
    const live = await driver.launch(spec, step(lines));
    expect(live).toMatchObject({ state: "running", ownedByRhx: true, autostopMins: 60 });
    if (modern) expect(live.id).toMatch(/^[0-9a-f]{32}$/);
    expect(lines.some((l) => l.startsWith("✓ Cluster launched: demo."))).toBe(true);

    const calls = b.skyCalls();
    expect(calls.filter((argv) => argv[0] === "--version")).toHaveLength(1);
    const launch = b.records().find((r) => r.argv[0] === "launch");
    const by = modern ? "--secret" : "--env";
    expect(launch?.argv.slice(0, 5)).toEqual(["launch", "-y", "-c", "demo", "-d"]);
    expect(launch?.argv).toEqual(
      expect.arrayContaining([
        "--env",
        "HF_HOME",
        by,
        "SKYPILOT_DOCKER_PASSWORD",
        by,
        "SKYPILOT_DOCKER_SERVER",
      ]),
    );
    if (!modern) expect(launch?.argv).toEqual(expect.arrayContaining(["-i", "60", "--down"]));
    expect(launch?.argv).not.toContain("--detach-setup");
    expect(launch?.env?.SKYPILOT_DOCKER_PASSWORD).toEqual({ set: true, nonEmpty: true });
    expect(launch?.task).toMatchObject({
      mode: "600",
      keys: ["num_nodes", "resources", "envs", ...(modern ? ["secrets"] : [])],
    });
    expect(launch?.task?.resources).toMatchObject(
      modern
        ? { infra: "aws/us-east-1", autostop: { idle_minutes: 60, down: true } }
        : { cloud: "aws", region: "us-east-1" },
    );
    const names = modern ? launch?.task?.secretNames : launch?.task?.envNames;
    expect(names).toEqual(expect.arrayContaining(["SKYPILOT_DOCKER_USERNAME", "SKYPILOT_DOCKER_PASSWORD"]));
    // Never a value on argv, in what sky printed, or left behind in a task file.
    for (const r of b.records()) expect(JSON.stringify(r)).not.toContain(CREDENTIALS.password);
    expect(lines.join("\n")).not.toContain(CREDENTIALS.password);
    expect(calls.find((argv) => argv[0] === "status")).toEqual(
      modern ? ["status", "-o", "json", "demo"] : ["status", "demo"],
    );
  });

  it("status: a cluster rhx did not record is reported as not rhx's", async () => {
    const b = box(version);
    b.own("demo");
    await b.driver().launch(clusterSpec(), step());
    const other = box(version, { FAKE_SKY_STATE: b.skyStateDir });
    expect(await other.driver().status(clusterSpec(), step())).toMatchObject({
      state: "running",
      ownedByRhx: false,
    });
  });

  it("status: tolerates the local-server start prose, the #10713 line and ANSI colours", async () => {
    const b = box(version, { FAKE_SKY_SERVER_START: "1", FAKE_SKY_ANSI: "1" });
    b.own("demo");
    const driver = b.driver();
    expect((await driver.status(clusterSpec(), step())).state).toBe("absent");
    await driver.launch(clusterSpec(), step());
    expect(await driver.status(clusterSpec(), step())).toMatchObject({ state: "running", ownedByRhx: true });
  });

  it("capacity: RHX_SKY_NO_CAPACITY, nothing left", async () => {
    const b = box(version, { FAKE_SKY_OUTCOME: "capacity" });
    b.own("demo");
    const driver = b.driver();
    const error = await failure(driver.launch(clusterSpec(), step()));
    expect(error.code).toBe("RHX_SKY_NO_CAPACITY");
    expect(error.message).toContain(
      "No capacity for demo in any region or zone SkyPilot tried; nothing was left running.",
    );
    expect(error.message).toContain(
      "sky said: sky.exceptions.ResourcesUnavailableError: Failed to provision all possible launchable resources.",
    );
    expect(error.hint).toMatch(/another region, zone or instance type/);
    expect(error.exitCode).toBe(1);
    expect((await driver.status(clusterSpec(), step())).state).toBe("absent");
  });

  it("docker login failure: RHX_SKY_DOCKER_LOGIN, cluster left INIT and billed, password redacted", async () => {
    const b = box(version, { FAKE_SKY_OUTCOME: "docker-auth" });
    b.own("demo");
    const driver = b.driver();
    const lines: string[] = [];
    const error = await failure(driver.launch(clusterSpec({}, CREDENTIALS), step(lines)));
    expect(error.code).toBe("RHX_SKY_DOCKER_LOGIN");
    expect(error.message).toContain("The registry refused the docker credentials");
    expect(error.message).toContain("unauthorized: incorrect username or password");
    expect(error.message).toContain(
      "the cluster demo is left INIT and billed; `rhx apply --yes` tears it down and relaunches, or `rhx down demo`",
    );
    expect(error.hint).toContain("SKYPILOT_DOCKER_PASSWORD");
    // SkyPilot before ≈0.12 printed the password in this error; rhx masks it everywhere.
    expect(`${error.message}\n${error.hint}\n${lines.join("\n")}`).not.toContain(CREDENTIALS.password);
    if (!modern) expect(error.message).toContain("--password ******");
    expect(await driver.status(clusterSpec(), step())).toMatchObject({ state: "init", ownedByRhx: true });
  });

  it("image not found: RHX_SKY_IMAGE_NOT_FOUND, also billed", async () => {
    const b = box(version, { FAKE_SKY_OUTCOME: "docker-notfound" });
    b.own("demo");
    const error = await failure(b.driver().launch(clusterSpec({}, CREDENTIALS), step()));
    expect(error.code).toBe("RHX_SKY_IMAGE_NOT_FOUND");
    expect(error.message).toMatch(/does not exist .*manifest unknown.*left INIT and billed/);
  });

  it("relaunching a name with another image: RHX_SKY_RESOURCES_MISMATCH", async () => {
    const b = box(version);
    b.own("demo");
    const driver = b.driver();
    await driver.launch(clusterSpec(), step());
    const error = await failure(driver.launch(clusterSpec({ image_id: "docker:team/app:2.0" }), step()));
    expect(error.code).toBe("RHX_SKY_RESOURCES_MISMATCH");
    expect(error.message).toContain("already exists with different resources or image");
    expect(error.hint).toContain("`rhx apply --yes` replaces it");
  });

  it("API server unreachable: RHX_SKY_API_UNREACHABLE from status", async () => {
    const b = box(version, { FAKE_SKY_OUTCOME: "api-down" });
    const error = await failure(b.driver().status(clusterSpec(), step()));
    expect(error.code).toBe("RHX_SKY_API_UNREACHABLE");
    expect(error.message).toContain("The SkyPilot API server at http://127.0.0.1:46580 is not reachable");
    expect(error.hint).toContain("sky api start");
  });

  it("an empty password (instance-role mode) reaches sky as an empty value", async () => {
    const b = box(version);
    b.own("demo");
    const ecr = { ...CREDENTIALS, password: "", server: "123456789012.dkr.ecr.us-east-1.amazonaws.com" };
    await b
      .driver()
      .launch(clusterSpec({}, ecr), step())
      .catch(() => undefined);
    const launch = b.records().find((r) => r.argv[0] === "launch");
    expect(launch?.env?.SKYPILOT_DOCKER_PASSWORD).toEqual({ set: true, nonEmpty: false });
  });

  it("Ctrl-C during provisioning: the request is cancelled and the message names the teardown", async () => {
    const b = box(version);
    const gate = join(b.dir, "gate");
    b.own("demo");
    const driver = b.driver({ FAKE_SKY_LAUNCH_GATE: gate });
    const controller = new AbortController();
    const lines: string[] = [];
    const launching = driver.launch(clusterSpec(), step(lines, controller.signal));
    // Wait until the fake has the cluster in INIT (provisioning), then interrupt.
    for (let i = 0; i < 600 && b.skyState().clusters.demo?.status !== "INIT"; i++)
      await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    const error = await failure(launching);
    writeFileSync(gate, "");
    expect(error.code).toBe("RHX_CANCELLED");
    expect(error.exitCode).toBe(130);
    expect(error.message).toContain("The launch of demo was cancelled");
    expect(error.message).toContain("Tear it down with: rhx down demo (or sky down -y demo)");
    const apiCalls = b.skyCalls().filter((argv) => argv[0] === "api");
    // By id, without -y (a usage error before 0.11, and only --all ever prompts).
    expect(apiCalls.at(-1)).toEqual(["api", "cancel", expect.stringMatching(/^[0-9a-f]/)]);
    expect(b.skyState().requests.every((r) => r.status !== "RUNNING")).toBe(true);
    expect(error.message).toContain("was cancelled");
    expect(b.skyState().clusters.demo?.status).toBe("INIT");
  });

  it("a terminal's Ctrl-C reaches sky too: rhx cancels the request id sky printed", async () => {
    const b = box(version);
    const gate = join(b.dir, "gate");
    b.own("demo");
    const lines: string[] = [];
    const launching = b.driver({ FAKE_SKY_LAUNCH_GATE: gate }).launch(clusterSpec(), step(lines));
    // Provisioning has begun (sky prints this just before it waits on the cloud).
    for (let i = 0; i < 600 && !lines.some((l) => l.startsWith("⚙︎ Launching on")); i++)
      await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    const pid = b.records().find((r) => r.argv[0] === "launch")?.pid;
    if (pid === undefined) throw new Error("no launch recorded");
    process.kill(pid, "SIGINT");
    const error = await failure(launching);
    writeFileSync(gate, "");
    expect(error.code).toBe("RHX_CANCELLED");
    const printed = /sky api cancel (\S+)/.exec(lines.join("\n"))?.[1];
    expect(printed).toMatch(/^[0-9a-f]{8}$/);
    // The printed id is used as it is; no need to look the request up.
    expect(b.skyCalls().filter((argv) => argv[0] === "api")).toEqual([["api", "cancel", printed]]);
    expect(b.skyState().requests.find((r) => r.request_id.startsWith(printed ?? "-"))?.status).toBe(
      "CANCELLED",
    );
  });
});
