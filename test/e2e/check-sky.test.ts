// `rhx check` for cloud providers, with the project's fake `sky` on PATH in both CLI eras (0.9.3: text
// output; 0.12.1: `-o json`) and a real `docker-registry` for the image, so the verdicts below come from
// the SkyPilot checks alone.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRegistry, type TestRegistry } from "../helpers/registry.ts";
import { type CliResult, events, runCli, STACK_LINE } from "../helpers/run-cli.ts";
import { pathWithFakeSky } from "../preflight/support.ts";
import { Pusher } from "../registry/helpers/push.ts";
import { secretForms } from "../registry/helpers/secrets.ts";

const USER = "carol";
const PASSWORD = "Rhx-e2e-Sky-Carol-Distinctive-3e8f0b77";
const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

let registry: TestRegistry;
const dir = mkdtempSync(join(tmpdir(), "rhx-e2e-check-sky-"));
const emptyDir = mkdtempSync(join(tmpdir(), "rhx-e2e-no-sky-"));

beforeAll(async () => {
  registry = await startRegistry({ users: { [USER]: PASSWORD } });
  await Pusher.basic(registry.url, USER, PASSWORD).image("team/app", "1.0", {
    os: "linux",
    architecture: "amd64",
  });
});

afterAll(async () => {
  // Undefined when beforeAll failed before starting it.
  await (registry as TestRegistry | undefined)?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(emptyDir, { recursive: true, force: true });
});

let counter = 0;

interface Run {
  result: CliResult;
  json: CliResult;
  preflight: Record<string, unknown>[];
  /** The fake's invocation record: argv and which SKYPILOT_* variables it received (never values). */
  calls: { argv: string[]; env: Record<string, unknown> }[];
}

/** Runs `rhx check` (human, then --json) on `documents` with the fake `sky` of `version`. */
async function check(documents: string[], version: string, env: Record<string, string> = {}): Promise<Run> {
  const id = `sky-${++counter}`;
  const file = join(dir, `${id}.yaml`);
  writeFileSync(file, documents.join("\n---\n"));
  const record = join(dir, `${id}.jsonl`);
  const fullEnv = {
    PATH: pathWithFakeSky(),
    TMPDIR: dir,
    FAKE_SKY_VERSION: version,
    FAKE_SKY_STATE: join(dir, `${id}-state`),
    FAKE_SKY_RECORD: record,
    SKYPILOT_DOCKER_USERNAME: USER,
    SKYPILOT_DOCKER_PASSWORD: PASSWORD,
    SKYPILOT_DOCKER_SERVER: registry.host,
    ...env,
  };
  const argv = ["check", file, "--state-dir", join(dir, "state")];
  const result = await runCli(argv, { cwd: dir, env: fullEnv });
  const json = await runCli([...argv, "--json"], { cwd: dir, env: fullEnv });
  for (const r of [result, json]) {
    const leaked = secretForms(USER, PASSWORD).filter((s) => r.stdout.includes(s) || r.stderr.includes(s));
    expect(leaked).toEqual([]);
    expect(r.stderr).not.toMatch(STACK_LINE);
  }
  expect(json.exitCode).toBe(result.exitCode);
  let calls: Run["calls"] = [];
  try {
    calls = readFileSync(record, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
  } catch {
    // No sky ran.
  }
  return { result, json, preflight: events(json.stdout).filter((e) => e.type === "preflight"), calls };
}

const cluster = (name: string, provider: string, image = "team/app:1.0") =>
  [`name: ${name}`, `provider: ${provider}`, `image_id: docker:${image}`].join("\n");

// Each case spawns the fake (a node process) several times: slow on a busy machine.
describe.each(["0.9.3", "0.12.1"])("fake sky %s", { timeout: 180_000 }, (version) => {
  it("an enabled cloud passes: exit 0", async () => {
    const run = await check([cluster("web", "aws")], version);
    expect(run.result.exitCode).toBe(0);
    expect(run.result.stderr).toContain(`✓ SkyPilot CLI: skypilot ${version}`);
    expect(run.result.stderr).toContain(
      `✓ AWS credentials (sky check): SkyPilot ${version} can launch on AWS.`,
    );
    expect(run.preflight.map((e) => [e.id, e.status])).toEqual([
      ["sky", "pass"],
      ["cloud", "pass"],
      ["registry", "pass"],
    ]);
  });

  it("a disabled cloud fails with SkyPilot's reason: exit 4", async () => {
    const run = await check([cluster("web", "azure")], version);
    const message =
      "SkyPilot cannot launch on Azure: Azure credentials are not set. Run `sky check azure` after following the setup docs.";
    expect(run.result.exitCode).toBe(4);
    expect(run.result.stderr).toContain(`✗ Azure credentials (sky check): ${message} (RHX_CLOUD_DISABLED)`);
    expect(run.result.stderr).toContain("hint: Give SkyPilot Azure credentials with `az login`");
    expect(run.preflight.find((e) => e.id === "cloud")).toMatchObject({
      cluster: "web",
      status: "fail",
      code: "RHX_CLOUD_DISABLED",
      message,
    });
    expect(run.preflight.find((e) => e.id === "registry")).toMatchObject({ status: "pass" });
  });

  it("`sky` missing from PATH fails with how to install SkyPilot: exit 4", async () => {
    const run = await check([cluster("web", "aws")], version, { PATH: emptyDir });
    expect(run.result.exitCode).toBe(4);
    expect(run.result.stderr).toContain(
      "✗ SkyPilot CLI: `sky` (the SkyPilot CLI) was not found on PATH; cloud providers are launched through it. (RHX_SKY_NOT_FOUND)",
    );
    expect(run.result.stderr).toContain('pip install "skypilot[aws]"');
    expect(run.preflight.map((e) => [e.id, e.status])).toEqual([
      ["sky", "fail"],
      ["registry", "pass"],
    ]);
    expect(run.calls).toEqual([]);
  });

  it("empty-password ECR on AWS warns (instance role) and does not fail", async () => {
    const run = await check([cluster("ecr", "aws", `${ECR}/team/app:1.0`)], version, {
      SKYPILOT_DOCKER_USERNAME: "AWS",
      SKYPILOT_DOCKER_PASSWORD: "",
      SKYPILOT_DOCKER_SERVER: ECR,
    });
    expect(run.result.exitCode).toBe(0);
    expect(run.result.stderr).toContain(
      `! registry login and image: The password is empty, so the cluster will log in to ${ECR} with its instance role (aws ecr get-login-password --region us-east-1). (RHX_REGISTRY_INSTANCE_ROLE)`,
    );
    expect(run.preflight.find((e) => e.id === "registry")).toMatchObject({
      status: "warn",
      code: "RHX_REGISTRY_INSTANCE_ROLE",
    });
    // 0.9.3 predates SkyPilot's ECR instance-role login: a second warning, still exit 0.
    const old = run.preflight.find((e) => e.id === "sky-instance-role");
    if (version === "0.9.3")
      expect(old).toMatchObject({ status: "warn", code: "RHX_SKY_INSTANCE_ROLE_UNSUPPORTED" });
    else expect(old).toBeUndefined();
    expect(run.result.stderr).toContain("All checks passed.");
  });

  it("several clusters: `sky --version` once per run, `sky check` per cloud, no password for sky", async () => {
    const run = await check(
      [cluster("one", "aws"), cluster("two", "gcp"), cluster("three", "cheapest")],
      version,
    );
    expect(run.result.exitCode).toBe(0);
    // Human run + --json run: one probe each.
    expect(run.calls.filter((c) => c.argv[0] === "--version")).toHaveLength(2);
    const checks = run.calls.filter((c) => c.argv[0] === "check").map((c) => c.argv.join(" "));
    const json = version === "0.12.1" ? " -o json" : "";
    expect(new Set(checks)).toEqual(new Set([`check${json} aws`, `check${json} gcp`, `check${json}`]));
    for (const call of run.calls) expect(call.env).not.toHaveProperty("SKYPILOT_DOCKER_PASSWORD");
  });

  it("`cheapest` with no enabled cloud fails", async () => {
    const run = await check([cluster("web", "cheapest")], version, { FAKE_SKY_ENABLED_CLOUDS: "" });
    expect(run.result.exitCode).toBe(4);
    expect(run.preflight.find((e) => e.id === "cloud")).toMatchObject({
      status: "fail",
      code: "RHX_CLOUD_NONE_ENABLED",
    });
  });

  it("the SkyPilot API server down fails the cloud check", async () => {
    const run = await check([cluster("web", "aws")], version, { FAKE_SKY_OUTCOME: "api-down" });
    expect(run.result.exitCode).toBe(4);
    expect(run.preflight.find((e) => e.id === "cloud")).toMatchObject({
      status: "fail",
      code: "RHX_SKY_API_UNREACHABLE",
    });
  });
});
