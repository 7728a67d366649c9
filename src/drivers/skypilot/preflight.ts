/**
 * The SkyPilot driver's pre-flight (docs/checks.md): is SkyPilot installed in a version rhx can drive
 * (docs/skypilot.md, "Versions"), and can it launch on the chosen cloud? The `sky --version` probe is
 * the driver's own, made once per run and shared with its steps; `sky check` runs per cluster, for
 * its cloud only. Neither mutates anything, and neither ever sees the registry password.
 */

import type { LoadedCluster } from "../../config/cluster.ts";
import type { Provider } from "../../config/schema.ts";
import type { ErrorCode } from "../../errors/codes.ts";
import { isRhxError } from "../../errors/rhx-error.ts";
import { registryKind } from "../../image/host.ts";
import type { CheckResult } from "../../preflight/types.ts";
import type { RunResult } from "../exec.ts";
import { parseCheckJson, parseCheckText } from "./check-output.ts";
import { classifySkyFailure } from "./classify-failure.ts";
import type { SkyCli } from "./cli.ts";
import {
  cloudRepr,
  disabledReason,
  installCommand,
  installHint,
  isCloudProvider,
  setupHint,
} from "./clouds.ts";
import { type ProbeFailure, type SkyInfo, WITHOUT_PASSWORD } from "./probe.ts";
import { type SkyVersion, skyVersionAtLeast } from "./version.ts";

/** The oldest SkyPilot rhx drives: `sky check CLOUD` (PR #3229) and the docker login variables. */
export const MIN_SKY_VERSION = { major: 0, minor: 6 } as const;

/** `sky check` asks each cloud's API (and may start the local API server first). */
export const CHECK_TIMEOUT_MS = 60_000;

const TOOL = { id: "sky", title: "SkyPilot CLI" } as const;
const CLOUD_ID = "cloud";

interface CheckContext {
  cli: SkyCli;
  signal: AbortSignal;
  checkTimeoutMs: number;
}

/** The probe's failure, worded for this cluster's provider (the install extra differs). */
function toolFailure(failure: ProbeFailure | TooOld, provider: Provider): CheckResult {
  const fail = (code: ErrorCode, message: string, hint: string): CheckResult => ({
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
        `\`sky --version\` did not answer within ${seconds(failure.timeoutMs)}.`,
        "Run `sky --version` yourself: a broken Python environment can hang on import.",
      );
    case "unusable": {
      const { exitCode, stderr, stdout } = failure.result;
      return fail(
        "RHX_SKY_UNUSABLE",
        exitCode === 0
          ? "`sky --version` printed no SkyPilot version."
          : `\`sky --version\` exited with code ${exitCode}${saying(lastLine(stderr) ?? lastLine(stdout))}`,
        `Reinstall SkyPilot (${installCommand(provider)}) and check that \`sky --version\` prints "skypilot, version X.Y.Z".`,
      );
    }
    case "too-old":
      return fail(
        "RHX_SKY_TOO_OLD",
        `SkyPilot ${failure.version.raw} is older than ${MIN_SKY_VERSION.major}.${MIN_SKY_VERSION.minor}, the oldest rhx can drive.`,
        `Upgrade it: ${upgradeCommand(provider)}`,
      );
  }
}

type TooOld = { kind: "too-old"; version: SkyVersion };

function upgradeCommand(provider: Provider): string {
  return installCommand(provider).replace("pip install", "pip install -U");
}

/**
 * The empty-password login on the VM: ECR through the instance role arrived in SkyPilot ≈0.11, Artifact
 * Registry through the service account in ≈0.10 (docs/skypilot.md, "Versions"). An older SkyPilot
 * would run `docker login` with an empty password on a billed VM.
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
  context: CheckContext,
  probe: SkyInfo,
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
    result = await skyCheck(args, context);
  } catch (error) {
    if (!isRhxError(error) || error.code !== "RHX_STEP_TIMEOUT") throw error;
    return {
      ...base,
      status: "fail",
      code: "RHX_SKY_TIMEOUT",
      message: `\`${shown}\` did not answer within ${seconds(context.checkTimeoutMs)}.`,
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
  const text = json ? await reasonText(cloud, context) : result.stdout;
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

function skyCheck(args: string[], context: CheckContext): Promise<RunResult> {
  return context.cli.run(args, {
    env: WITHOUT_PASSWORD,
    signal: context.signal,
    timeoutMs: context.checkTimeoutMs,
  });
}

async function reasonText(cloud: string, context: CheckContext): Promise<string | undefined> {
  try {
    const result = await skyCheck(["check", cloud], context);
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

/** The SkyPilot checks of one cluster; every cluster of the run shares the cli's one probe. */
export async function skyPreflight(
  cli: SkyCli,
  cluster: LoadedCluster,
  options: { signal: AbortSignal; checkTimeoutMs?: number | undefined },
): Promise<CheckResult[]> {
  const probe = await cli.probeOutcome(options.signal);
  const provider = cluster.spec.provider;
  // Without a usable `sky`, a cloud check cannot run: the one failure (with the install hint) says it all.
  if (!probe.ok) return [toolFailure(probe.failure, provider)];
  if (!skyVersionAtLeast(probe.version, MIN_SKY_VERSION.major, MIN_SKY_VERSION.minor))
    return [toolFailure({ kind: "too-old", version: probe.version }, provider)];
  const context = { cli, signal: options.signal, checkTimeoutMs: options.checkTimeoutMs ?? CHECK_TIMEOUT_MS };
  const results: CheckResult[] = [
    { ...TOOL, status: "pass", message: `skypilot ${probe.version.raw}` },
    await checkCloud(cluster, context, probe),
  ];
  const role = instanceRoleSupport(cluster, probe.version);
  if (role) results.push(role);
  return results;
}
