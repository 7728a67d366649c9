import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireDocker, TEST_IMAGES } from "../helpers/docker-env.ts";
import {
  clusterDoc,
  E2E_TEST_TIMEOUT_MS,
  expectExit,
  freePort,
  health,
  inContainer,
  Sandbox,
} from "./helpers.ts";

/**
 * The server stage against one release of each era, through the real CLI and the real engine: a
 * default cluster.yaml (no server.command) must come up healthy whatever the version, because rhx
 * starts the server as that version's CLI does. The images' fake `runhouse` refuses what each
 * release refuses, so the old `runhouse restart` fails on 0.0.36 and 0.0.42 as the real one does.
 */

const ERAS = [
  { version: "0.0.30", image: TEST_IMAGES.runhouse030, restart: "runhouse restart" },
  { version: "0.0.36", image: TEST_IMAGES.runhouse, restart: "runhouse server restart" },
  { version: "0.0.42", image: TEST_IMAGES.runhouse042, restart: "runhouse server restart" },
] as const;

let box: Sandbox;

beforeAll(async () => {
  await requireDocker(ERAS.map((e) => e.image));
  box = await Sandbox.create("rv");
});

afterAll(async () => {
  await (box as Sandbox | undefined)?.cleanup();
});

/** A cluster document on IMAGE (the helpers' defaults otherwise). */
function doc(name: string, port: number, image: string, overrides: Record<string, unknown> = {}) {
  return clusterDoc(name, port, { image_id: `docker:${image}`, ...overrides });
}

describe("the server stage per Runhouse era", { timeout: E2E_TEST_TIMEOUT_MS }, () => {
  it.each(ERAS)("$version: a default cluster.yaml comes up healthy with `$restart`", async (era) => {
    const name = box.name();
    const port = await freePort();
    await box.writeConfig(doc(name, port, era.image, { runhouse: { version: era.version } }));
    const result = await box.rhx(["apply", "cluster.yaml"]);
    expectExit(result, 0);
    expect(result.stderr).toContain(`✓ ${name} is ready: Runhouse server on 127.0.0.1:${port}/check`);
    expect(JSON.parse((await health(port)) ?? "null")).toEqual({ rh_version: era.version });
    // The fake logs every invocation: the era's own spelling, with rhx's flags.
    expect(await inContainer(name, 'cat "$HOME/.rh/server.log"')).toContain(
      `${era.restart} --restart-ray --port ${port}`,
    );
    expectExit(await box.rhx(["down", "--yes", name]), 0);
  });

  it("install: false and another era's Runhouse in the image: the start fails naming both versions", async () => {
    const name = box.name();
    const port = await freePort();
    await box.writeConfig(
      doc(name, port, TEST_IMAGES.runhouse, { runhouse: { version: "0.0.30", install: false } }),
    );
    const result = await box.rhx(["apply", "cluster.yaml"]);
    expectExit(result, 1);
    expect(result.stderr).toContain("RHX_SERVER_START_FAILED");
    expect(result.stderr).toContain("Error: No such command 'restart'.");
    expect(result.stderr).toContain("The container's Runhouse is 0.0.36, but runhouse.version is 0.0.30.");
    expect(result.stderr).toContain('Set runhouse.version: "0.0.36" to match the image');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it("install: false and another release of the same era: health fails naming both versions", async () => {
    const name = box.name();
    const port = await freePort();
    await box.writeConfig(
      doc(name, port, TEST_IMAGES.runhouse042, { runhouse: { version: "0.0.39", install: false } }),
    );
    const result = await box.rhx(["apply", "cluster.yaml"]);
    expectExit(result, 1);
    expect(result.stderr).toContain("RHX_SERVER_VERSION_MISMATCH");
    expect(result.stderr).toContain("as version 0.0.42, but runhouse.version is 0.0.39");
    expect(result.stderr).toContain(
      'Set runhouse.version: "0.0.42" to match the image, or runhouse.install: true',
    );
  });

  it("a 200 whose body is an exception (Ray not initialized) is not healthy", async () => {
    const name = box.name();
    const port = await freePort();
    await box.writeConfig(
      doc(name, port, TEST_IMAGES.runhouse, {
        server: { port, health_timeout_secs: 3 },
        env: { RHX_FAKE_RUNHOUSE_CHECK: "ray-not-initialized" },
      }),
    );
    const result = await box.rhx(["apply", "cluster.yaml"]);
    expectExit(result, 1);
    expect(result.stderr).toContain("RHX_SERVER_UNHEALTHY");
    expect(result.stderr).toContain(
      "HTTP 200 with an exception: Exception: Ray is not initialized, restart the server.",
    );
    expect(result.stderr).not.toMatch(/✓ .* is ready/);
  });
});
