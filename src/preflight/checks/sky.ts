/**
 * Pre-flight for cloud providers, through the `sky` CLI (skypilot-cli.md §0, §3): is SkyPilot installed
 * in a version rhx can drive, and can it launch on the chosen cloud? `sky --version` runs once per rhx
 * run (every cluster shares the answer); `sky check` runs per cluster, for its cloud only. Neither
 * mutates anything, and neither ever sees the registry password.
 */

import type { LoadedCluster } from "../../config/cluster.ts";
import { DOCKER_ENV } from "../../config/credentials.ts";
import type { Provider } from "../../config/schema.ts";
import { type RunResult, resolveProgram, run } from "../../drivers/exec.ts";
import { parseCheckJson, parseCheckText } from "../../drivers/skypilot/check-output.ts";
import { classifySkyFailure } from "../../drivers/skypilot/classify-failure.ts";
import { detectFeatures } from "../../drivers/skypilot/cli.ts";
import {
  parseSkyVersion,
  type SkyFeatures,
  type SkyVersion,
  skyVersionAtLeast,
} from "../../drivers/skypilot/version.ts";
import { isRhxError } from "../../errors/rhx-error.ts";
import { registryKind } from "../../image/host.ts";
import { defaultStateDir } from "../../state/paths.ts";
import type { Check, CheckResult, PreflightOptions } from "../types.ts";
import {
  cloudRepr,
  disabledReason,
  installCommand,
  installHint,
  isCloudProvider,
  setupHint,
} from "./sky-clouds.ts";

/** The oldest SkyPilot rhx drives: `sky check CLOUD` (PR #3229) and the docker login variables. */
export const MIN_SKY_VERSION = { major: 0, minor: 6 } as const;

export interface SkyCheckLimits {
  /** `sky --version` imports SkyPilot, a few seconds on a cold start. */
  versionTimeoutMs: number;
  /** `sky check` asks each cloud's API (and may start the local API server first). */
  checkTimeoutMs: number;
  program: string;
}

export const DEFAULT_SKY_LIMITS: SkyCheckLimits = {
  versionTimeoutMs: 20_000,
  checkTimeoutMs: 60_000,
  program: "sky",
};

type ProbeFailure =
  | { kind: "not-found" }
  | { kind: "timeout" }
  | { kind: "unusable"; exitCode: number; said: string | undefined }
  | { kind: "too-old"; version: SkyVersion };

type Probe = { ok: true; version: SkyVersion; features: SkyFeatures } | { ok: false; failure: ProbeFailure };

const TOOL = { id: "sky", title: "SkyPilot CLI" } as const;
const CLOUD_ID = "cloud";

/**
 * One probe per run: both `rhx check` and `rhx apply` pass the same environment object to every
 * cluster's pre-flight, so it keys the memo (and a new run, or a test, gets a fresh probe).
 */
const probes = new WeakMap<object, Map<string, Promise<Probe>>>();

function probeOnce(options: PreflightOptions, limits: SkyCheckLimits): Promise<Probe> {
  let byProgram = probes.get(options.env);
  if (!byProgram) {
    byProgram = new Map();
    probes.set(options.env, byProgram);
  }
  let probe = byProgram.get(limits.program);
  if (!probe) {
    probe = probeSky(options, limits);
    byProgram.set(limits.program, probe);
  }
  return probe;
}

/**
 * The environment `sky` runs in: the user's (PATH, cloud credentials, SKYPILOT_API_SERVER_ENDPOINT),
 * minus the registry password, which no check of SkyPilot needs.
 */
function skyEnv(options: PreflightOptions): Record<string, string | undefined> {
  return { ...options.env, [DOCKER_ENV.password]: undefined };
}

async function probeSky(options: PreflightOptions, limits: SkyCheckLimits): Promise<Probe> {
  let result: RunResult;
  try {
    result = await run(limits.program, ["--version"], {
      env: skyEnv(options),
      signal: options.signal,
      timeoutMs: limits.versionTimeoutMs,
      allowFailure: true,
    });
  } catch (error) {
    if (!isRhxError(error)) throw error;
    if (error.code === "RHX_COMMAND_NOT_FOUND") return { ok: false, failure: { kind: "not-found" } };
    if (error.code === "RHX_STEP_TIMEOUT") return { ok: false, failure: { kind: "timeout" } };
    throw error;
  }
  const version = result.exitCode === 0 ? parseSkyVersion(result.stdout) : undefined;
  if (!version) {
    const said = lastLine(result.stderr) ?? lastLine(result.stdout);
    return { ok: false, failure: { kind: "unusable", exitCode: result.exitCode, said } };
  }
  if (!skyVersionAtLeast(version, MIN_SKY_VERSION.major, MIN_SKY_VERSION.minor))
    return { ok: false, failure: { kind: "too-old", version } };
  // The same detection (and cache) as the driver: `sky check -o json` only where `check --help` lists it.
  const binary = resolveProgram(limits.program, options.env.PATH ?? "");
  const features = await detectFeatures(
    {
      binary,
      run: (args, runOptions) =>
        run(binary, args, { ...runOptions, env: skyEnv(options), allowFailure: true }),
    },
    version,
    options.signal,
    defaultStateDir(options.env),
    limits.versionTimeoutMs,
  );
  return { ok: true, version, features };
}

/** The probe's failure, worded for this cluster's provider (the install extra differs). */
function toolFailure(failure: ProbeFailure, provider: Provider, limits: SkyCheckLimits): CheckResult {
  const fail = (code: string, message: string, hint: string): CheckResult => ({
    ...TOOL,
    status: "fail",
    code,
    message,
    hint,
  });
  switch (failure.kind) {
    case "not-found":
      return fail(
        "RHX_SKY_NOT_FOUND",
        "`sky` (the SkyPilot CLI) was not found on PATH; cloud providers are launched through it.",
        installHint(provider),
      );
    case "timeout":
      return fail(
        "RHX_SKY_TIMEOUT",
        `\`sky --version\` did not answer within ${seconds(limits.versionTimeoutMs)}.`,
        "Run `sky --version` yourself: a broken Python environment can hang on import.",
      );
    case "unusable":
      return fail(
        "RHX_SKY_UNUSABLE",
        failure.exitCode === 0
          ? "`sky --version` printed no SkyPilot version."
          : `\`sky --version\` exited with code ${failure.exitCode}${saying(failure.said)}`,
        `Reinstall SkyPilot (${installCommand(provider)}) and check that \`sky --version\` prints "skypilot, version X.Y.Z".`,
      );
    case "too-old":
      return fail(
        "RHX_SKY_TOO_OLD",
        `SkyPilot ${failure.version.raw} is older than ${MIN_SKY_VERSION.major}.${MIN_SKY_VERSION.minor}, the oldest rhx can drive.`,
        `Upgrade it: ${upgradeCommand(provider)}`,
      );
  }
}

function upgradeCommand(provider: Provider): string {
  return installCommand(provider).replace("pip install", "pip install -U");
}

/**
 * The empty-password login on the VM: ECR through the instance role arrived in SkyPilot ≈0.11, Artifact
 * Registry through the service account in ≈0.10 (skypilot-cli.md §0, §2). An older SkyPilot would run
 * `docker login` with an empty password on a billed VM.
 */
function instanceRoleSupport(cluster: LoadedCluster, version: SkyVersion): CheckResult | undefined {
  const docker = cluster.spec.docker;
  if (docker?.password !== "") return undefined;
  const kind = registryKind(docker.server).kind;
  const needs =
    kind === "ecr"
      ? { minor: 11, what: "ECR" }
      : kind === "gar"
        ? { minor: 10, what: "Artifact Registry" }
        : undefined;
  if (!needs || skyVersionAtLeast(version, 0, needs.minor)) return undefined;
  return {
    id: "sky-instance-role",
    title: "SkyPilot instance-role login",
    status: "warn",
    code: "RHX_SKY_INSTANCE_ROLE_UNSUPPORTED",
    message: `SkyPilot ${version.raw} may predate the empty-password ${needs.what} login (added around 0.${needs.minor}); it would try \`docker login\` with an empty password on the cluster.`,
    hint: `Upgrade SkyPilot (${upgradeCommand(cluster.spec.provider)}), or set SKYPILOT_DOCKER_PASSWORD.`,
  };
}

/** `sky check [-o json] [CLOUD]`: enabled clouds with compute, and why the wanted one is not. */
async function checkCloud(
  cluster: LoadedCluster,
  options: PreflightOptions,
  limits: SkyCheckLimits,
  probe: Extract<Probe, { ok: true }>,
): Promise<CheckResult> {
  const provider = cluster.spec.provider;
  const cloud = isCloudProvider(provider) ? provider : undefined;
  const title = cloud ? `${cloudRepr(provider)} credentials (sky check)` : "a cloud to launch on (sky check)";
  const base = { id: CLOUD_ID, title };
  const json = probe.features.checkJson;
  const args = ["check", ...(json ? ["-o", "json"] : []), ...(cloud ? [cloud] : [])];
  const shown = `sky ${args.join(" ")}`;

  let result: RunResult;
  try {
    result = await skyCheck(args, options, limits);
  } catch (error) {
    if (!isRhxError(error) || error.code !== "RHX_STEP_TIMEOUT") throw error;
    return {
      ...base,
      status: "fail",
      code: "RHX_SKY_TIMEOUT",
      message: `\`${shown}\` did not answer within ${seconds(limits.checkTimeoutMs)}.`,
      hint: `SkyPilot's API server may be starting, or a cloud's API may be slow: run \`${shown}\` yourself to see where it hangs.`,
    };
  }
  if (result.exitCode !== 0) return skyCheckFailed(base, shown, result);

  let enabled: string[];
  try {
    enabled = json
      ? parseCheckJson(result.stdout, { capability: "compute" })
      : parseCheckText(result.stdout, { capability: "compute" });
  } catch {
    return {
      ...base,
      status: "fail",
      code: "RHX_SKY_CHECK_FAILED",
      message: `\`${shown}\` printed nothing rhx could read as a list of enabled clouds.`,
      hint: `Run \`${shown}\` yourself; if its output looks normal, this SkyPilot version (${probe.version.raw}) may print a format rhx does not know yet.`,
    };
  }

  if (!cloud) {
    if (enabled.length > 0)
      return {
        ...base,
        status: "pass",
        message: `SkyPilot ${probe.version.raw} can launch on ${enabled.map(cloudRepr).join(", ")}; the cheapest offer is picked at launch.`,
      };
    return {
      ...base,
      status: "fail",
      code: "RHX_CLOUD_NONE_ENABLED",
      message: "No cloud is enabled in SkyPilot, so `provider: cheapest` has nothing to choose from.",
      hint: `Set up credentials for at least one cloud (\`sky check\` prints what each one lacks), or name one in \`provider\`; see the SkyPilot install docs.`,
    };
  }

  if (enabled.includes(cloud))
    return {
      ...base,
      status: "pass",
      message: `SkyPilot ${probe.version.raw} can launch on ${cloudRepr(cloud)}.`,
    };
  // JSON lists only the enabled clouds; the reason is in the text output (one more call, on failure only).
  const text = json ? await reasonText(cloud, options, limits) : result.stdout;
  const reason = text === undefined ? undefined : disabledReason(text, cloud);
  const [first, ...rest] = (reason ?? "").split("\n");
  return {
    ...base,
    status: "fail",
    code: "RHX_CLOUD_DISABLED",
    message: `SkyPilot cannot launch on ${cloudRepr(cloud)}${first ? `: ${first}` : ": `sky check` reports it disabled."}`,
    hint: [...rest, setupHint(cloud)].join("\n"),
  };
}

async function skyCheck(
  args: string[],
  options: PreflightOptions,
  limits: SkyCheckLimits,
): Promise<RunResult> {
  return run(limits.program, args, {
    env: skyEnv(options),
    signal: options.signal,
    timeoutMs: limits.checkTimeoutMs,
    allowFailure: true,
  });
}

async function reasonText(
  cloud: string,
  options: PreflightOptions,
  limits: SkyCheckLimits,
): Promise<string | undefined> {
  try {
    const result = await skyCheck(["check", cloud], options, limits);
    return result.stdout;
  } catch (error) {
    if (isRhxError(error) && error.code === "RHX_STEP_TIMEOUT") return undefined;
    throw error;
  }
}

function skyCheckFailed(base: { id: string; title: string }, shown: string, result: RunResult): CheckResult {
  const classified = classifySkyFailure({
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
  });
  if (classified?.code === "RHX_SKY_API_UNREACHABLE")
    return {
      ...base,
      status: "fail",
      code: classified.code,
      message: classified.message,
      hint: classified.hint,
    };
  const said = classified?.detail ?? lastLine(result.stderr) ?? lastLine(result.stdout);
  return {
    ...base,
    status: "fail",
    code: "RHX_SKY_CHECK_FAILED",
    message: `\`${shown}\` exited with code ${result.exitCode}${saying(said)}`,
    hint: `Run \`${shown}\` yourself and fix what it reports.`,
  };
}

/** `: <what sky said>.` without doubling its own final period. */
function saying(said: string | undefined): string {
  if (!said) return ".";
  return /[.!?]$/.test(said) ? `: ${said}` : `: ${said}.`;
}

function lastLine(text: string): string | undefined {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1);
}

function seconds(ms: number): string {
  return `${Number.isInteger(ms / 1000) ? ms / 1000 : (ms / 1000).toFixed(1)} s`;
}

/** The SkyPilot checks of one cluster, with explicit limits (tests shorten them). */
export async function checkSky(
  cluster: LoadedCluster,
  options: PreflightOptions,
  limits: SkyCheckLimits = DEFAULT_SKY_LIMITS,
): Promise<CheckResult[]> {
  const probe = await probeOnce(options, limits);
  // Without a usable `sky`, a cloud check cannot run: the one failure (with the install hint) says it all.
  if (!probe.ok) return [toolFailure(probe.failure, cluster.spec.provider, limits)];
  const results: CheckResult[] = [
    { ...TOOL, status: "pass", message: `skypilot ${probe.version.raw}` },
    await checkCloud(cluster, options, limits, probe),
  ];
  const role = instanceRoleSupport(cluster, probe.version);
  if (role) results.push(role);
  return results;
}

const skyPreflight: Check = (cluster, options) => checkSky(cluster, options);

export const skyChecks: readonly Check[] = [skyPreflight];
