import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalDriver } from "../../../src/drivers/local/index.ts";
import { MASK, Redactor } from "../../../src/secrets/redactor.ts";
import { docker, requireDocker, TEST_IMAGES } from "../../helpers/docker-env.ts";
import { clusterSpec, step, sweep, watchArgv } from "./support.ts";

const redactor = new Redactor();
const driver = createLocalDriver({ env: process.env, redactor });
const spec = clusterSpec({ image_id: `docker:${TEST_IMAGES.runhouse}` });

beforeAll(async () => {
  await requireDocker([TEST_IMAGES.runhouse]);
  await driver.launch(spec, step().options);
});
afterAll(() => sweep());

/** Processes in the container whose command line matches, as `docker top` lists them. */
async function inContainer(pattern: RegExp): Promise<string[]> {
  const top = await docker(["top", `rhx-${spec.name}`, "-o", "pid,args"]);
  return top.stdout.split("\n").filter((line) => pattern.test(line));
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("exec", () => {
  it("returns the exit code and the last 20 lines, and streams every line", async () => {
    const { lines, options } = step();
    const result = await driver.exec(
      spec,
      "for i in $(seq 1 30); do echo line $i; done; echo oops >&2; exit 3",
      options,
    );
    expect(result.exitCode).toBe(3);
    expect(result.tail).toHaveLength(20);
    // stdout and stderr are separate pipes: "oops" is in the tail, but its place is not guaranteed.
    expect(result.tail).toContain("oops");
    expect(result.tail).toContain("line 30");
    expect(result.tail).not.toContain("line 10");
    expect(lines).toHaveLength(31);
  });

  it("sets the config's env in the container, values never on argv", async () => {
    const secret = `s3cret-${Math.random().toString(36).slice(2)}`;
    redactor.register(secret);
    const withEnv = { ...spec, env: { HF_HOME: "/data/hf", API_TOKEN: secret, SPACED: "a b  'c'" } };
    const { lines, options } = step();
    const { value, hits, dockerSeen } = await watchArgv(secret, () =>
      driver.exec(withEnv, 'echo "$HF_HOME|$SPACED"; echo "token=$API_TOKEN"; sleep 1', options),
    );
    expect(hits).toEqual([]);
    expect(dockerSeen.some((argv) => argv.includes(" exec -i "))).toBe(true);
    expect(value?.exitCode).toBe(0);
    expect(value?.tail).toEqual(["/data/hf|a b  'c'", `token=${MASK}`]);
    expect(lines.join("\n")).not.toContain(secret);
  });

  it("sends the command on stdin: a secret inside it never reaches argv", async () => {
    const secret = `inline-${Math.random().toString(36).slice(2)}`;
    const { value, hits } = await watchArgv(secret, () =>
      driver.exec(spec, `sleep 1; echo '${secret}' | wc -c`, step().options),
    );
    expect(hits).toEqual([]);
    expect(value?.tail).toEqual([String(secret.length + 1)]);
  });

  it("gives the command an empty stdin, so a reading command cannot eat the script", async () => {
    const result = await driver.exec(spec, "cat; read line; echo after-read $?", step().options);
    expect(result).toEqual({ exitCode: 0, tail: ["after-read 1"] });
  });

  it("runs multi-line scripts with quotes and here-documents", async () => {
    const script = ["x='it''s'", "cat <<EOF", "value: $x", "EOF", 'test "$x" = its'].join("\n");
    expect(await driver.exec(spec, script, step().options)).toEqual({ exitCode: 0, tail: ["value: its"] });
  });

  it("on cancel, kills the command inside the container and throws RHX_CANCELLED", async () => {
    const controller = new AbortController();
    const pending = driver.exec(spec, "sleep 1000", step({ signal: controller.signal }).options);
    await waitFor(async () => (await inContainer(/sleep 1000/)).length > 0);
    controller.abort();
    const error = await pending.catch((e) => e);
    expect(error.code).toBe("RHX_CANCELLED");
    expect(error.exitCode).toBe(130);
    expect(await inContainer(/sleep 1000/)).toEqual([]);
  });

  it("on timeout, kills the whole process tree inside the container and throws RHX_STEP_TIMEOUT", async () => {
    const started = Date.now();
    const error = await driver
      .exec(spec, "echo started; sh -c 'sleep 1001 & sleep 1002; wait'", step({ timeoutMs: 1_500 }).options)
      .catch((e) => e);
    expect(error.code).toBe("RHX_STEP_TIMEOUT");
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain("  started");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await inContainer(/sleep 100[12]/)).toEqual([]);
  });

  it("also stops a command that ignores SIGTERM", async () => {
    const controller = new AbortController();
    const pending = driver.exec(
      spec,
      "trap '' TERM; sleep 1003 & wait; sleep 1003",
      step({ signal: controller.signal }).options,
    );
    await waitFor(async () => (await inContainer(/sleep 1003/)).length > 0);
    controller.abort();
    expect((await pending.catch((e) => e)).code).toBe("RHX_CANCELLED");
    expect(await inContainer(/sleep 1003/)).toEqual([]);
  });

  it("says so when the cluster's container is not there", async () => {
    const error = await driver.exec(clusterSpec(), "true", step().options).catch((e) => e);
    expect(error.code).toBe("RHX_CLUSTER_NOT_RUNNING");
  });

  it("refuses env names the docker client reads itself", async () => {
    const error = await driver
      .exec({ ...spec, env: { DOCKER_HOST: "tcp://x" } }, "true", step().options)
      .catch((e) => e);
    expect(error.code).toBe("RHX_EXEC_ENV_RESERVED");
  });

  it("passes PATH and HOME to the container without losing the docker client", async () => {
    const result = await driver.exec(
      { ...spec, env: { PATH: "/opt/x/bin:/usr/bin:/bin", HOME: "/tmp/home-x" } },
      'echo "$PATH $HOME"',
      step().options,
    );
    expect(result.tail).toEqual(["/opt/x/bin:/usr/bin:/bin /tmp/home-x"]);
  });
});
