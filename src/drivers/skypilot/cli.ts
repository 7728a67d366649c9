/**
 * The `sky` CLI as the driver calls it: one resolved program, every call through the shared `run`
 * (cancellable, bounded, redacted), and the version probed once per driver — which is once per rhx run.
 */
import { ExitCode } from "../../errors/exit-codes.ts";
import { isRhxError, RhxError } from "../../errors/rhx-error.ts";
import { type RunOptions, type RunResult, resolveProgram, run } from "../exec.ts";

// Callers (pre-flight, tests) find the program the same way the driver does.
export { resolveProgram };

import { classifySkyFailure } from "./classify-failure.ts";
import { cachedFeatures, cacheKey, storeFeatures } from "./feature-cache.ts";
import { featuresFromHelp, HELP_COMMANDS, type HelpAnswers, type HelpName } from "./help-features.ts";
import { parseSkyVersion, type SkyFeatures, type SkyVersion } from "./version.ts";

export type Environment = Readonly<Record<string, string | undefined>>;

export interface SkyInfo {
  version: SkyVersion;
  features: SkyFeatures;
}

export interface SkyCli {
  /** The program spawned: an absolute path when found on PATH. */
  readonly binary: string;
  /**
   * `sky --version`, run once, and the optional flags this `sky` has (from its `--help`, cached in the
   * state dir per binary and version).
   */
  probe(signal?: AbortSignal): Promise<SkyInfo>;
  /** Runs `sky ARGS`; a non-zero exit is returned (the caller classifies it), never thrown. */
  run(args: readonly string[], options?: Omit<RunOptions, "allowFailure">): Promise<RunResult>;
  /** The environment children start from (the run's environment, not necessarily this process's). */
  readonly env: Environment;
}

export const VERSION_TIMEOUT_MS = 30_000;
const HELP_TIMEOUT_MS = 30_000;

export interface SkyCliOptions {
  /** Where detected features are cached; without it every run reads `--help` again. */
  stateDir?: string | undefined;
}

export function createSkyCli(env: Environment, program = "sky", options: SkyCliOptions = {}): SkyCli {
  const binary = resolveProgram(program, env.PATH ?? "");
  let probed: Promise<SkyInfo> | undefined;
  const cli: SkyCli = {
    binary,
    env,
    probe(signal) {
      if (!probed) {
        probed = probeVersion(cli, signal, options.stateDir);
        // A probe cut short (Ctrl-C, timeout) must not poison later calls.
        probed.catch(() => {
          probed = undefined;
        });
      }
      return probed;
    },
    async run(args, options = {}) {
      try {
        return await run(binary, args, {
          ...options,
          env: { ...env, ...options.env },
          allowFailure: true,
        });
      } catch (error) {
        if (isRhxError(error) && error.code === "RHX_COMMAND_NOT_FOUND") throw skyNotFound(program);
        throw error;
      }
    },
  };
  return cli;
}

async function probeVersion(
  cli: SkyCli,
  signal: AbortSignal | undefined,
  stateDir: string | undefined,
): Promise<SkyInfo> {
  const result = await cli.run(["--version"], { signal, timeoutMs: VERSION_TIMEOUT_MS });
  const version = result.exitCode === 0 ? parseSkyVersion(result.stdout) : undefined;
  if (!version) {
    const failure = classifySkyFailure({
      exitCode: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
    });
    throw new RhxError({
      code: "RHX_SKY_VERSION",
      message: `\`sky --version\` did not say which SkyPilot this is (exit ${result.exitCode}): ${failure?.detail ?? (result.tail.at(-1) || "no output")}`,
      hint: "Check that `sky --version` works in this shell; `rhx check` runs the same probe.",
      exitCode: ExitCode.StepFailed,
    });
  }
  return { version, features: await detectFeatures(cli, version, signal, stateDir) };
}

/** From the cache when this binary and version were seen before, else from `--help` (then cached). */
export async function detectFeatures(
  cli: Pick<SkyCli, "run" | "binary">,
  version: SkyVersion,
  signal: AbortSignal | undefined,
  stateDir: string | undefined,
  timeoutMs = HELP_TIMEOUT_MS,
): Promise<SkyFeatures> {
  const key = stateDir === undefined ? undefined : await cacheKey(cli.binary, version.raw);
  if (stateDir !== undefined && key) {
    const cached = await cachedFeatures(stateDir, key);
    if (cached) return cached;
  }
  const answers: HelpAnswers = {};
  await Promise.all(
    (Object.keys(HELP_COMMANDS) as HelpName[]).map(async (name) => {
      const result = await cli.run(HELP_COMMANDS[name], { signal, timeoutMs }).catch((error: unknown) => {
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

function skyNotFound(program: string): RhxError {
  return new RhxError({
    code: "RHX_SKY_NOT_FOUND",
    message: `\`${program}\` (the SkyPilot CLI) was not found on PATH.`,
    hint: "Install SkyPilot for your cloud (e.g. `pip install 'skypilot[aws]'`) and make sure `sky` is on PATH; `rhx check` verifies it.",
    exitCode: ExitCode.StepFailed,
  });
}
