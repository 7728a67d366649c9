// In-container work through the SkyPilot driver against the fake `sky` and its ssh: `sky exec` jobs
// (exit codes, tails, env by name, cancel), the Runhouse server started over ssh so it outlives the
// command (a SkyPilot job's leftovers are killed with the job), the health check, and `rhx ssh`.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isRhxError, type RhxError } from "../../../src/errors/rhx-error.ts";
import { serverStartCommand } from "../../../src/runhouse/commands.ts";
import { freePort } from "../../helpers/docker-env.ts";
import { CREDENTIALS, clusterSpec, SkyBox, step, VERSIONS } from "./support.ts";

const boxes: SkyBox[] = [];
afterEach(async () => {
  // `sky down -a` ends everything on the clusters (the fake kills the node's processes).
  // Newest first: a box that shares another's fake state must not outlive it.
  for (const b of boxes.splice(0).reverse()) await b.cleanup();
});

async function upCluster(version: string, file: Parameters<typeof clusterSpec>[0] = {}) {
  const b = new SkyBox(version);
  boxes.push(b);
  b.own("demo");
  const spec = clusterSpec(file, CREDENTIALS);
  const driver = b.driver();
  await driver.launch(spec, step());
  return { b, spec, driver };
}

async function failure(promise: Promise<unknown>): Promise<RhxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isRhxError(error)) throw new Error(`expected an RhxError, got ${String(error)}`);
  return error;
}

/** Running (a zombie waiting for a reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe.each(VERSIONS)("SkyPilot %s", { timeout: 240_000 }, (version) => {
  const modern = version === "0.12.1";

  it("exec: a job in the cluster, env by name, output streamed without sky's prefixes", async () => {
    const token = "hf_Token_Value_For_Exec_0042";
    const { b, spec, driver } = await upCluster(version, { env: { HF_HOME: "/data/hf", HF_TOKEN: token } });
    b.redactor.register(token);
    const lines: string[] = [];
    const ok = await driver.exec(spec, 'echo "home=$HF_HOME"; echo "token=$HF_TOKEN"; pwd', step(lines));
    expect(ok.exitCode).toBe(0);
    expect(ok.tail).toEqual(["home=/data/hf", "token=******", expect.stringMatching(/sky_workdir$/)]);
    expect(lines).toContain("home=/data/hf");
    const call = b.records().findLast((r) => r.argv[0] === "exec");
    expect(call?.argv).toEqual([
      "exec",
      "demo",
      "--env",
      "HF_HOME",
      modern ? "--secret" : "--env",
      "HF_TOKEN",
      expect.stringMatching(/rhx-exec\.yaml$/),
    ]);
    expect(call?.task).toMatchObject({ mode: "600", keys: expect.arrayContaining(["name", "run"]) });
    expect(JSON.stringify(b.records())).not.toContain(token);
    expect(existsSync(call?.task?.path ?? "")).toBe(false);
  });

  it("exec: a failing command is {exitCode, tail} with the command's own exit code", async () => {
    const { driver, spec } = await upCluster(version);
    const result = await driver.exec(spec, "echo about to fail; exit 7", step());
    expect(result).toEqual({ exitCode: 7, tail: ["about to fail"] });
  });

  it("exec on a cluster that is not UP: a classified error, not an exit code", async () => {
    const { driver, spec, b } = await upCluster(version);
    await driver.teardown(spec, step());
    b.own("demo");
    const error = await failure(driver.exec(spec, "true", step()));
    expect(error.code).toBe("RHX_SKY_FAILED");
    expect(error.message).toContain("SkyPilot has no cluster named demo.");
  });

  it("exec cancelled: the job is cancelled with `sky cancel` (killing `sky exec` only stops the stream)", async () => {
    const { driver, spec, b } = await upCluster(version);
    const controller = new AbortController();
    const lines: string[] = [];
    const running = driver.exec(
      spec,
      "echo $$ > job.pid; echo started; sleep 300",
      step(lines, controller.signal),
    );
    const pidFile = join(b.clusterHome("demo"), "sky_workdir", "job.pid");
    for (let i = 0; i < 600 && !lines.includes("started"); i++) await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    const error = await failure(running);
    expect(error.code).toBe("RHX_CANCELLED");
    expect(b.skyCalls().at(-1)).toEqual(["cancel", "-y", "demo", expect.stringMatching(/^\d+$/)]);
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(alive(pid)).toBe(false);
    expect(b.skyState().clusters.demo?.jobs.at(-1)?.status).toBe("CANCELLED");
  });

  it("the server start goes over ssh and outlives it; a job's leftovers die with the job", async () => {
    const port = await freePort();
    const { driver, spec, b } = await upCluster(version, { server: { port, health_timeout_secs: 30 } });
    // Through a job, the server is gone once the job ends (SkyPilot's job daemon).
    const viaJob = await driver.exec(spec, `runhouse server restart --port ${port} && echo up`, step());
    expect(viaJob.exitCode).toBe(0);
    const pidFile = join(b.clusterHome("demo"), ".rh", "server.pid");
    const jobServer = Number(readFileSync(pidFile, "utf8"));
    expect(alive(jobServer)).toBe(false);

    const lines: string[] = [];
    const started = await driver.exec(spec, serverStartCommand(spec), step(lines));
    expect(started.exitCode).toBe(0);
    expect(lines).toContain(`Uvicorn running on http://127.0.0.1:${port}`);
    const ssh = b.records().findLast((r) => r.program === "ssh");
    expect(ssh?.argv).toEqual([
      "-T",
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=30",
      "demo",
      expect.stringContaining("bash --login -c"),
    ]);
    expect(alive(Number(readFileSync(pidFile, "utf8")))).toBe(true);

    const health: string[] = [];
    await driver.waitForServer(spec, step(health));
    expect(health.some((l) => l.startsWith(`rhx-health: http://127.0.0.1:${port}/check answered`))).toBe(
      true,
    );
    expect(b.skyCalls().at(-1)).toEqual(["exec", "demo", expect.stringMatching(/rhx-health\.yaml$/)]);
  });

  it("the server start carries the config's env on stdin, never on argv", async () => {
    const secret = "Server-Env-Secret-Value-9a7";
    const { driver, spec, b } = await upCluster(version, {
      env: { API_TOKEN: secret },
      server: { command: 'echo "token=$API_TOKEN"' },
    });
    b.redactor.register(secret);
    const lines: string[] = [];
    const result = await driver.exec(spec, serverStartCommand(spec), step(lines));
    expect(result.exitCode).toBe(0);
    expect(lines).toContain("token=******");
    expect(JSON.stringify(b.records())).not.toContain(secret);
  });

  it("waitForServer: no answer in time is RHX_SERVER_UNHEALTHY with the last error", async () => {
    const port = await freePort();
    const { driver, spec } = await upCluster(version, { server: { port, health_timeout_secs: 2 } });
    const error = await failure(driver.waitForServer(spec, step()));
    expect(error.code).toBe("RHX_SERVER_UNHEALTHY");
    expect(error.message).toContain(
      `The Runhouse server on demo did not answer: no answer from http://127.0.0.1:${port}/check within 2s`,
    );
    expect(error.message).toMatch(/last error: curl: \(7\)/);
    expect(error.hint).toContain("rhx ssh demo");
  });

  it("waitForServer: a server of another version is RHX_SERVER_VERSION_MISMATCH, naming both", async () => {
    const port = await freePort();
    // The fake cluster's runhouse is 0.0.36 (support.ts); the file asks for 0.0.37 and installs nothing.
    const { driver, spec } = await upCluster(version, {
      runhouse: { version: "0.0.37", install: false },
      server: { port, health_timeout_secs: 20 },
    });
    expect((await driver.exec(spec, serverStartCommand(spec), step())).exitCode).toBe(0);
    const error = await failure(driver.waitForServer(spec, step()));
    expect(error.code).toBe("RHX_SERVER_VERSION_MISMATCH");
    expect(error.message).toContain("as version 0.0.36, but runhouse.version is 0.0.37");
    expect(error.hint).toBe(
      'Set runhouse.version: "0.0.36" to match the image, or runhouse.install: true to install 0.0.37.',
    );
  });

  it("shell: `ssh NAME CMD` with each word quoted, the command's exit code", async () => {
    const { driver, b } = await upCluster(version);
    const code = await driver.shell({ name: "demo" }, ["sh", "-c", 'test "$1" = "a b"', "x", "a b"]);
    expect(code).toBe(0);
    expect(await driver.shell({ name: "demo" }, ["sh", "-c", "exit 4"])).toBe(4);
    expect(b.records().findLast((r) => r.program === "ssh")?.argv).toEqual([
      "-o",
      "ConnectTimeout=30",
      "demo",
      "sh -c 'exit 4'",
    ]);
  });

  it("shell: refuses a cluster rhx did not make", async () => {
    const { b } = await upCluster(version);
    const stranger = new SkyBox(version, { FAKE_SKY_STATE: b.skyStateDir });
    try {
      const error = await failure(stranger.driver().shell({ name: "demo" }, ["true"]));
      expect(error.code).toBe("RHX_CLUSTER_NOT_OWNED");
    } finally {
      rmSync(stranger.dir, { recursive: true, force: true });
    }
  });
});
