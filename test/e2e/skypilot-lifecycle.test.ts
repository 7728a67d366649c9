// A cloud cluster's whole life through the CLI with `provider: aws`, against the fake `sky` in both
// eras (0.9.3: table, --env, -i/--down; 0.12.1: -o json, --secret, resources.autostop): plan, apply
// (pre-flight against a real docker-registry, launch, setup, the server over ssh, the health check),
// a no-op that only looks, status, autostop in place, ssh into the container, down. Ends with a leak
// scan of every output, every sky argv, the state dir and TMPDIR.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SkyCliBox } from "../drivers/skypilot/cli-support.ts";
import { VERSIONS } from "../drivers/skypilot/support.ts";
import { freePort } from "../helpers/docker-env.ts";
import { startRegistry, type TestRegistry } from "../helpers/registry.ts";
import { STACK_LINE } from "../helpers/run-cli.ts";
import { Pusher } from "../registry/helpers/push.ts";

const USER = "deploy-bot";
const PASSWORD = "Rhx-E2E-Sky-Lifecycle-Password-41c7";
const API_TOKEN = "Rhx-E2E-Sky-Api-Token-Value-9d02";

let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry({ users: { [USER]: PASSWORD } });
  await Pusher.basic(registry.url, USER, PASSWORD).image("team/app", "1.0", {
    os: "linux",
    architecture: "amd64",
  });
});

afterAll(async () => {
  await (registry as TestRegistry | undefined)?.stop();
});

describe.each(VERSIONS)("SkyPilot %s", { timeout: 900_000 }, (version) => {
  const modern = version === "0.12.1";
  const box = new SkyCliBox(version);
  const name = `rhx-e2e-${version.replace(/\./g, "")}`;
  let port = 0;
  // `sky down -a -y` in the fake ends every cluster of the box and every process on them.
  afterAll(() => box.cleanup(), 300_000);

  const config = (overrides: Record<string, unknown> = {}) => ({
    name,
    provider: "aws",
    region: "us-east-1",
    instance_type: "CPU:2+",
    image_id: "docker:team/app:1.0",
    env: { HF_HOME: "/data/hf", API_TOKEN: "${API_TOKEN}" },
    setup: ['echo "setup ran with $HF_HOME" > setup.txt'],
    server: { port, health_timeout_secs: 60 },
    autostop_mins: 30,
    ...overrides,
  });

  it("plan, apply, no-op, status, autostop, ssh, down", async () => {
    port = await freePort();
    box.writeEnv({
      SKYPILOT_DOCKER_USERNAME: USER,
      SKYPILOT_DOCKER_PASSWORD: PASSWORD,
      SKYPILOT_DOCKER_SERVER: registry.host,
      API_TOKEN,
    });
    box.writeConfig(config());

    // plan: a create, pre-flight passes (sky check, the registry), nothing is launched.
    const plan = await box.rhx(["plan", "--detailed-exitcode"]);
    expect(plan.stderr).toContain(`# ${name} will be created`);
    expect(plan.exitCode).toBe(2);
    expect(box.skyCalls().some((argv) => argv[0] === "launch")).toBe(false);

    // apply: launch → install → setup → server (ssh) → health (a job).
    let mark = box.records().length;
    const apply = await box.rhx(["apply", "--yes"]);
    expect(apply.stderr).not.toMatch(STACK_LINE);
    expect(apply.stderr).toContain(`✓ ${name} is ready`);
    expect(apply.exitCode).toBe(0);
    const calls = box.skyCalls(mark);
    const launch = calls.find((argv) => argv[0] === "launch") ?? [];
    expect(launch.slice(0, 5)).toEqual(["launch", "-y", "-c", name, "-d"]);
    expect(launch).not.toContain("--detach-setup");
    const by = modern ? "--secret" : "--env";
    expect(launch).toEqual(
      expect.arrayContaining(["--env", "HF_HOME", by, "API_TOKEN", by, "SKYPILOT_DOCKER_PASSWORD"]),
    );
    if (!modern) expect(launch).toEqual(expect.arrayContaining(["-i", "30", "--down"]));
    // One probe per run, shared by pre-flight and the driver's steps.
    expect(calls.filter((argv) => argv[0] === "--version")).toHaveLength(1);
    expect(calls.filter((argv) => argv[0] === "exec")).toHaveLength(3); // install, setup, health
    const ssh = box
      .records()
      .slice(mark)
      .filter((r) => r.program === "ssh");
    expect(ssh).toHaveLength(1);
    const launchRecord = box
      .records()
      .slice(mark)
      .find((r) => r.argv[0] === "launch");
    expect(launchRecord?.task?.mode).toBe("600");
    expect(launchRecord?.task?.resources).toMatchObject(
      modern
        ? {
            infra: "aws/us-east-1",
            cpus: "2+",
            image_id: "docker:team/app:1.0",
            autostop: { idle_minutes: 30, down: true },
          }
        : { cloud: "aws", region: "us-east-1", cpus: "2+", image_id: "docker:team/app:1.0" },
    );
    expect(readFileSync(join(box.clusterHome(name), "sky_workdir", "setup.txt"), "utf8")).toBe(
      "setup ran with /data/hf\n",
    );
    expect(box.state(name)?.stages).toMatchObject({
      launch: { status: "ok" },
      setup: { status: "ok" },
      server: { status: "ok" },
    });
    const health = await fetch(`http://127.0.0.1:${port}/check`).then((r) => r.text());
    expect(health).toContain("0.0.36");

    // A no-op only looks: no launch, no exec, no ssh.
    mark = box.records().length;
    const again = await box.rhx(["plan", "--detailed-exitcode"]);
    expect(again.stderr).toContain(`${name}: no changes.`);
    expect(again.exitCode).toBe(0);
    expect(box.skyCalls(mark).map((argv) => argv[0])).not.toEqual(
      expect.arrayContaining(["launch", "exec", "down", "autostop"]),
    );
    expect(
      box
        .records()
        .slice(mark)
        .some((r) => r.program === "ssh"),
    ).toBe(false);

    // status: rhx's record next to SkyPilot's live state.
    const status = await box.rhx(["status", name]);
    expect(status.exitCode).toBe(0);
    expect(status.stderr).toMatch(new RegExp(`${name}\\s+skypilot\\s+running\\s+ok\\s+ok\\s+ok`));

    // autostop_mins: updated in place with `sky autostop`.
    box.writeConfig(config({ autostop_mins: 45 }));
    mark = box.records().length;
    const autostop = await box.rhx(["apply"]);
    expect(autostop.exitCode).toBe(0);
    expect(autostop.stderr).toContain("will be updated in place");
    expect(box.skyCalls(mark).filter((argv) => argv[0] === "autostop")).toEqual([
      ["autostop", "-y", name, "-i", "45", "--down"],
    ]);
    expect(box.skyCalls(mark).some((argv) => argv[0] === "launch")).toBe(false);

    // ssh lands "in the container" (the fake's cluster home) and returns the command's exit code.
    const shell = await box.rhx(["ssh", name, "--", "cat", "sky_workdir/setup.txt"]);
    expect(shell.stdout).toContain("setup ran with /data/hf");
    expect(shell.exitCode).toBe(0);
    expect((await box.rhx(["ssh", name, "--", "sh", "-c", "exit 3"])).exitCode).toBe(3);

    // down: `sky down -y NAME`, verified, and the record is gone.
    mark = box.records().length;
    const down = await box.rhx(["down", name, "--yes"]);
    expect(down.stderr).toContain(`${name} is torn down.`);
    expect(down.exitCode).toBe(0);
    expect(box.skyCalls(mark).filter((argv) => argv[0] === "down")).toEqual([["down", "-y", name]]);
    expect(box.state(name)).toBeUndefined();
    await expect(fetch(`http://127.0.0.1:${port}/check`)).rejects.toThrow();

    // Nothing secret anywhere; no task file left behind.
    expect(box.leaks([PASSWORD, API_TOKEN])).toEqual([]);
    expect(box.tmpLeftovers()).toEqual([]);
    const names = box.records().flatMap((r) => [...(r.task?.envNames ?? []), ...(r.task?.secretNames ?? [])]);
    expect(names).toContain("SKYPILOT_DOCKER_PASSWORD");
  });
});
