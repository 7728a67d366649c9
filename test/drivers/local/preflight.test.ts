import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createDockerCli } from "../../../src/drivers/local/docker.ts";
import { createLocalDriver, engineReachable, isPortFree } from "../../../src/drivers/local/index.ts";
import { Redactor } from "../../../src/secrets/redactor.ts";
import { freePort, requireDocker } from "../../helpers/docker-env.ts";
import { clusterOf } from "../../preflight/support.ts";

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

const NOWHERE = "unix:///nonexistent/rhx-test.sock";
const cli = (env: Record<string, string | undefined> = process.env, program?: string) =>
  createDockerCli({ env, redactor: new Redactor() }, program);
const preflightOptions = (clusterRunning = false) => ({
  signal: new AbortController().signal,
  clusterRunning,
});

describe("isPortFree", () => {
  it("says free for an unused loopback port", async () => {
    const port = await freePort();
    expect(await isPortFree(port)).toEqual({ free: true, port, host: "127.0.0.1" });
  });

  it("says in use, with a message, when something listens", async () => {
    const port = await freePort();
    server = createServer();
    await new Promise<void>((resolve) => server?.listen(port, "127.0.0.1", resolve));
    expect(await isPortFree(port)).toMatchObject({
      free: false,
      code: "EADDRINUSE",
      message: `127.0.0.1:${port} is already in use by another process.`,
    });
  });

  it("sees a listener on all interfaces as taking the loopback port too", async () => {
    const port = await freePort();
    server = createServer();
    await new Promise<void>((resolve) => server?.listen(port, "0.0.0.0", resolve));
    expect((await isPortFree(port)).free).toBe(false);
  });
});

describe("engineReachable", () => {
  it("reports the client and server versions of a running engine", async () => {
    await requireDocker([]);
    expect(await engineReachable(cli())).toEqual({
      ok: true,
      clientVersion: expect.stringMatching(/^\d+\.\d+/),
      serverVersion: expect.stringMatching(/^\d+\.\d+/),
    });
  });

  it("returns RHX_ENGINE_UNREACHABLE instead of throwing when no engine answers", async () => {
    expect(await engineReachable(cli({ ...process.env, DOCKER_HOST: NOWHERE }))).toMatchObject({
      ok: false,
      code: "RHX_ENGINE_UNREACHABLE",
      message: expect.stringContaining("Cannot connect to the Docker daemon"),
    });
  });

  it("returns RHX_DOCKER_NOT_FOUND when there is no docker program", async () => {
    expect(await engineReachable(cli(process.env, "rhx-no-docker-here"))).toMatchObject({
      ok: false,
      code: "RHX_DOCKER_NOT_FOUND",
    });
  });
});

describe("the driver's pre-flight", () => {
  it("checks the engine and the server's port", async () => {
    await requireDocker([]);
    const port = await freePort();
    const driver = createLocalDriver({ env: process.env, redactor: new Redactor() });
    const cluster = clusterOf({ provider: "local", server: { port } });
    expect(await driver.preflight(cluster, preflightOptions())).toEqual([
      expect.objectContaining({ id: "engine", status: "pass" }),
      { id: "port", title: `port ${port}`, status: "pass", message: `127.0.0.1:${port} is free` },
    ]);
  });

  it("a taken port is this cluster's own when it runs", async () => {
    const port = await freePort();
    server = createServer();
    await new Promise<void>((resolve) => server?.listen(port, "127.0.0.1", resolve));
    const driver = createLocalDriver({ env: process.env, redactor: new Redactor() });
    const cluster = clusterOf({ provider: "local", server: { port } });
    const [, busy] = await driver.preflight(cluster, preflightOptions(false));
    expect(busy).toMatchObject({ id: "port", status: "fail", code: "RHX_PORT_BUSY" });
    const [, own] = await driver.preflight(cluster, preflightOptions(true));
    expect(own).toMatchObject({ id: "port", status: "pass", message: "held by this cluster's container" });
  });
});

describe("the run's environment reaches docker", () => {
  it("DOCKER_HOST of the run, not of this process, picks the engine", async () => {
    await requireDocker([]);
    expect(process.env.DOCKER_HOST).toBeUndefined();
    const cluster = clusterOf({ provider: "local" });
    const elsewhere = createLocalDriver({
      env: { ...process.env, DOCKER_HOST: NOWHERE },
      redactor: new Redactor(),
    });
    const [engine] = await elsewhere.preflight(cluster, preflightOptions());
    expect(engine).toMatchObject({ id: "engine", status: "fail", code: "RHX_ENGINE_UNREACHABLE" });
    expect(engine?.message).toContain("/nonexistent/rhx-test.sock");
    const status = await elsewhere.status(cluster.spec, preflightOptions()).catch((e: unknown) => e);
    expect(status).toMatchObject({ code: "RHX_ENGINE_UNREACHABLE" });
    // The same machine, the same process: a driver of a run without that variable finds the engine.
    const here = createLocalDriver({ env: process.env, redactor: new Redactor() });
    expect((await here.status(cluster.spec, preflightOptions())).state).toBe("absent");
  });

  it("a run whose PATH has no docker finds none, whatever this process's PATH", async () => {
    const driver = createLocalDriver({ env: { PATH: "/nonexistent" }, redactor: new Redactor() });
    const [engine] = await driver.preflight(clusterOf({ provider: "local" }), preflightOptions());
    expect(engine).toMatchObject({ id: "engine", status: "fail", code: "RHX_DOCKER_NOT_FOUND" });
  });
});
