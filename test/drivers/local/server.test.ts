import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalDriver } from "../../../src/drivers/local/index.ts";
import { healthUrl } from "../../../src/drivers/local/server.ts";
import { serverStartCommand } from "../../../src/runhouse/commands.ts";
import { Redactor } from "../../../src/secrets/redactor.ts";
import { freePort, requireDocker, TEST_IMAGES } from "../../helpers/docker-env.ts";
import { clusterSpec, step, sweep } from "./support.ts";

const driver = createLocalDriver({ env: process.env, redactor: new Redactor(), healthPollIntervalMs: 250 });
let port: number;
let spec: ReturnType<typeof clusterSpec>;

beforeAll(async () => {
  await requireDocker([TEST_IMAGES.runhouse]);
  port = await freePort();
  spec = clusterSpec({
    image_id: `docker:${TEST_IMAGES.runhouse}`,
    server: { port, den_auth: false, health_path: "/check", health_timeout_secs: 3 },
  });
  await driver.launch(spec, step().options);
});
afterAll(() => sweep());

describe("waitForServer", () => {
  it("builds the health URL on loopback", () => {
    expect(healthUrl(spec)).toBe(`http://127.0.0.1:${port}/check`);
    expect(healthUrl({ server: { ...spec.server, health_path: "status" } })).toBe(
      `http://127.0.0.1:${port}/status`,
    );
  });

  it("fails with RHX_SERVER_UNHEALTHY, the last error and the server log when nothing answers", async () => {
    await driver.exec(
      spec,
      "mkdir -p ~/.rh && echo 'boom: the server could not start' > ~/.rh/server.log",
      step().options,
    );
    const started = Date.now();
    const error = await driver.waitForServer(spec, step().options).catch((e) => e);
    expect(error.code).toBe("RHX_SERVER_UNHEALTHY");
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain("connection refused");
    expect(error.message).toContain("boom: the server could not start");
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(2_500);
    expect(elapsed).toBeLessThan(6_000);
  });

  it("is cancelled by its signal", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const error = await driver
      .waitForServer(
        { ...spec, server: { ...spec.server, health_timeout_secs: 60 } },
        step({ signal: controller.signal }).options,
      )
      .catch((e) => e);
    expect(error.code).toBe("RHX_CANCELLED");
  });

  it("returns once the version's restart command inside the container answers GET /check", async () => {
    const { lines, options } = step();
    const started = await driver.exec(spec, serverStartCommand(spec), options);
    expect(started.exitCode).toBe(0);
    await driver.waitForServer({ ...spec, server: { ...spec.server, health_timeout_secs: 20 } }, options);
    expect(lines.at(-1)).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}/check answered as Runhouse 0\\.0\\.36`));
    const body = await (await fetch(healthUrl(spec))).json();
    expect(body).toEqual({ rh_version: "0.0.36" });
  });

  it("a 200 with an exception body (Ray not initialized) is not healthy: polls, then says so", async () => {
    const broken = { ...spec, env: { RHX_FAKE_RUNHOUSE_CHECK: "ray-not-initialized" } };
    expect((await driver.exec(broken, serverStartCommand(spec), step().options)).exitCode).toBe(0);
    const error = await driver
      .waitForServer({ ...spec, server: { ...spec.server, health_timeout_secs: 2 } }, step().options)
      .catch((e) => e);
    expect(error.code).toBe("RHX_SERVER_UNHEALTHY");
    expect(error.message).toContain(
      "(last error: HTTP 200 with an exception: Exception: Ray is not initialized, restart the server.)",
    );
  });

  it("a server of another version fails at once, naming both versions", async () => {
    expect((await driver.exec(spec, serverStartCommand(spec), step().options)).exitCode).toBe(0);
    const other = { ...spec, runhouse: { version: "0.0.37", install: false } };
    const started = Date.now();
    const error = await driver
      .waitForServer({ ...other, server: { ...spec.server, health_timeout_secs: 30 } }, step().options)
      .catch((e) => e);
    expect(error.code).toBe("RHX_SERVER_VERSION_MISMATCH");
    expect(error.message).toContain("as version 0.0.36, but runhouse.version is 0.0.37");
    expect(error.hint).toBe(
      'Set runhouse.version: "0.0.36" to match the image, or runhouse.install: true to install 0.0.37.',
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("reports a non-2xx answer as the last error", async () => {
    const error = await driver
      .waitForServer(
        { ...spec, server: { ...spec.server, health_path: "/nope", health_timeout_secs: 1 } },
        step().options,
      )
      .catch((e) => e);
    expect(error.code).toBe("RHX_SERVER_UNHEALTHY");
    expect(error.message).toContain("HTTP 404");
  });
});
