// Every SkyPilot failure class through the CLI with `provider: aws`, against the fake `sky` in both
// eras: a docker login failure leaves the cluster INIT and billed → the next plan is a replace
// (previous launch failed) → `apply --yes` tears it down and relaunches; no capacity (nothing left, the
// next plan is a create); a failing setup job; the API server unreachable; `sky down` that "succeeds"
// but leaves the cluster; Ctrl-C during provisioning. Each ends in the leak scan.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SkyCliBox } from "../drivers/skypilot/cli-support.ts";
import { VERSIONS } from "../drivers/skypilot/support.ts";
import { freePort } from "../helpers/docker-env.ts";
import { startRegistry, type TestRegistry } from "../helpers/registry.ts";
import { STACK_LINE } from "../helpers/run-cli.ts";
import { Pusher } from "../registry/helpers/push.ts";

const USER = "deploy-bot";
const PASSWORD = "Rhx-E2E-Sky-Failures-Password-7b3e";

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
  const box = new SkyCliBox(version);
  const tag = version.replace(/\./g, "");
  // `sky down -a -y` in the fake ends every cluster of the box and every process on them.
  afterAll(() => box.cleanup(), 300_000);

  /** A cluster file of its own, so the cases do not share state. */
  async function cluster(kind: string, overrides: Record<string, unknown> = {}) {
    const name = `rhx-${kind}-${tag}`;
    box.writeEnv({
      SKYPILOT_DOCKER_USERNAME: USER,
      SKYPILOT_DOCKER_PASSWORD: PASSWORD,
      SKYPILOT_DOCKER_SERVER: registry.host,
    });
    const file = box.writeConfig(
      {
        name,
        provider: "aws",
        instance_type: "CPU:2+",
        image_id: "docker:team/app:1.0",
        server: { port: await freePort(), health_timeout_secs: 60 },
        ...overrides,
      },
      `${name}.yaml`,
    );
    return { name, file };
  }

  it("docker login failure: INIT and billed, said so; the next plan replaces; apply --yes tears down and relaunches", async () => {
    const { name, file } = await cluster("auth");
    const failed = await box.rhx(["apply", "--yes", file], { FAKE_SKY_OUTCOME: "docker-auth" });
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).not.toMatch(STACK_LINE);
    expect(failed.stderr).toContain(`[${name}] error RHX_SKY_DOCKER_LOGIN`);
    expect(failed.stderr).toContain("The registry refused the docker credentials");
    expect(failed.stderr).toContain(
      `the cluster ${name} is left INIT and billed; \`rhx apply --yes\` tears it down and relaunches, or \`rhx down ${name}\``,
    );
    expect(box.state(name)?.stages.launch).toMatchObject({
      status: "failed",
      error: { code: "RHX_SKY_DOCKER_LOGIN" },
    });

    const status = await box.rhx(["status", name]);
    expect(status.stderr).toMatch(new RegExp(`${name}\\s+skypilot\\s+init\\s+failed`));

    const plan = await box.rhx(["plan", file]);
    expect(plan.exitCode).toBe(0);
    expect(plan.stderr).toContain(`# ${name} will be REPLACED`);
    expect(plan.stderr).toContain("! previous launch failed: The registry refused the docker credentials");
    expect(plan.stderr).toContain("steps: tear down → launch");

    // A replace needs a yes; without a terminal it fails at once instead of hanging.
    expect((await box.rhx(["apply", file])).exitCode).toBe(64);

    const mark = box.records().length;
    const fixed = await box.rhx(["apply", "--yes", file]);
    expect(fixed.stderr).toContain(`✓ ${name} is ready`);
    expect(fixed.exitCode).toBe(0);
    const verbs = box.skyCalls(mark).map((argv) => argv.slice(0, 3).join(" "));
    expect(verbs.indexOf(`down -y ${name}`)).toBeGreaterThan(-1);
    expect(verbs.indexOf(`down -y ${name}`)).toBeLessThan(verbs.findIndex((v) => v.startsWith("launch")));
    expect(box.state(name)?.stages.launch?.status).toBe("ok");
    expect(box.leaks([PASSWORD])).toEqual([]);
  });

  it("no capacity: said so, nothing left; the next plan is a create", async () => {
    const { name, file } = await cluster("capacity");
    const failed = await box.rhx(["apply", "--yes", file], { FAKE_SKY_OUTCOME: "capacity" });
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain(`[${name}] error RHX_SKY_NO_CAPACITY`);
    expect(failed.stderr).toContain(
      `No capacity for ${name} in any region or zone SkyPilot tried; nothing was left running.`,
    );
    expect(failed.stderr).toContain("sky said: sky.exceptions.ResourcesUnavailableError");
    const plan = await box.rhx(["plan", file]);
    expect(plan.stderr).toContain(`# ${name} will be created`);
    expect(plan.stderr).toContain("previous launch failed: No capacity");
    expect(box.leaks([PASSWORD])).toEqual([]);
  });

  it("a failing setup job: RHX_SETUP_FAILED with the command's exit code and output", async () => {
    const { name, file } = await cluster("setup", { setup: ["echo step one", "echo broken >&2; exit 3"] });
    const failed = await box.rhx(["apply", "--yes", file]);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain(`[${name}] error RHX_SETUP_FAILED`);
    expect(failed.stderr).toMatch(
      /Setup step 3 \(`echo broken >&2; exit 3`\) exited with code 3\.\n\s+broken/,
    );
    expect(box.state(name)?.stages.setup?.status).toBe("failed");
    // Only the failed step and what follows run again.
    const plan = await box.rhx(["plan", file]);
    expect(plan.stderr).toContain("run setup from step 3");
  });

  it("the API server unreachable: status, down and apply say so (exit 1)", async () => {
    const { name, file } = await cluster("api");
    expect((await box.rhx(["apply", "--yes", file])).exitCode).toBe(0);
    const status = await box.rhx(["status", name], { FAKE_SKY_OUTCOME: "api-down" });
    expect(status.exitCode).toBe(1);
    expect(status.stderr).toContain("RHX_SKY_API_UNREACHABLE");
    expect(status.stderr).toContain("The SkyPilot API server at http://127.0.0.1:46580 is not reachable");
    expect(status.stderr).toContain("sky api start");
    const down = await box.rhx(["down", name, "--yes"], { FAKE_SKY_OUTCOME: "api-down" });
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toContain("RHX_SKY_API_UNREACHABLE");
    expect(box.state(name)).toBeDefined();
    // Planning needs SkyPilot's live state first, so nothing is attempted.
    const apply = await box.rhx(["apply", "--yes", file], { FAKE_SKY_OUTCOME: "api-down" });
    expect(apply.exitCode).toBe(1);
    expect(apply.stderr).toContain(`[${name}] error RHX_SKY_API_UNREACHABLE`);
  });

  it("`sky down` that exits 0 but leaves the cluster: rhx notices, keeps the record, exits 1", async () => {
    const { name, file } = await cluster("down");
    expect((await box.rhx(["apply", "--yes", file])).exitCode).toBe(0);
    const down = await box.rhx(["down", name, "--yes"], { FAKE_SKY_DOWN_FAILS: "1" });
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toContain(`[${name}] error RHX_TEARDOWN_FAILED`);
    expect(down.stderr).toContain(`${name} is still there after \`sky down -y ${name}\``);
    expect(down.stderr).toContain("InvalidInstanceID.Malformed");
    expect(down.stderr).toContain(`sky down --purge ${name}`);
    expect(box.state(name)).toBeDefined();
    expect((await box.rhx(["status", name])).stderr).toMatch(new RegExp(`${name}\\s+skypilot\\s+running`));
    const again = await box.rhx(["down", name, "--yes"]);
    expect(again.exitCode).toBe(0);
    expect(box.state(name)).toBeUndefined();
  });

  it("an empty password (ECR instance role) reaches SkyPilot as an empty value; old SkyPilot cannot use it", async () => {
    const ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
    const { name, file } = await cluster("ecr", {
      image_id: "docker:team/app:1.0",
      docker: { username: "AWS", password: "", server: ecr },
    });
    const mark = box.records().length;
    const result = await box.rhx(["apply", "--yes", file]);
    // Pre-flight cannot log in as the VM will: it warns and goes on.
    expect(result.stderr).toContain("RHX_REGISTRY_INSTANCE_ROLE");
    const launch = box
      .records()
      .slice(mark)
      .find((r) => r.argv[0] === "launch");
    expect(launch?.env?.SKYPILOT_DOCKER_PASSWORD).toEqual({ set: true, nonEmpty: false });
    if (version === "0.12.1") {
      expect(result.stderr).toContain(`✓ ${name} is ready`);
      expect(result.exitCode).toBe(0);
    } else {
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain("RHX_SKY_DOCKER_LOGIN");
      expect(result.stderr).toContain(
        "The password is empty, so SkyPilot logs in with the VM's own identity: that needs SkyPilot ≥0.11 for ECR",
      );
    }
  });

  it("Ctrl-C during provisioning: exit 130, the request cancelled, the next plan replaces what is left", async () => {
    const { name, file } = await cluster("sigint");
    const gate = join(box.base, `gate-${name}`);
    const child = box.spawn(["apply", "--yes", file], { FAKE_SKY_LAUNCH_GATE: gate });
    // Interrupt once SkyPilot is provisioning (the cluster INIT, its request running).
    for (let i = 0; i < 1200 && box.skyCluster(name)?.status !== "INIT"; i++)
      await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGINT");
    const result = await box.settle(child);
    expect(result.exitCode).toBe(130);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(box.skyCalls().some((argv) => argv[0] === "api" && argv[1] === "cancel")).toBe(true);
    expect(box.state(name)?.stages.launch).toMatchObject({
      status: "failed",
      error: {
        code: "RHX_CANCELLED",
        message: expect.stringContaining(`Tear it down with: rhx down ${name}`),
      },
    });
    const plan = await box.rhx(["plan", file]);
    expect(plan.stderr).toContain(`# ${name} will be REPLACED`);
    expect(plan.stderr).toContain(`! previous launch failed: The launch of ${name} was cancelled`);
  });
});
