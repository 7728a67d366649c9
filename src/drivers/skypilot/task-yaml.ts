/**
 * The SkyPilot task rhx sends for a cluster (docs/skypilot.md), and the `sky` flags that go with
 * it. Pure: the driver writes the YAML to a private temp file and runs `sky`.
 *
 * Values rule (README, "Security"): the YAML names every variable but holds no value that could be a secret.
 * Each name is declared with a null value and passed as `--env NAME` / `--secret NAME` (no `=`), which
 * makes `sky` read the value from its own environment — the only place the value travels. The one
 * exception is a variable the `sky` client reads itself (PATH, HOME, AWS_*, …, see CLIENT_VARIABLES):
 * its value cannot go in the client's environment without changing how `sky` runs, so it is written
 * in the (private, short-lived) task file instead.
 */
import { stringify } from "yaml";
import type { ClusterSpec } from "../../config/cluster.ts";
import { DOCKER_ENV, DOCKER_ENV_NAMES } from "../../config/credentials.ts";
import { looksSecret } from "../../config/env.ts";
import { ExitCode } from "../../errors/exit-codes.ts";
import { RhxError } from "../../errors/rhx-error.ts";
import type { SkyFeatures } from "./version.ts";

/** A task document plus what the `sky` command line and environment need to go with it. */
export interface SkyTask {
  /** The task as written to the file. */
  task: Record<string, unknown>;
  /** Flags naming the variables (`--env K`, `--secret K`) and, for launch, lifecycle flags. */
  flags: string[];
  /** The variables' values: only ever in the `sky` child's environment. */
  env: Record<string, string>;
}

/**
 * Variables the `sky` client itself reads (its interpreter, its home and config, the cloud credentials
 * of an in-process launch or of a local API server it auto-starts, proxies to reach the server).
 */
const CLIENT_VARIABLES =
  /^(PATH|HOME|USER|LOGNAME|SHELL|PWD|OLDPWD|TMPDIR|TEMP|TMP|LANG|LANGUAGE|LC_\w+|TZ|TERM|PYTHON\w*|VIRTUAL_ENV|CONDA_\w+|LD_\w+|DYLD_\w+|SSL_CERT_\w+|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy|SKYPILOT_\w+|SKY_\w+|KUBECONFIG|AWS_\w+|GOOGLE_\w+|CLOUDSDK_\w+|AZURE_\w+)$/;

export function isClientVariable(name: string): boolean {
  return CLIENT_VARIABLES.test(name);
}

/** Runhouse's `instance_type` forms (Runhouse's `on_demand_cluster.py`) as SkyPilot resources. */
export function instanceResources(instanceType: string | undefined): Record<string, string> {
  if (instanceType === undefined || instanceType === "") return {};
  // Kubernetes "1CPU--1GB": passed as an instance type, as Runhouse does.
  if (instanceType.includes("--")) return { instance_type: instanceType };
  const colon = instanceType.lastIndexOf(":");
  const cpu = /CPU/i.test(instanceType);
  if (colon === -1) return { instance_type: instanceType }; // "m5.xlarge"
  if (!cpu) return { accelerators: instanceType }; // "A10G:1"
  return { cpus: instanceType.slice(colon + 1) }; // "CPU:2+" → "2+"
}

/** `aws/us-east-1/us-east-1a` (≥0.10 `infra`), with `*` for a cloud SkyPilot may choose. */
export function infraString(spec: Pick<ClusterSpec, "provider" | "region" | "zone">): string | undefined {
  const cloud = spec.provider === "cheapest" ? "*" : spec.provider;
  const parts = [cloud, spec.region, spec.zone];
  while (parts.length > 1 && parts.at(-1) === undefined) parts.pop();
  if (parts.length === 1 && cloud === "*") return undefined;
  return parts.map((p) => p ?? "*").join("/");
}

function locationResources(spec: ClusterSpec, features: SkyFeatures): Record<string, unknown> {
  if (features.infraFlag) {
    const infra = infraString(spec);
    return infra === undefined ? {} : { infra };
  }
  const location: Record<string, unknown> = {};
  if (spec.provider !== "cheapest") location.cloud = spec.provider;
  if (spec.region !== undefined) location.region = spec.region;
  if (spec.zone !== undefined) location.zone = spec.zone;
  return location;
}

/** `8080` → 8080; ranges (`10000-10010`) and sizes with units stay strings. */
function numeric(value: string): number | string {
  return /^\d+$/.test(value) ? Number(value) : value;
}

export function resourcesFor(spec: ClusterSpec, features: SkyFeatures): Record<string, unknown> {
  const resources: Record<string, unknown> = {
    ...locationResources(spec, features),
    ...instanceResources(spec.instance_type),
  };
  if (spec.memory !== undefined) resources.memory = spec.memory;
  resources.use_spot = spec.use_spot;
  if (spec.disk_size !== undefined) resources.disk_size = numeric(spec.disk_size);
  if (spec.open_ports.length > 0) resources.ports = spec.open_ports.map(numeric);
  resources.image_id = spec.image_id;
  // Runhouse launches with down=True: an idle cluster is torn down, not stopped.
  if (features.infraFlag && spec.autostop_mins >= 0)
    resources.autostop = { idle_minutes: spec.autostop_mins, down: true };
  // Runhouse's sky_kwargs["resources"]: the user's keys win.
  return { ...resources, ...spec.sky.resources };
}

interface Variables {
  envs: Record<string, string | null>;
  secrets: Record<string, null>;
  flags: string[];
  env: Record<string, string>;
}

/**
 * The config's `env` (and for a launch, the docker login trio) as task variables. ≥0.10: names that
 * look secret go in `secrets` (SkyPilot redacts them in logs and request records) with `--secret`.
 */
function variables(
  spec: Pick<ClusterSpec, "env" | "docker">,
  features: SkyFeatures,
  withDocker: boolean,
): Variables {
  // Null-prototype maps: `__proto__` is a valid variable name, and `{}` would swallow it as a setter.
  const vars: Variables = {
    envs: Object.create(null),
    secrets: Object.create(null),
    flags: [],
    env: Object.create(null),
  };
  const reserved = Object.keys(spec.env).filter((name) =>
    (DOCKER_ENV_NAMES as readonly string[]).includes(name),
  );
  if (reserved.length > 0) {
    throw new RhxError({
      code: "RHX_SKY_ENV_RESERVED",
      message: `env sets ${reserved.join(", ")}, which SkyPilot reads as docker login variables.`,
      hint: "Put registry credentials in the `docker:` block (or SKYPILOT_DOCKER_* in the environment), not in `env`.",
      exitCode: ExitCode.StepFailed,
    });
  }
  const add = (name: string, value: string, secret: boolean) => {
    if (secret && features.secretFlag) {
      vars.secrets[name] = null;
      vars.flags.push("--secret", name);
    } else {
      vars.envs[name] = null;
      vars.flags.push("--env", name);
    }
    vars.env[name] = value;
  };
  for (const [name, value] of Object.entries(spec.env)) {
    if (isClientVariable(name)) vars.envs[name] = value;
    else add(name, value, looksSecret(name));
  }
  if (withDocker && spec.docker) {
    // All three together, in one place (SkyPilot refuses them split across envs and secrets). An empty
    // password is passed as it is: SkyPilot then logs in with the instance's role (ECR/GAR).
    add(DOCKER_ENV.username, spec.docker.username, true);
    add(DOCKER_ENV.password, spec.docker.password, true);
    add(DOCKER_ENV.server, spec.docker.server, true);
  }
  return vars;
}

function withVariables(task: Record<string, unknown>, vars: Variables): Record<string, unknown> {
  if (Object.keys(vars.envs).length > 0) task.envs = vars.envs;
  if (Object.keys(vars.secrets).length > 0) task.secrets = vars.secrets;
  return task;
}

/** Options rhx itself decides; a passthrough may not change them. */
const RESERVED_LAUNCH_OPTIONS = new Set([
  "cluster",
  "cluster_name",
  "yes",
  "detach_setup",
  "detach_run",
  "dryrun",
  "env",
  "env_file",
  "secret",
  "secret_file",
  "async",
  "async_call",
  "stream_logs",
  "backend",
  "entrypoint",
]);

/** `sky: {launch: {retry_until_up: true}}` → `--retry-until-up` (Runhouse's sky_kwargs["launch"]). */
export function launchPassthroughFlags(launch: Record<string, unknown>): string[] {
  const flags: string[] = [];
  for (const [key, value] of Object.entries(launch)) {
    const snake = key.replace(/^-+/, "").replace(/-/g, "_");
    if (RESERVED_LAUNCH_OPTIONS.has(snake)) {
      throw new RhxError({
        code: "RHX_SKY_LAUNCH_OPTION",
        message: `sky.launch.${key} cannot be passed through: rhx sets it itself.`,
        hint: "Remove it from `sky.launch`.",
        exitCode: ExitCode.StepFailed,
      });
    }
    const flag = `--${snake.replace(/_/g, "-")}`;
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      if (item === true) flags.push(flag);
      else if (item === false || item === null || item === undefined) continue;
      else if (typeof item === "object") flags.push(flag, JSON.stringify(item));
      else flags.push(flag, String(item));
    }
  }
  return flags;
}

/** The launch task: resources, nodes, the config's env, the docker login names. No setup, no run. */
export function launchTask(spec: ClusterSpec, features: SkyFeatures): SkyTask {
  const vars = variables(spec, features, true);
  const task = withVariables({ num_nodes: spec.num_nodes, resources: resourcesFor(spec, features) }, vars);
  const flags = [...vars.flags];
  // Before `resources.autostop` (≈0.10), autostop is a launch flag; `--down` as Runhouse's down=True.
  if (!features.infraFlag && spec.autostop_mins >= 0) flags.push("-i", String(spec.autostop_mins), "--down");
  flags.push(...launchPassthroughFlags(spec.sky.launch));
  return { task, flags, env: vars.env };
}

/** A job on the cluster: `run` is the command, the config's env by name. */
export function execTask(
  spec: Pick<ClusterSpec, "env" | "docker">,
  command: string,
  features: SkyFeatures,
  options: { name: string; numNodes: number },
): SkyTask {
  const vars = variables(spec, features, false);
  const task = withVariables({ name: options.name, num_nodes: options.numNodes }, vars);
  task.run = command;
  return { task, flags: vars.flags, env: vars.env };
}

export function taskYaml(task: Record<string, unknown>, comment: string): string {
  const header = comment
    .split("\n")
    .map((line) => `# ${line}`.trimEnd())
    .join("\n");
  return `${header}\n${stringify(task, { lineWidth: 0 })}`;
}
