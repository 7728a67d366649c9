/**
 * The docker CLI as the local driver calls it: one resolved binary, every call through `run` (so it is
 * cancellable, bounded and redacted), children started from the run's environment, and an unreachable
 * engine reported the same way everywhere.
 */
import type { Redactor } from "../../secrets/redactor.ts";
import { type RunOptions, type RunResult, resolveProgram, run } from "../exec.ts";
import type { Environment } from "../types.ts";
import { classifyDockerError, engineUnreachable } from "./classify.ts";

// Test helpers find the program the way the driver does.
export { resolveProgram };

export interface DockerCli {
  /** The program spawned: an absolute path when found on PATH, so a cluster's `env.PATH` cannot hide it. */
  readonly binary: string;
  /** The run's environment: every docker child starts from it (DOCKER_HOST, DOCKER_CONFIG, …). */
  readonly env: Environment;
  readonly redactor: Redactor;
  /**
   * Runs `docker ARGS`. A non-zero exit is returned, not thrown (callers classify it), except an engine
   * that does not answer, which is thrown as RHX_ENGINE_UNREACHABLE unless `engineErrors` is false (for
   * `docker exec`, whose stderr is the user's command's).
   */
  run(args: readonly string[], options?: DockerRunOptions): Promise<RunResult>;
}

export interface DockerRunOptions extends Omit<RunOptions, "allowFailure" | "redactor"> {
  engineErrors?: boolean;
}

export function createDockerCli(
  context: { env: Environment; redactor: Redactor },
  program = "docker",
): DockerCli {
  const { env, redactor } = context;
  // The run's PATH; this process's when the run's environment has none, as the child would see it.
  const binary = resolveProgram(program, env.PATH ?? process.env.PATH ?? "");
  return {
    binary,
    env,
    redactor,
    async run(args, options = {}) {
      const { engineErrors = true, ...rest } = options;
      const result = await run(binary, args, {
        ...rest,
        env: { ...env, ...rest.env },
        redactor,
        allowFailure: true,
      });
      if (result.exitCode !== 0 && engineErrors) {
        const kind = classifyDockerError(result.stderr);
        if (kind === "engine-unreachable" || kind === "engine-permission")
          throw engineUnreachable(result.stderr, redactor);
      }
      return result;
    },
  };
}

/** The remaining budget of a step with a deadline, for the next child; undefined when unbounded. */
export function remainingMs(deadline: number | undefined): number | undefined {
  if (deadline === undefined) return undefined;
  return Math.max(1, deadline - Date.now());
}
