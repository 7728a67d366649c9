/**
 * `sky --version` and the flags of this `sky`: what the driver must know before any other `sky`
 * call, and what pre-flight reports. Run once per rhx run (the cli memoises it), without the registry
 * password in its environment: no probe needs it.
 */
import { DOCKER_ENV } from "../../config/credentials.ts";
import { ExitCode } from "../../errors/exit-codes.ts";
import { isRhxError, RhxError } from "../../errors/rhx-error.ts";
import type { Redactor } from "../../secrets/redactor.ts";
import type { RunResult } from "../exec.ts";
import { classifySkyFailure } from "./classify-failure.ts";
import type { SkyCli } from "./cli.ts";
import { cachedFeatures, cacheKey, storeFeatures } from "./feature-cache.ts";
import { featuresFromHelp, HELP_COMMANDS, type HelpAnswers, type HelpName } from "./help-features.ts";
import { parseSkyVersion, type SkyFeatures, type SkyVersion } from "./version.ts";

/**
 * Bound of `sky --version` and of each `--help`: they import SkyPilot, a few seconds on a cold start.
 * One limit for pre-flight and the driver's steps, since they share the probe (docs/checks.md).
 */
export const PROBE_TIMEOUT_MS = 20_000;

export interface SkyInfo {
  version: SkyVersion;
  features: SkyFeatures;
}

export type ProbeFailure =
  | { kind: "not-found"; error: RhxError }
  | { kind: "timeout"; error: RhxError; timeoutMs: number }
  /** It ran but did not print a SkyPilot version. */
  | { kind: "unusable"; result: RunResult };

export type SkyProbe = ({ ok: true } & SkyInfo) | { ok: false; failure: ProbeFailure };

/** The probe's environment on top of the run's: the registry password is for launches only. */
export const WITHOUT_PASSWORD = { [DOCKER_ENV.password]: undefined } as const;

export async function probeSky(
  cli: Pick<SkyCli, "run" | "binary">,
  options: { signal: AbortSignal | undefined; stateDir: string | undefined; timeoutMs: number },
): Promise<SkyProbe> {
  const { signal, timeoutMs } = options;
  let result: RunResult;
  try {
    result = await cli.run(["--version"], { signal, timeoutMs, env: WITHOUT_PASSWORD });
  } catch (error) {
    if (!isRhxError(error)) throw error;
    if (error.code === "RHX_SKY_NOT_FOUND") return { ok: false, failure: { kind: "not-found", error } };
    if (error.code === "RHX_STEP_TIMEOUT")
      return { ok: false, failure: { kind: "timeout", error, timeoutMs } };
    throw error;
  }
  const version = result.exitCode === 0 ? parseSkyVersion(result.stdout) : undefined;
  if (!version) return { ok: false, failure: { kind: "unusable", result } };
  const features = await detectFeatures(cli, version, signal, options.stateDir, timeoutMs);
  return { ok: true, version, features };
}

/** The error a driver step throws for a `sky` it cannot drive. */
export function probeError(failure: ProbeFailure, redactor: Redactor): RhxError {
  if (failure.kind !== "unusable") return failure.error;
  const { result } = failure;
  const classified = classifySkyFailure({
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
  });
  return new RhxError({
    code: "RHX_SKY_VERSION",
    message: redactor.redact(
      `\`sky --version\` did not say which SkyPilot this is (exit ${result.exitCode}): ${classified?.detail ?? (result.tail.at(-1) || "no output")}`,
    ),
    hint: "Check that `sky --version` works in this shell; `rhx check` runs the same probe.",
    exitCode: ExitCode.StepFailed,
  });
}

/** From the cache when this binary and version were seen before, else from `--help` (then cached). */
export async function detectFeatures(
  cli: Pick<SkyCli, "run" | "binary">,
  version: SkyVersion,
  signal: AbortSignal | undefined,
  stateDir: string | undefined,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<SkyFeatures> {
  const key = stateDir === undefined ? undefined : await cacheKey(cli.binary, version.raw);
  if (stateDir !== undefined && key) {
    const cached = await cachedFeatures(stateDir, key);
    if (cached) return cached;
  }
  const answers: HelpAnswers = {};
  await Promise.all(
    (Object.keys(HELP_COMMANDS) as HelpName[]).map(async (name) => {
      const result = await cli
        .run(HELP_COMMANDS[name], { signal, timeoutMs, env: WITHOUT_PASSWORD })
        .catch((error: unknown) => {
          if (signal?.aborted) throw error;
          return undefined;
        });
      if (result) answers[name] = { exitCode: result.exitCode, stdout: result.stdout };
    }),
  );
  const features = featuresFromHelp(version, answers);
  // A guess is not worth keeping: the next run tries `--help` again.
  if (stateDir !== undefined && key && features.source === "help")
    await storeFeatures(stateDir, key, features);
  return features;
}

export function skyNotFound(program: string): RhxError {
  return new RhxError({
    code: "RHX_SKY_NOT_FOUND",
    message: `\`${program}\` (the SkyPilot CLI) was not found on PATH.`,
    hint: "Install SkyPilot for your cloud (e.g. `pip install 'skypilot[aws]'`) and make sure `sky` is on PATH; `rhx check` verifies it.",
    exitCode: ExitCode.StepFailed,
  });
}
