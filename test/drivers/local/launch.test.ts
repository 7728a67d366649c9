import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLocalDriver } from "../../../src/drivers/local/index.ts";
import { RhxError } from "../../../src/errors/rhx-error.ts";
import { Redactor } from "../../../src/secrets/redactor.ts";
import { docker, requireDocker, TEST_IMAGES } from "../../helpers/docker-env.ts";
import { startRegistry, type TestRegistry } from "../../helpers/registry.ts";
import { clusterSpec, credentials, step, sweep, watchArgv } from "./support.ts";

const argvWrapper = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "docker-argv.sh");
const redactor = new Redactor();
const driver = createLocalDriver({ env: process.env, redactor });
let registry: TestRegistry;
let privateImage: string;
/** Pushed but never pulled by these tests, so the engine never has it locally. */
let neverPulled: string;

beforeAll(async () => {
  await requireDocker([TEST_IMAGES.busybox, TEST_IMAGES.runhouse, TEST_IMAGES.runhouseEntrypoint]);
  registry = await startRegistry();
  privateImage = (await registry.push(TEST_IMAGES.runhouse, "team/runhouse:0.0.36")).ref;
  neverPulled = (await registry.push(TEST_IMAGES.busybox, "team/unpulled:1")).ref;
});
afterEach(async () => {
  await sweep();
});
afterAll(async () => {
  await sweep();
  await registry.stop();
});

async function labels(name: string): Promise<Record<string, string>> {
  const out = await docker(["inspect", "--format", "{{json .Config.Labels}}", `rhx-${name}`]);
  return JSON.parse(out.stdout);
}

describe("launch", () => {
  it("runs a local image without credentials, labelled, on the host network, kept alive", async () => {
    const spec = clusterSpec();
    const { options } = step();
    const live = await driver.launch(spec, options);
    expect(live).toMatchObject({ state: "running", ownedByRhx: true, image: "rhx-test/busybox:1" });
    expect(await labels(spec.name)).toMatchObject({ "rhx.cluster": spec.name, "rhx.managed-by": "rhx" });
    const network = await docker(["inspect", "--format", "{{.HostConfig.NetworkMode}}", `rhx-${spec.name}`]);
    expect(network.stdout.trim()).toBe("host");
    const env = await driver.exec(spec, "echo $LANG; id -u", options);
    expect(env.tail).toEqual(["C.UTF-8", "0"]);
  });

  it("keeps a container alive whose image ENTRYPOINT exits at once", async () => {
    const spec = clusterSpec({ image_id: `docker:${TEST_IMAGES.runhouseEntrypoint}` });
    await driver.launch(spec, step().options);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const live = await driver.status(spec, step().options);
    expect(live.state).toBe("running");
    const version = await driver.exec(spec, "runhouse --version", step().options);
    expect(version).toEqual({ exitCode: 0, tail: ["0.0.36"] });
  });

  it("runs as the image's user (root unless it says otherwise)", async () => {
    const spec = clusterSpec({ image_id: `docker:${TEST_IMAGES.runhouseNonroot}` });
    await driver.launch(spec, step().options);
    expect((await driver.exec(spec, "id -u", step().options)).tail).toEqual(["1000"]);
  });

  it("logs in and pulls a private image, streams the pull, and leaves ~/.docker alone", async () => {
    const spec = clusterSpec({
      image_id: "docker:team/runhouse:0.0.36",
      docker: credentials(registry.username, registry.password, registry.host),
    });
    const userConfig = await readFile(join(process.env.HOME ?? "", ".docker", "config.json"), "utf8").catch(
      () => "(none)",
    );
    const { lines, options } = step();
    const {
      value: live,
      error,
      hits,
    } = await watchArgv(registry.password, () => driver.launch(spec, options));
    expect(error).toBeUndefined();
    expect(hits).toEqual([]);
    expect(live).toMatchObject({ state: "running", ownedByRhx: true, image: privateImage });
    expect(lines.some((line) => line.includes("Pulling from team/runhouse"))).toBe(true);
    expect(lines.join("\n")).not.toContain(registry.password);
    const after = await readFile(join(process.env.HOME ?? "", ".docker", "config.json"), "utf8").catch(
      () => "(none)",
    );
    expect(after).toBe(userConfig);
  });

  it("rejects a bad password with RHX_LAUNCH_LOGIN_REJECTED, leaves nothing, leaks the password nowhere", async () => {
    const password = `wrong-${Math.random().toString(36).slice(2)}-pw`;
    redactor.register(password);
    const dir = await mkdtemp(join(tmpdir(), "rhx-argv-"));
    const log = join(dir, "argv.log");
    try {
      // The log's path reaches the wrapper through the run's environment, as every docker child's does.
      const recorded = createLocalDriver({
        env: { ...process.env, RHX_TEST_ARGV_LOG: log },
        redactor,
        docker: argvWrapper,
      });
      const spec = clusterSpec({
        image_id: "docker:team/runhouse:0.0.36",
        docker: credentials(registry.username, password, registry.host),
      });
      const { lines, options } = step();
      const { error, hits, dockerSeen } = await watchArgv(password, () => recorded.launch(spec, options));

      expect(error).toBeInstanceOf(RhxError);
      const failure = error as RhxError;
      expect(failure.code).toBe("RHX_LAUNCH_LOGIN_REJECTED");
      expect(failure.exitCode).toBe(1);
      expect(failure.message).toContain(`the password was rejected by ${registry.host}`);
      expect((await driver.status(spec, options)).state).toBe("absent");

      const argv = await readFile(log, "utf8");
      expect(argv).toContain("login --username");
      expect(argv).not.toContain(password);
      expect(hits).toEqual([]);
      expect(dockerSeen.some((argv) => argv.includes(" login --username "))).toBe(true);
      const everything = JSON.stringify({ m: failure.message, h: failure.hint, s: failure.stack, lines });
      expect(everything).not.toContain(password);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports a pull without credentials as RHX_LAUNCH_PULL_DENIED", async () => {
    const spec = clusterSpec({ image_id: `docker:${neverPulled}` });
    const error = await driver.launch(spec, step().options).catch((e) => e);
    expect(error.code).toBe("RHX_LAUNCH_PULL_DENIED");
    expect(error.message).toContain("no basic auth credentials");
    expect(error.hint).toContain("SKYPILOT_DOCKER_USERNAME");
  });

  it("reports a missing tag as RHX_LAUNCH_IMAGE_NOT_FOUND and leaves nothing", async () => {
    const spec = clusterSpec({
      image_id: "docker:team/runhouse:no-such-tag",
      docker: credentials(registry.username, registry.password, registry.host),
    });
    const error = await driver.launch(spec, step().options).catch((e) => e);
    expect(error.code).toBe("RHX_LAUNCH_IMAGE_NOT_FOUND");
    expect(error.message).toContain(`${registry.host}/team/runhouse:no-such-tag`);
    expect((await driver.status(spec, step().options)).state).toBe("absent");
  });

  it("reports an unreachable registry as RHX_LAUNCH_REGISTRY_UNREACHABLE", async () => {
    const spec = clusterSpec({
      image_id: "docker:team/runhouse:0.0.36",
      docker: credentials("rhx", "any-password-at-all", "127.0.0.1:1"),
    });
    const error = await driver.launch(spec, step().options).catch((e) => e);
    expect(error.code).toBe("RHX_LAUNCH_REGISTRY_UNREACHABLE");
  });

  it("reports an engine that does not answer as RHX_ENGINE_UNREACHABLE", async () => {
    process.env.DOCKER_HOST = "unix:///nonexistent/rhx-test.sock";
    try {
      const error = await driver.launch(clusterSpec(), step().options).catch((e) => e);
      expect(error.code).toBe("RHX_ENGINE_UNREACHABLE");
    } finally {
      delete process.env.DOCKER_HOST;
    }
  });

  it("refuses a same-named container that rhx did not create, and leaves it alone", async () => {
    const spec = clusterSpec();
    await docker([
      "run",
      "-d",
      "--net=host",
      "--name",
      `rhx-${spec.name}`,
      TEST_IMAGES.busybox,
      "sleep",
      "300",
    ]);
    const error = await driver.launch(spec, step().options).catch((e) => e);
    expect(error.code).toBe("RHX_CLUSTER_NOT_OWNED");
    expect((await driver.status(spec, step().options)).state).toBe("running");
  });

  it("adopts its own running container, restarts a stopped one, refuses another image", async () => {
    const spec = clusterSpec();
    const first = await driver.launch(spec, step().options);
    expect((await driver.launch(spec, step().options)).id).toBe(first.id);
    await docker(["stop", "--time", "1", `rhx-${spec.name}`]);
    const restarted = await driver.launch(spec, step().options);
    expect(restarted).toMatchObject({ id: first.id, state: "running" });
    const other = { ...spec, image_id: `docker:${TEST_IMAGES.runhouse}` };
    expect((await driver.launch(other, step().options).catch((e) => e)).code).toBe("RHX_LAUNCH_EXISTS");
  });

  it("is cancelled by its signal and cleans up", async () => {
    const controller = new AbortController();
    controller.abort();
    const spec = clusterSpec();
    const error = await driver.launch(spec, step({ signal: controller.signal }).options).catch((e) => e);
    expect(error.code).toBe("RHX_CANCELLED");
    expect(error.exitCode).toBe(130);
    expect((await driver.status(spec, step().options)).state).toBe("absent");
  });
});
