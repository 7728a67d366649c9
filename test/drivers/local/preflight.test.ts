import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { engineReachable, isPortFree } from "../../../src/drivers/local/index.ts";
import { freePort, requireDocker } from "../../helpers/docker-env.ts";

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
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
    const check = await engineReachable();
    expect(check).toMatchObject({ ok: true });
    if (check.ok) expect(check.serverVersion).toMatch(/^\d+\.\d+/);
  });

  it("returns RHX_ENGINE_UNREACHABLE instead of throwing when no engine answers", async () => {
    process.env.DOCKER_HOST = "unix:///nonexistent/rhx-test.sock";
    try {
      const check = await engineReachable();
      expect(check).toMatchObject({ ok: false, code: "RHX_ENGINE_UNREACHABLE" });
      if (!check.ok) expect(check.message).toContain("Cannot connect to the Docker daemon");
    } finally {
      delete process.env.DOCKER_HOST;
    }
  });

  it("returns RHX_DOCKER_NOT_FOUND when there is no docker program", async () => {
    expect(await engineReachable({ program: "rhx-no-docker-here" })).toMatchObject({
      ok: false,
      code: "RHX_DOCKER_NOT_FOUND",
    });
  });
});
