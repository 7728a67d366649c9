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
import { parseSkyVersion, type SkyFeatures, type SkyVersion, skyFeatures } from "./version.ts";

export type Environment = Readonly<Record<string, string | undefined>>;

export interface SkyInfo {
  version: SkyVersion;
  features: SkyFeatures;
}

export interface SkyCli {
  /** The program spawned: an absolute path when found on PATH. */
  readonly binary: string;
  /** `sky --version`, run once; its answer decides which flags rhx passes. */
  probe(signal?: AbortSignal): Promise<SkyInfo>;
  /** Runs `sky ARGS`; a non-zero exit is returned (the caller classifies it), never thrown. */
  run(args: readonly string[], options?: Omit<RunOptions, "allowFailure">): Promise<RunResult>;
  /** The environment children start from (the run's environment, not necessarily this process's). */
  readonly env: Environment;
}

export const VERSION_TIMEOUT_MS = 30_000;

export function createSkyCli(env: Environment, program = "sky"): SkyCli {
  const binary = resolveProgram(program, env.PATH ?? "");
  let probed: Promise<SkyInfo> | undefined;
  const cli: SkyCli = {
    binary,
    env,
    probe(signal) {
      if (!probed) {
        probed = probeVersion(cli, signal);
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

async function probeVersion(cli: SkyCli, signal: AbortSignal | undefined): Promise<SkyInfo> {
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
  return { version, features: skyFeatures(version) };
}

function skyNotFound(program: string): RhxError {
  return new RhxError({
    code: "RHX_SKY_NOT_FOUND",
    message: `\`${program}\` (the SkyPilot CLI) was not found on PATH.`,
    hint: "Install SkyPilot for your cloud (e.g. `pip install 'skypilot[aws]'`) and make sure `sky` is on PATH; `rhx check` verifies it.",
    exitCode: ExitCode.StepFailed,
  });
}
