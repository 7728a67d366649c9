// The SkyPilot driver's pre-flight against the fake `sky` of both CLI eras (docs/checks.md),
// and against tiny scripts for what the fake does not do (hang, crash, print nonsense).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { LoadedCluster } from "../../../src/config/cluster.ts";
import { createSkyDriver, type SkyDriverOptions } from "../../../src/drivers/skypilot/index.ts";
import type { CheckResult } from "../../../src/preflight/types.ts";
import { Redactor } from "../../../src/secrets/redactor.ts";
import { clusterOf, pathWithFakeSky, scratch } from "../../preflight/support.ts";

const temp = scratch();
afterAll(() => temp.cleanup());

const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const PASSWORD = "pf-Sky-Unit-9f3c2e-password";
let runs = 0;

/** A fresh environment per call (so a fresh `sky --version` probe), with its own fake state and record. */
function fakeEnv(version: string, extra: Record<string, string> = {}) {
  const id = `run-${++runs}`;
  const record = join(temp.dir, `${id}.jsonl`);
  const env: Record<string, string | undefined> = {
    PATH: pathWithFakeSky(),
    TMPDIR: temp.dir,
    FAKE_SKY_VERSION: version,
    FAKE_SKY_STATE: join(temp.dir, id),
    FAKE_SKY_RECORD: record,
    // Where the detected flags are cached (never the user's own state dir).
    RHX_STATE_DIR: join(temp.dir, `${id}-state`),
    ...extra,
  };
  // The `--help` calls of the flag detection are left out: these tests are about the checks.
  const calls = (): { argv: string[]; env: Record<string, unknown> }[] =>
    readFileSync(record, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { argv: string[]; env: Record<string, unknown> })
      .filter((call) => !call.argv.includes("--help"));
  return { env, calls };
}

/** A script's answer to `sky check --help` (and any other --help) that lists `-o/--output`, as master's does. */
const OUTPUT_HELP =
  'case " $* " in *" --help "*) printf "Usage: sky check [OPTIONS]\\n\\nOptions:\\n  -o, --output [table|json]  Output format.\\n"; exit 0;; esac';

const byId = (results: CheckResult[], id: string) => results.find((r) => r.id === id);

type Limits = Partial<Pick<SkyDriverOptions, "sky" | "probeTimeoutMs" | "checkTimeoutMs">>;

/** A driver of one run in `env`: what `rhx check` makes per run. */
function skyDriver(env: Record<string, string | undefined>, limits: Limits = {}) {
  return createSkyDriver({ env, redactor: new Redactor(), ...limits });
}

const preflightOptions = { signal: new AbortController().signal, clusterRunning: false };

/** One cluster's pre-flight, in a run of its own. */
function check(cluster: LoadedCluster, env: Record<string, string | undefined>, limits: Limits = {}) {
  return skyDriver(env, limits).preflight(cluster, preflightOptions);
}

// Each case spawns the fake (a node process) a few times: slow on a busy machine.
describe.concurrent.each(["0.9.3", "0.12.1"])("fake sky %s", { timeout: 180_000 }, (version) => {
  const json = version === "0.12.1";

  it("passes for an enabled cloud, asking `sky check` about that cloud only", async () => {
    const { env, calls } = fakeEnv(version);
    const results = await check(clusterOf({ provider: "aws" }), env);
    expect(results).toEqual([
      { id: "sky", title: "SkyPilot CLI", status: "pass", message: `skypilot ${version}` },
      {
        id: "cloud",
        title: "AWS credentials (sky check)",
        status: "pass",
        message: `SkyPilot ${version} can launch on AWS.`,
      },
    ]);
    expect(calls().map((c) => c.argv)).toEqual([
      ["--version"],
      json ? ["check", "-o", "json", "aws"] : ["check", "aws"],
    ]);
  });

  it("fails for a disabled cloud with SkyPilot's reason and a setup hint", async () => {
    const { env, calls } = fakeEnv(version);
    const results = await check(clusterOf({ provider: "azure" }), env);
    expect(byId(results, "cloud")).toEqual({
      id: "cloud",
      title: "Azure credentials (sky check)",
      status: "fail",
      code: "RHX_CLOUD_DISABLED",
      message:
        "SkyPilot cannot launch on Azure: Azure credentials are not set. Run `sky check azure` after following the setup docs.",
      hint: expect.stringMatching(/^Give SkyPilot Azure credentials with `az login`.*`sky check azure`/),
    });
    // JSON lists only enabled clouds: the reason costs one text call, on failure only.
    expect(calls().map((c) => c.argv.join(" "))).toEqual(
      json ? ["--version", "check -o json azure", "check azure"] : ["--version", "check azure"],
    );
  });

  it("fails for Kubernetes without a context", async () => {
    const { env } = fakeEnv(version, { FAKE_SKY_ENABLED_CLOUDS: "AWS" });
    const results = await check(clusterOf({ provider: "kubernetes" }), env);
    expect(byId(results, "cloud")).toMatchObject({
      status: "fail",
      code: "RHX_CLOUD_DISABLED",
      message: expect.stringContaining("SkyPilot cannot launch on Kubernetes: No Kubernetes contexts found."),
      hint: expect.stringContaining("kubeconfig"),
    });
  });

  it("`cheapest` needs at least one enabled cloud", async () => {
    const some = fakeEnv(version);
    expect(byId(await check(clusterOf({ provider: "cheapest" }), some.env), "cloud")).toEqual({
      id: "cloud",
      title: "a cloud to launch on (sky check)",
      status: "pass",
      message: `SkyPilot ${version} can launch on AWS, GCP, Kubernetes; the cheapest offer is picked at launch.`,
    });
    expect(some.calls().at(-1)?.argv).toEqual(json ? ["check", "-o", "json"] : ["check"]);

    const none = fakeEnv(version, { FAKE_SKY_ENABLED_CLOUDS: "" });
    expect(byId(await check(clusterOf({ provider: "cheapest" }), none.env), "cloud")).toMatchObject({
      status: "fail",
      code: "RHX_CLOUD_NONE_ENABLED",
      message: "No cloud is enabled in SkyPilot, so `provider: cheapest` has nothing to choose from.",
    });
  });

  it("says when the SkyPilot API server cannot be reached", async () => {
    const { env } = fakeEnv(version, { FAKE_SKY_OUTCOME: "api-down" });
    expect(byId(await check(clusterOf({ provider: "gcp" }), env), "cloud")).toMatchObject({
      status: "fail",
      code: "RHX_SKY_API_UNREACHABLE",
    });
  });

  it("never hands the registry password to sky", async () => {
    const { env, calls } = fakeEnv(version, {
      SKYPILOT_DOCKER_USERNAME: "me",
      SKYPILOT_DOCKER_PASSWORD: PASSWORD,
      SKYPILOT_DOCKER_SERVER: "docker.io",
    });
    await check(clusterOf({ provider: "aws" }), env);
    for (const call of calls()) {
      expect(call.env).not.toHaveProperty("SKYPILOT_DOCKER_PASSWORD");
      expect(call.env).toHaveProperty("SKYPILOT_DOCKER_USERNAME");
    }
  });
});

describe("sky itself", { timeout: 120_000 }, () => {
  it("missing from PATH: fails once, with the install command for the provider", async () => {
    const results = await check(clusterOf({ provider: "gcp" }), { PATH: temp.dir });
    expect(results).toEqual([
      {
        id: "sky",
        title: "SkyPilot CLI",
        status: "fail",
        code: "RHX_SKY_NOT_FOUND",
        message: "`sky` (the SkyPilot CLI) was not found on PATH; cloud providers are launched through it.",
        hint: expect.stringContaining('pip install "skypilot[gcp]"'),
      },
    ]);
  });

  it("runs `sky --version` once per run: pre-flight of every cluster and the driver's steps share it", async () => {
    const { env, calls } = fakeEnv("0.12.1");
    // One driver per run, as `rhx check` / `rhx apply` get from driverFor: one probe, words per cluster.
    const driver = skyDriver(env);
    const [aws, gcp] = await Promise.all([
      driver.preflight(clusterOf({ provider: "aws" }), preflightOptions),
      driver.preflight(clusterOf({ name: "other", provider: "gcp" }), preflightOptions),
    ]);
    expect(byId(aws, "cloud")?.status).toBe("pass");
    expect(byId(gcp, "cloud")?.status).toBe("pass");
    // After pre-flight, the run's steps ask `sky status` without probing again.
    expect(await driver.status({ name: "demo" }, preflightOptions)).toMatchObject({ state: "absent" });
    const argv = calls().map((c) => c.argv);
    expect(argv.filter((a) => a[0] === "--version")).toEqual([["--version"]]);
    expect(argv.some((a) => a[0] === "status")).toBe(true);
  });

  it("a missing `sky`: pre-flight reports it, and the driver's steps throw the same code", async () => {
    const driver = skyDriver({ PATH: temp.dir });
    const results = await driver.preflight(clusterOf({ provider: "aws" }), preflightOptions);
    expect(results.map((r) => r.code)).toEqual(["RHX_SKY_NOT_FOUND"]);
    const error = await driver.status({ name: "demo" }, preflightOptions).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "RHX_SKY_NOT_FOUND" });
  });

  it("too old to drive", async () => {
    const { env } = fakeEnv("0.5.1");
    expect(await check(clusterOf({ provider: "aws" }), env)).toEqual([
      expect.objectContaining({
        id: "sky",
        status: "fail",
        code: "RHX_SKY_TOO_OLD",
        message: "SkyPilot 0.5.1 is older than 0.6, the oldest rhx can drive.",
        hint: 'Upgrade it: pip install -U "skypilot[aws]"',
      }),
    ]);
  });

  const limits = (sky: string, overrides: Limits = {}): Limits => ({ sky, ...overrides });

  it("a broken install: `sky --version` crashes", async () => {
    const sky = temp.script("sky-broken", "echo \"ModuleNotFoundError: No module named 'sky'\" >&2\nexit 1");
    const results = await check(clusterOf({ provider: "aws" }), { RHX_STATE_DIR: temp.dir }, limits(sky));
    expect(results).toEqual([
      expect.objectContaining({
        code: "RHX_SKY_UNUSABLE",
        message: "`sky --version` exited with code 1: ModuleNotFoundError: No module named 'sky'.",
      }),
    ]);
  });

  it("something else called sky", async () => {
    const sky = temp.script("sky-other", "echo 'sky: the planetarium, version two'");
    const results = await check(clusterOf({ provider: "aws" }), { RHX_STATE_DIR: temp.dir }, limits(sky));
    expect(results).toEqual([
      expect.objectContaining({
        code: "RHX_SKY_UNUSABLE",
        message: "`sky --version` printed no SkyPilot version.",
      }),
    ]);
  });

  it("a hanging `sky --version` is cut off", async () => {
    const sky = temp.script("sky-hang", "exec sleep 30");
    const started = Date.now();
    const results = await check(
      clusterOf({ provider: "aws" }),
      { RHX_STATE_DIR: temp.dir },
      limits(sky, { probeTimeoutMs: 300 }),
    );
    expect(results).toEqual([
      expect.objectContaining({
        code: "RHX_SKY_TIMEOUT",
        message: "`sky --version` did not answer within 0.3 s.",
      }),
    ]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("a hanging `sky check` is cut off", async () => {
    const sky = temp.script(
      "sky-check-hang",
      `if [ "$1" = --version ]; then echo "skypilot, version 0.12.1"; exit 0; fi\n${OUTPUT_HELP}\nexec sleep 30`,
    );
    const results = await check(
      clusterOf({ provider: "aws" }),
      { RHX_STATE_DIR: temp.dir },
      limits(sky, { checkTimeoutMs: 300 }),
    );
    expect(byId(results, "cloud")).toMatchObject({
      code: "RHX_SKY_TIMEOUT",
      message: "`sky check -o json aws` did not answer within 0.3 s.",
    });
  });

  it("`sky check` failing or printing nonsense", async () => {
    const failing = temp.script(
      "sky-check-fails",
      'if [ "$1" = --version ]; then echo "skypilot, version 0.10.2"; exit 0; fi\necho "ValueError: Cloud \'aws\' is not allowed by the workspace." >&2\nexit 1',
    );
    expect(
      byId(
        await check(clusterOf({ provider: "aws" }), { RHX_STATE_DIR: temp.dir }, limits(failing)),
        "cloud",
      ),
    ).toMatchObject({
      code: "RHX_SKY_CHECK_FAILED",
      message: "`sky check aws` exited with code 1: ValueError: Cloud 'aws' is not allowed by the workspace.",
    });
    const nonsense = temp.script(
      "sky-check-nonsense",
      `if [ "$1" = --version ]; then echo "skypilot, version 0.12.1"; exit 0; fi\n${OUTPUT_HELP}\necho "hello"`,
    );
    expect(
      byId(
        await check(clusterOf({ provider: "aws" }), { RHX_STATE_DIR: temp.dir }, limits(nonsense)),
        "cloud",
      ),
    ).toMatchObject({
      code: "RHX_SKY_CHECK_FAILED",
      message: "`sky check -o json aws` printed nothing rhx could read as a list of enabled clouds.",
    });
  });

  it("warns when the version predates the empty-password ECR login", async () => {
    const docker = { username: "AWS", password: "", server: ECR };
    const cluster = clusterOf({ provider: "aws", image_id: `docker:${ECR}/app:1` }, docker);
    const old = await check(cluster, fakeEnv("0.9.3").env);
    expect(byId(old, "sky-instance-role")).toMatchObject({
      status: "warn",
      code: "RHX_SKY_INSTANCE_ROLE_UNSUPPORTED",
    });
    const recent = await check(cluster, fakeEnv("0.12.1").env);
    expect(byId(recent, "sky-instance-role")).toBeUndefined();
  });
});
