import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalDriver } from "../../../src/drivers/local/index.ts";
import { Redactor } from "../../../src/secrets/redactor.ts";
import {
  docker,
  removeContainers,
  requireDocker,
  TEST_CONTAINER_LABEL,
  TEST_IMAGES,
} from "../../helpers/docker-env.ts";
import { clusterName, clusterSpec, step, sweep } from "./support.ts";

const driver = createLocalDriver({ env: process.env, redactor: new Redactor() });
const foreignLabel = `${TEST_CONTAINER_LABEL}=${clusterName()}`;

beforeAll(() => requireDocker([TEST_IMAGES.busybox]));
afterAll(async () => {
  await sweep();
  await removeContainers({ label: foreignLabel });
});

describe("status", () => {
  it("says absent for a cluster that was never launched", async () => {
    expect(await driver.status(clusterSpec(), step().options)).toEqual({
      state: "absent",
      ownedByRhx: false,
    });
  });

  it("reports running and then stopped, with id, image and a human detail", async () => {
    const spec = clusterSpec();
    const launched = await driver.launch(spec, step().options);
    const running = await driver.status(spec, step().options);
    expect(running).toMatchObject({
      state: "running",
      ownedByRhx: true,
      id: launched.id,
      image: "rhx-test/busybox:1",
    });
    expect(running.detail).toMatch(/^Up \d+ seconds?$/);
    const stopStarted = Date.now();
    await docker(["stop", `rhx-${spec.name}`]);
    // The keep-alive loop exits on TERM: no 10 s wait for SIGKILL.
    expect(Date.now() - stopStarted).toBeLessThan(5_000);
    const stopped = await driver.status(spec, step().options);
    expect(stopped).toMatchObject({ state: "stopped", ownedByRhx: true, id: launched.id });
    expect(stopped.detail).toMatch(/^Exited \(0\)/);
  });
});

describe("teardown", () => {
  it("removes its container and verifies it is gone", async () => {
    const spec = clusterSpec();
    await driver.launch(spec, step().options);
    const { lines, options } = step();
    await driver.teardown(spec, options);
    expect((await driver.status(spec, options)).state).toBe("absent");
    expect(lines.at(-1)).toBe(`removed rhx-${spec.name}`);
  });

  it("is a no-op for a cluster that is not there", async () => {
    const spec = clusterSpec();
    const { lines, options } = step();
    await driver.teardown(spec, options);
    expect(lines).toEqual([`rhx-${spec.name} does not exist; nothing to remove`]);
  });

  it("refuses a container rhx did not create and leaves it running", async () => {
    const spec = clusterSpec();
    await docker([
      "run",
      "-d",
      "--net=host",
      "--label",
      foreignLabel,
      "--name",
      `rhx-${spec.name}`,
      TEST_IMAGES.busybox,
      "sleep",
      "300",
    ]);
    const error = await driver.teardown(spec, step().options).catch((e) => e);
    expect(error.code).toBe("RHX_CLUSTER_NOT_OWNED");
    expect(error.message).toContain("rhx did not create it");
    expect((await driver.status(spec, step().options)).state).toBe("running");
  });

  it("refuses a container labelled for another cluster", async () => {
    const spec = clusterSpec();
    await docker([
      "run",
      "-d",
      "--net=host",
      "--label",
      foreignLabel,
      "--label",
      "rhx.cluster=someone-else",
      "--name",
      `rhx-${spec.name}`,
      TEST_IMAGES.busybox,
      "sleep",
      "300",
    ]);
    expect((await driver.teardown(spec, step().options).catch((e) => e)).code).toBe("RHX_CLUSTER_NOT_OWNED");
  });

  it("names the command a person runs to tear down", () => {
    expect(driver.teardownCommand("ecr-pytorch")).toBe("rhx down ecr-pytorch");
  });
});

describe("shell", () => {
  it("runs a command inside the container and resolves to its exit code", async () => {
    const spec = clusterSpec();
    await driver.launch(spec, step().options);
    expect(await driver.shell(spec, ["sh", "-c", "test -f /etc/rhx-test-image && exit 7"])).toBe(7);
    expect(await driver.shell(spec, ["true"])).toBe(0);
  });

  it("refuses a missing or foreign cluster", async () => {
    expect((await driver.shell(clusterSpec(), []).catch((e) => e)).code).toBe("RHX_CLUSTER_NOT_FOUND");
  });
});
