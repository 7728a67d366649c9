import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalDriver } from "../../../src/drivers/local/index.ts";
import { healthUrl } from "../../../src/drivers/local/server.ts";
import { freePort, requireDocker, TEST_IMAGES } from "../../helpers/docker-env.ts";
import { clusterSpec, step, sweep } from "./support.ts";

const driver = createLocalDriver({ healthPollIntervalMs: 250 });
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

  it("returns once `runhouse restart` inside the container answers GET /check", async () => {
    const { lines, options } = step();
    const started = await driver.exec(spec, `runhouse restart --port ${port}`, options);
    expect(started.exitCode).toBe(0);
    await driver.waitForServer({ ...spec, server: { ...spec.server, health_timeout_secs: 20 } }, options);
    expect(lines.at(-1)).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}/check answered 200`));
    const body = await (await fetch(healthUrl(spec))).json();
    expect(body).toEqual({ rh_version: "0.0.36" });
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
