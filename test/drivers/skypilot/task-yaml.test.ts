// The task YAML and `sky launch` flags rhx generates: Runhouse's instance_type forms, infra per
// version, variables by name only, and a golden file per example × SkyPilot era, each accepted by the
// fake `sky` (`launch --dryrun` validates the task as SkyPilot does).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type ClusterSpec, normalizeCluster } from "../../../src/config/cluster.ts";
import { loadClusters } from "../../../src/config/load.ts";
import type { ClusterFile } from "../../../src/config/schema.ts";
import { launchCommand } from "../../../src/drivers/skypilot/launch.ts";
import { withTaskFile } from "../../../src/drivers/skypilot/task-file.ts";
import {
  execTask,
  infraString,
  instanceResources,
  launchPassthroughFlags,
  launchTask,
} from "../../../src/drivers/skypilot/task-yaml.ts";
import { parseSkyVersion, skyFeatures } from "../../../src/drivers/skypilot/version.ts";
import { Redactor } from "../../../src/secrets/redactor.ts";
import { ROOT } from "../../helpers/run-cli.ts";

const info = (raw: string) => {
  const version = parseSkyVersion(`skypilot, version ${raw}`)!;
  return { version, features: skyFeatures(version) };
};
const OLD = info("0.9.3");
const NEW = info("0.12.1");

const spec = (file: Partial<ClusterFile>, docker?: ClusterSpec["docker"]) =>
  normalizeCluster(
    { name: "demo", provider: "aws", image_id: "docker:team/app:1", ...file } as ClusterFile,
    docker,
  );

const CREDS = {
  username: "AWS",
  password: "Not-A-Real-Password-77",
  server: "registry.example.com",
  source: "environment" as const,
};

describe("Runhouse's instance_type forms", () => {
  it.each([
    ["CPU:2+", { cpus: "2+" }],
    ["CPU:8", { cpus: "8" }],
    ["A10G:1", { accelerators: "A10G:1" }],
    ["V100:4", { accelerators: "V100:4" }],
    ["m5.xlarge", { instance_type: "m5.xlarge" }],
    ["1CPU--1GB", { instance_type: "1CPU--1GB" }],
  ])("%s → %o", (value, expected) => {
    expect(instanceResources(value)).toEqual(expected);
  });

  it("no instance_type: SkyPilot chooses", () => {
    expect(instanceResources(undefined)).toEqual({});
  });
});

describe("infra (≥0.10) and cloud/region/zone (older)", () => {
  it.each([
    [{ provider: "aws" }, "aws"],
    [{ provider: "aws", region: "us-east-1" }, "aws/us-east-1"],
    [{ provider: "aws", region: "us-east-1", zone: "us-east-1a" }, "aws/us-east-1/us-east-1a"],
    [{ provider: "cheapest" }, undefined],
    [{ provider: "cheapest", region: "us-east-1" }, "*/us-east-1"],
    [{ provider: "kubernetes", region: "my-ctx" }, "kubernetes/my-ctx"],
  ] as const)("%o → %s", (where, expected) => {
    expect(infraString(where as Parameters<typeof infraString>[0])).toBe(expected);
  });

  it("≥0.10 writes infra, older writes cloud/region/zone", () => {
    const s = spec({ region: "us-east-1", zone: "us-east-1a" });
    expect(launchTask(s, NEW.features).task.resources).toMatchObject({ infra: "aws/us-east-1/us-east-1a" });
    const old = launchTask(s, OLD.features).task.resources as Record<string, unknown>;
    expect(old).toMatchObject({ cloud: "aws", region: "us-east-1", zone: "us-east-1a" });
    expect(old).not.toHaveProperty("infra");
  });
});

describe("launch task", () => {
  it("resources from the file, the passthrough last", () => {
    const s = spec({
      instance_type: "A10G:1",
      memory: "32+",
      use_spot: true,
      disk_size: 200,
      open_ports: [8080, "10000-10010"],
      num_nodes: 2,
      sky: { resources: { disk_tier: "high", use_spot: false }, launch: {} },
    });
    const { task } = launchTask(s, NEW.features);
    expect(task).toEqual({
      num_nodes: 2,
      resources: {
        infra: "aws",
        accelerators: "A10G:1",
        memory: "32+",
        use_spot: false,
        disk_size: 200,
        ports: [8080, "10000-10010"],
        image_id: "docker:team/app:1",
        autostop: { idle_minutes: 60, down: true },
        disk_tier: "high",
      },
    });
  });

  it("autostop: resources.autostop on ≥0.10, `-i N --down` before, nothing for -1", () => {
    expect(launchTask(spec({ autostop_mins: 30 }), OLD.features).flags).toEqual(["-i", "30", "--down"]);
    expect(launchTask(spec({ autostop_mins: 30 }), NEW.features).flags).toEqual([]);
    expect(launchTask(spec({ autostop_mins: -1 }), OLD.features).flags).toEqual([]);
    expect(launchTask(spec({ autostop_mins: -1 }), NEW.features).task.resources).not.toHaveProperty(
      "autostop",
    );
  });

  it("docker credentials: names in `secrets` + --secret (≥0.10), `envs` + --env before; values only in env", () => {
    const s = spec({}, CREDS);
    const fresh = launchTask(s, NEW.features);
    expect(fresh.task.secrets).toEqual({
      SKYPILOT_DOCKER_USERNAME: null,
      SKYPILOT_DOCKER_PASSWORD: null,
      SKYPILOT_DOCKER_SERVER: null,
    });
    expect(fresh.task).not.toHaveProperty("envs");
    expect(fresh.flags).toEqual([
      "--secret",
      "SKYPILOT_DOCKER_USERNAME",
      "--secret",
      "SKYPILOT_DOCKER_PASSWORD",
      "--secret",
      "SKYPILOT_DOCKER_SERVER",
    ]);
    expect(fresh.env).toEqual({
      SKYPILOT_DOCKER_USERNAME: "AWS",
      SKYPILOT_DOCKER_PASSWORD: CREDS.password,
      SKYPILOT_DOCKER_SERVER: "registry.example.com",
    });
    const old = launchTask(s, OLD.features);
    expect(old.task.envs).toEqual(fresh.task.secrets);
    expect(old.flags.filter((f) => f.startsWith("--"))).toEqual(["--env", "--env", "--env", "--down"]);
    for (const built of [fresh, old]) expect(JSON.stringify(built.task)).not.toContain(CREDS.password);
  });

  it("an empty password (ECR/GAR instance role) is passed deliberately, as an empty value", () => {
    const built = launchTask(spec({}, { ...CREDS, password: "" }), NEW.features);
    expect(built.env.SKYPILOT_DOCKER_PASSWORD).toBe("");
    expect(built.flags).toContain("SKYPILOT_DOCKER_PASSWORD");
  });

  it("the config's env: by name; secret-looking names as secrets on ≥0.10", () => {
    const s = spec({ env: { HF_HOME: "/data/hf", HF_TOKEN: "hf_tok_value_123", PATH: "/opt/bin:/usr/bin" } });
    const built = launchTask(s, NEW.features);
    expect(built.task.envs).toEqual({ HF_HOME: null, PATH: "/opt/bin:/usr/bin" });
    expect(built.task.secrets).toEqual({ HF_TOKEN: null });
    expect(built.flags).toEqual(["--env", "HF_HOME", "--secret", "HF_TOKEN"]);
    expect(built.env).toEqual({ HF_HOME: "/data/hf", HF_TOKEN: "hf_tok_value_123" });
    expect(launchTask(s, OLD.features).task.envs).toEqual({
      HF_HOME: null,
      HF_TOKEN: null,
      PATH: "/opt/bin:/usr/bin",
    });
  });

  it("env names that are Object.prototype members stay variables (`__proto__`, `constructor`)", () => {
    const env = JSON.parse('{"__proto__": "p-value", "constructor": "c-value"}') as Record<string, string>;
    const built = launchTask(spec({ env }), NEW.features);
    expect(Object.keys(built.task.envs ?? {})).toEqual(["__proto__", "constructor"]);
    expect(Object.keys(built.env)).toEqual(["__proto__", "constructor"]);
    expect(built.flags).toEqual(["--env", "__proto__", "--env", "constructor"]);
  });

  it("refuses docker login variables in env", () => {
    expect(() => launchTask(spec({ env: { SKYPILOT_DOCKER_PASSWORD: "x" } }), NEW.features)).toThrow(
      /docker login variables/,
    );
  });
});

describe("sky.launch passthrough", () => {
  it("keys become flags", () => {
    expect(
      launchPassthroughFlags({
        retry_until_up: true,
        no_setup: false,
        "wait-for": "jobs",
        config: ["a=1", "b=2"],
        idle_minutes_to_autostop: 5,
      }),
    ).toEqual([
      "--retry-until-up",
      "--wait-for",
      "jobs",
      "--config",
      "a=1",
      "--config",
      "b=2",
      "--idle-minutes-to-autostop",
      "5",
    ]);
  });

  it.each(["cluster", "yes", "detach_setup", "env", "secret", "dryrun", "async"])("refuses %s", (key) => {
    expect(() => launchPassthroughFlags({ [key]: true })).toThrow(/rhx sets it itself/);
  });
});

describe("exec task", () => {
  it("run is the command; env by name", () => {
    const built = execTask({ env: { HF_HOME: "/x" }, docker: CREDS }, "pip install x", NEW.features, {
      name: "rhx-exec",
      numNodes: 2,
    });
    expect(built.task).toEqual({
      name: "rhx-exec",
      num_nodes: 2,
      envs: { HF_HOME: null },
      run: "pip install x",
    });
    expect(built.flags).toEqual(["--env", "HF_HOME"]);
  });
});

describe("task file", () => {
  it("is private while sky reads it and gone afterwards", async () => {
    let seen = "";
    await withTaskFile("demo", "num_nodes: 1\n", async (path) => {
      seen = path;
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    });
    expect(() => statSync(seen)).toThrow();
    await expect(
      withTaskFile("demo", "x: 1\n", async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
  });
});

// --- Golden files: every cloud example × both SkyPilot eras ---------------------------------------

/** What CI has when the registry credentials are configured (fake values, never contacted). */
const EXAMPLE_ENV = {
  SKYPILOT_DOCKER_USERNAME: "AWS",
  SKYPILOT_DOCKER_PASSWORD: "not-a-real-password",
  SKYPILOT_DOCKER_SERVER: "763104351884.dkr.ecr.us-east-1.amazonaws.com",
};

// examples/local/cluster.yaml is `provider: local`: the SkyPilot driver never sees it.
const EXAMPLES = readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".yaml"));
const GOLDEN = join(ROOT, "test", "fixtures", "skypilot-golden");

async function exampleSpec(file: string): Promise<ClusterSpec> {
  const path = join(ROOT, "examples", file);
  // Credentials only for the examples that use them: the others are public images.
  const private_ = readFileSync(path, "utf8").includes("SKYPILOT_DOCKER");
  const result = await loadClusters({
    redactor: new Redactor(),
    files: [path],
    processEnv: private_ ? { ...EXAMPLE_ENV } : {},
    unsetVariables: "error",
  });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const cluster = result.clusters[0];
  if (!cluster) throw new Error(`no cluster in ${file}`);
  return cluster.spec;
}

function golden(s: ClusterSpec, era: ReturnType<typeof info>): { text: string; env: Record<string, string> } {
  const { args, yaml, env } = launchCommand(s, era, "<task.yaml>");
  return { text: `# sky ${args.join(" ")}\n${yaml}`, env };
}

describe.each(EXAMPLES)("examples/%s", (file) => {
  it.each([OLD, NEW])("golden task for SkyPilot $version.raw", async (era) => {
    const s = await exampleSpec(file);
    expect(s.provider).not.toBe("local");
    const { text } = golden(s, era);
    await expect(text).toMatchFileSnapshot(
      join(GOLDEN, `${file.replace(/\.yaml$/, "")}@${era.version.raw}.yaml`),
    );
    expect(text).not.toContain(EXAMPLE_ENV.SKYPILOT_DOCKER_PASSWORD);
    // The YAML part parses, and every variable in it is a name without a value.
    const task = parse(text) as Record<string, Record<string, unknown> | undefined>;
    for (const values of [task.envs, task.secrets])
      for (const [name, value] of Object.entries(values ?? {}))
        expect(value === null || /^(PATH|HOME)$/.test(name)).toBe(true);
  });
});

const SKY = fileURLToPath(new URL("../../fixtures/bin/sky", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "rhx-sky-golden-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// The fake validates a task as SkyPilot's schema does (unknown keys, null variables, the docker trio).
describe.each(EXAMPLES)("the fake sky accepts examples/%s", { timeout: 120_000 }, (file) => {
  it.each([OLD, NEW])("SkyPilot $version.raw: launch --dryrun exits 0", async (era) => {
    const s = await exampleSpec(file);
    const { env } = launchCommand(s, era, "");
    await withTaskFile(s.name, launchCommand(s, era, "").yaml, async (path) => {
      const { args } = launchCommand(s, era, path);
      const result = await execa(SKY, [...args, "--dryrun"], {
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          FAKE_SKY_VERSION: era.version.raw,
          FAKE_SKY_STATE: join(scratch, `${file}-${era.version.raw}`),
          ...env,
        },
        extendEnv: false,
        reject: false,
      });
      expect(result.stderr).toBe("");
      expect(result.stdout).toContain("Dryrun finished.");
      expect(result.exitCode).toBe(0);
    });
  });
});
