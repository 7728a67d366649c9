/**
 * The `sky` CLI as the driver calls it: one resolved program, every call through the shared `run`
 * (cancellable, bounded, redacted), children started from the run's environment, and the version
 * probed once per driver — which is once per rhx run, shared by pre-flight and every step.
 */
import { isRhxError } from "../../errors/rhx-error.ts";
import type { Redactor } from "../../secrets/redactor.ts";
import { type RunOptions, type RunResult, resolveProgram, run } from "../exec.ts";
import type { Environment } from "../types.ts";
import { PROBE_TIMEOUT_MS, probeError, probeSky, type SkyInfo, type SkyProbe, skyNotFound } from "./probe.ts";

export type { Environment, SkyInfo, SkyProbe };
// Callers (tests) find the program the same way the driver does.
export { resolveProgram };

export interface SkyCli {
  /** The program spawned: an absolute path when found on PATH. */
  readonly binary: string;
  /** The environment children start from (the run's environment, not necessarily this process's). */
  readonly env: Environment;
  readonly redactor: Redactor;
  /**
   * What `sky --version` said, run once per cli, and the optional flags this `sky` has (from its
   * `--help`, cached in the state dir per binary and version). A missing, hanging or broken `sky` is
   * an outcome, not a throw: pre-flight words it per cluster. Only a cancelled probe is not kept.
   */
  probeOutcome(signal?: AbortSignal): Promise<SkyProbe>;
  /** The same probe for the driver's steps: a `sky` that cannot be driven is thrown as an RhxError. */
  probe(signal?: AbortSignal): Promise<SkyInfo>;
  /** Runs `sky ARGS`; a non-zero exit is returned (the caller classifies it), never thrown. */
  run(args: readonly string[], options?: Omit<RunOptions, "allowFailure" | "redactor">): Promise<RunResult>;
}

export interface SkyCliContext {
  env: Environment;
  redactor: Redactor;
  /** Where detected features are cached; without it every run reads `--help` again. */
  stateDir?: string | undefined;
  /** Bound of `sky --version` and each `--help` (a cold start imports SkyPilot: seconds). */
  probeTimeoutMs?: number | undefined;
}

export function createSkyCli(context: SkyCliContext, program = "sky"): SkyCli {
  const { env, redactor } = context;
  const binary = resolveProgram(program, env.PATH ?? "");
  const timeoutMs = context.probeTimeoutMs ?? PROBE_TIMEOUT_MS;
  let probed: Promise<SkyProbe> | undefined;
  const cli: SkyCli = {
    binary,
    env,
    redactor,
    probeOutcome(signal) {
      if (!probed) {
        probed = probeSky(cli, { signal, stateDir: context.stateDir, timeoutMs });
        // A probe cut short by Ctrl-C must not poison later calls.
        probed.catch(() => {
          probed = undefined;
        });
      }
      return probed;
    },
    async probe(signal) {
      const outcome = await cli.probeOutcome(signal);
      if (outcome.ok) return { version: outcome.version, features: outcome.features };
      throw probeError(outcome.failure, redactor);
    },
    async run(args, options = {}) {
      try {
        return await run(binary, args, {
          ...options,
          env: { ...env, ...options.env },
          redactor,
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
